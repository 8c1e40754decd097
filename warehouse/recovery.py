"""Recovery at start, and the single-writer lock of a data directory.

A run that was killed (`kill -9`, power loss) leaves temporary files and folders behind and, at
worst, links behind a committed manifest (warehouse/publish.py commits by one manifest rename and
derives links after it). A run that starts takes the data directory's writer lock, then removes the
temporary debris older than every live run, forgets what dead runs staged, re-derives the links
from the committed manifest and rebuilds the catalog if it does not pin that snapshot. No manual step.

Recovery acts only in folders cxex owns (their marker, warehouse/lease.py), only on names cxex
creates, and only in its own subfolders (never landing/, cache/ or the Dagster home); a staged
publication is discarded only when its writer's lease is provably gone (another token holds it now).
The writer lock is the lease of warehouse/lease.py: an OS file lock the kernel releases when its
process dies, plus a heartbeat; a second run on the same data directory (or publish location) fails
at once with a message naming the holder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

from .lease import DATA_MARKER, OWNER_NAME, PUBLISH_MARKER, DataDirBusy, Lease, acquire, owned  # noqa: F401

_TMP_FILE = re.compile(r"^\..+\.[0-9a-f]{32}(\.tmp|\.link)?(\.wal)?$")  # parquet, manifest, links, catalog, samples
_TMP_DIR = re.compile(r"^\.(tmp-[0-9a-f]{32}|.+\.[0-9a-f]{32})$")  # version and snapshot folders, samples
_PROBE = re.compile(r"^\.link-probe\.[0-9a-f]{32}$")
# the data directory's subfolders where cxex writes through temporary names (landing/ and cache/ hold the
# world's files and resumable downloads; dagster_home/ is Dagster's)
WORK_DIRS = ("raw", "staging", "quality", "samples", "publish")
OWNER_FILE = ".owner"  # in .pending/<publication>/: the lease token of the run that staged it


def acquire_writer_lock(root: Path, wait_seconds: float = 0.0, publish_root: Path | None = None) -> Lease:
    """The data directory's (and an outside publish location's) writer lease, held until `.release()`."""
    return acquire(root, publish_root, wait_seconds)


def debris(root: Path, publish_root: Path | None = None) -> list[Path]:
    """Temporary files and folders a killed run can leave, in folders cxex owns (never landed files,
    resumable downloads, or anything in a folder without cxex's marker)."""
    found: list[Path] = []
    tops: list[Path] = []
    if owned(root):
        found += [root / f for f in os.listdir(root) if (root / f).is_file() and _TMP_FILE.match(f)]
        tops += [root / d for d in WORK_DIRS if (root / d).is_dir() and not (root / d).is_symlink()]
    if publish_root and not publish_root.resolve().is_relative_to(root.resolve()) and owned(publish_root):
        tops.append(publish_root)  # CXEX_PUBLISH_URL: a marked folder outside the data directory
    for top in tops:
        for dirpath, dirnames, filenames in os.walk(top):
            here = Path(dirpath)
            for d in list(dirnames):
                if _TMP_DIR.match(d):
                    found.append(here / d)
                    dirnames.remove(d)
            found += [here / f for f in filenames if _TMP_FILE.match(f) or _PROBE.match(f)]
    return found


def clean(root: Path, publish_root: Path | None, older_than: float) -> list[Path]:
    """Remove the debris last modified before `older_than` (a POSIX time: the start of the oldest live run)."""
    removed = []
    for p in debris(root, publish_root):
        try:
            if p.lstat().st_mtime >= older_than:
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(p)
        except FileNotFoundError:
            pass
    return removed


def catalog_pins(warehouse_file: Path, store) -> bool:
    """Whether the catalog holds exactly the committed snapshot's versions (its catalog_snapshot table)."""
    from .catalog import pinned_versions

    manifest = store.read_manifest()
    if not warehouse_file.exists():
        return not manifest["tables"]
    return pinned_versions(warehouse_file) == {t: e["version"] for t, e in manifest["tables"].items()}


def recover(layout, store, older_than: float, dead_runs: list[str] = ()) -> list[str]:
    """Everything a start does after a kill; returns one line per thing done (empty: nothing to do)."""
    from .catalog import build_catalog
    from .heal import heal

    done = []
    local_root = getattr(store, "root", None) if not store.remote else None
    removed = clean(layout.root, Path(local_root) if local_root else None, older_than)
    if removed:
        done.append(f"removed {len(removed)} temporary file(s)/folder(s) left by an interrupted run")
    done += heal(store)  # state files that lie: named, repaired or quarantined
    for run in {*dead_runs, *_pending_runs(store, older_than)}:
        store.discard(run)
        done.append(f"discarded the unfinished publication of run {run[:8]}")
    if not store.remote:
        store.repair(orphans_before=older_than)
    if not catalog_pins(layout.warehouse_file, store):
        build_catalog(layout.warehouse_file, store, layout.validation_glob)
        done.append(f"rebuilt the catalog on snapshot {store.read_manifest().get('snapshot')}")
    return done


def _pending_runs(store, older_than: float) -> list[str]:
    """Staged publications whose writer is provably gone: one that recorded a lease token other than the
    one held now (we hold the lease, so its writer does not), or, without a token (a writer that took
    no lease), staged before `older_than` (so not a live run's)."""
    from .lease import current_token

    out = []
    for run in store.list_names(".pending"):
        owner = store.get_text(f".pending/{run}/{OWNER_FILE}")
        token = _token(owner)
        if token:
            if current_token() and token != current_token():
                out.append(run)
            continue
        entries = store.pending(run)
        if all(_staged_at(e) < older_than for e in entries.values()):
            out.append(run)
    return out


def _token(text: str | None) -> str:
    try:
        return str(json.loads(text).get("token") or "") if text else ""
    except (ValueError, AttributeError):
        return ""


def _staged_at(entry: dict) -> float:
    try:
        return datetime.fromisoformat(entry["published_at"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return 0.0  # a record that names no time proves no live owner
