"""State files that lie: the next start names the file, repairs it from what it can prove, or
quarantines it, and says what it did (warehouse/recovery.py calls `heal` under the writer lease).

- `_manifest.json` unreadable (truncated, not JSON, not a manifest): moved to `.quarantine/`; the
  manifest of the newest snapshot folder whose version files all exist (`.snapshots/<s>/_manifest.json`,
  written with the links, after the commit: so a committed snapshot) takes its place; with none, the
  publication starts empty and the next full run republishes every table.
- a malformed `.pending/<run>/<table>.json`: moved to `.quarantine/`, and that run's staged set
  discarded (a set missing one record cannot be committed whole).
- `publish/current` replaced by a real folder: moved to `.quarantine/`, the link derived again.
- a version the manifest names gone from disk: the table falls back to the newest version an earlier
  retained snapshot recorded that is still on disk (its exact entry, checksum verified), else it leaves
  the snapshot; either way a new snapshot is committed, so manifest and links agree again.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

MANIFEST_KEYS = ("tables",)
PENDING_KEYS = ("version", "table")
QUARANTINE = ".quarantine"


class StateError(RuntimeError):
    """A state file of the publication (manifest, pending record) that cannot be read; names the file."""


def parse_record(text: str, where: str, keys: tuple[str, ...]) -> dict:
    """A JSON state file, or StateError naming it (the next start repairs or quarantines it)."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise StateError(f"{where}: not valid JSON ({e}); the next run repairs it") from None
    if not isinstance(doc, dict) or any(k not in doc for k in keys) or not isinstance(doc.get("tables", {}), dict):
        raise StateError(f"{where}: not a cxex record (needs {', '.join(keys)}); the next run repairs it")
    return doc


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def _quarantine(store, rel: str) -> str:
    """Move `rel` into .quarantine/ (never deleted: a person may want it); returns where it went."""
    dest = f"{QUARANTINE}/{rel.replace('/', '__')}.{_stamp()}"
    if store.remote:
        store.put_text(dest, store.get_text(rel) or "")
        store.remove(rel)
    else:
        (store.root / QUARANTINE).mkdir(parents=True, exist_ok=True)
        os.replace(store.root / rel, store.root / dest)
    return dest


def _snapshot_manifests(store) -> list[dict]:
    """Manifests of the local snapshot folders, newest first, each readable and with all its files on disk."""
    from .snapshot_files import SNAPSHOTS

    out = []
    for name in sorted(store.list_names(SNAPSHOTS), reverse=True):
        text = store.get_text(f"{SNAPSHOTS}/{name}/_manifest.json") if not name.startswith(".") else None
        try:
            doc = parse_record(text, name, MANIFEST_KEYS) if text else None
        except StateError:
            continue
        if doc and all(store.has(_file(t, e)) for t, e in doc["tables"].items()):
            out.append(doc)
    return out


def _file(table: str, entry: dict) -> str:
    return entry.get("file") or f".versions/{table}/{entry['version']}/data.parquet"


def heal_manifest(store) -> list[str]:
    from .snapshot_files import MANIFEST

    text = store.get_text(MANIFEST)
    if text is None:
        return []
    try:
        parse_record(text, MANIFEST, MANIFEST_KEYS)
        return []
    except StateError as e:
        why = str(e).split(": ", 1)[1].rsplit(";", 1)[0]
    moved = _quarantine(store, MANIFEST)
    proven = [] if store.remote else _snapshot_manifests(store)
    line = f"{store.uri(MANIFEST)} was unreadable ({why}): moved to {moved}; "
    if proven:
        store.put_text(MANIFEST, json.dumps(proven[0], indent=2, sort_keys=True) + "\n", commit=True)
        return [line + f"restored snapshot {proven[0].get('snapshot')} from its snapshot folder"]
    return [line + "no committed snapshot could be proven, so the publication starts empty (a full run republishes it)"]


def heal_pending(store) -> list[str]:
    from .snapshot_files import PENDING

    lines = []
    for run in store.list_names(PENDING):
        for name in store.list_names(f"{PENDING}/{run}"):
            rel = f"{PENDING}/{run}/{name}"
            if not name.endswith(".json"):
                continue
            try:
                parse_record(store.get_text(rel) or "", rel, PENDING_KEYS)
            except StateError as e:
                why = str(e).split(": ", 1)[1].rsplit(";", 1)[0]
                moved = _quarantine(store, rel)
                store.discard(run)
                lines.append(f"{store.uri(rel)} was malformed ({why}): moved to {moved}; "
                             f"the unfinished publication {run[:8]} was discarded")
                break
    return lines


def heal_current(store) -> list[str]:
    from .snapshot_files import CURRENT

    if store.remote:
        return []
    current = store.root / CURRENT
    if current.is_symlink() or not current.exists():
        return []
    moved = _quarantine(store, CURRENT)
    return [f"{current} was a real {'folder' if os.path.isdir(store.root / moved) else 'file'}, not cxex's link: "
            f"moved to {store.root / moved}; the link was derived again from the manifest"]


def heal_missing_versions(store) -> list[str]:
    """Tables whose committed version file is gone: an earlier proven version, or out of the snapshot."""
    from .snapshot_files import _committed, sha256_file

    manifest = store.read_manifest()
    missing = [t for t, e in manifest["tables"].items() if not store.has(_file(t, e))]
    if not missing:
        return []
    earlier = [] if store.remote else _snapshot_manifests(store)
    tables, restored, lines = dict(manifest["tables"]), {}, []
    for t in missing:
        gone = tables.pop(t)
        for doc in earlier:
            e = doc["tables"].get(t)
            if e and e["version"] != gone["version"] and sha256_file(store.root / _file(t, e)) == e.get("sha256"):
                restored[t] = e
                lines.append(f"{store.uri(_file(t, gone))} (named by the manifest) is gone: {t} restored to "
                             f"version {e['version']} of snapshot {doc.get('snapshot')}")
                break
        else:
            lines.append(f"{store.uri(_file(t, gone))} (named by the manifest) is gone and no earlier version is "
                         f"on disk: {t} leaves the snapshot until its source runs again")
    new = _committed({**manifest, "tables": tables}, restored, "recovery", store.keep)
    store.put_text("_manifest.json", json.dumps(new, indent=2, sort_keys=True) + "\n", commit=True)
    return lines


def heal(store) -> list[str]:
    """Every state file checked and repaired; one line per thing done."""
    return heal_manifest(store) + heal_pending(store) + heal_current(store) + heal_missing_versions(store)
