"""Recovery at start, and the single-writer lock of a data directory.

A run that was killed (`kill -9`, power loss) leaves temporary files and folders behind and, at
worst, links behind a committed manifest (warehouse/publish.py commits by one manifest rename and
derives links after it). A run that starts takes the data directory's writer lock, then removes the
temporary debris older than every live run, forgets what dead runs staged, re-derives the links
from the committed manifest and rebuilds the catalog if it does not pin that snapshot. No manual step.

The lock is an OS file lock (`fcntl.flock` through `filelock`): the kernel releases it when its
process dies, so a killed run never leaves a stale lock. A second run on the same data directory
fails at once with a message naming the holder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = ".cxex.lock"
OWNER_NAME = ".cxex.lock.owner"
_TMP_FILE = re.compile(r"^\..+\.[0-9a-f]{32}(\.tmp|\.link)?(\.wal)?$")  # parquet, manifest, links, catalog, samples
_TMP_DIR = re.compile(r"^\.(tmp-[0-9a-f]{32}|.+\.[0-9a-f]{32})$")  # version and snapshot folders, samples
_PROBE = re.compile(r"^\.link-probe\.[0-9a-f]{32}$")


class DataDirBusy(RuntimeError):
    """Another cxex run holds the data directory's writer lock."""


def acquire_writer_lock(root: Path, wait_seconds: float = 0.0) -> FileLock:
    """The data directory's single-writer lock, held until `.release()` (or the process ends)."""
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / LOCK_NAME))
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        try:
            owner = json.loads((root / OWNER_NAME).read_text())
            who = f"pid {owner['pid']} on {owner['host']}, started {owner['started_at']}"
        except (OSError, ValueError, KeyError):
            who = "another process"
        raise DataDirBusy(f"data directory {root} is in use by another cxex run ({who}); wait for it to finish "
                          f"or stop it, then run again (lock file {root / LOCK_NAME})") from None
    (root / OWNER_NAME).write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                               "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}))
    return lock


def debris(root: Path, publish_root: Path | None = None) -> list[Path]:
    """Temporary files and folders a killed run can leave (never landed files or resumable downloads)."""
    found: list[Path] = []
    tops = [root]
    if publish_root and not publish_root.resolve().is_relative_to(root.resolve()):
        tops.append(publish_root)  # CXEX_PUBLISH_URL: a folder outside the data directory
    for top in tops:
        if not top.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            here = Path(dirpath)
            if here == root / "landing" or here == root / "cache":
                dirnames[:] = []  # the world's files and resumable .part downloads: never touched
                continue
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

    done = []
    local_root = getattr(store, "root", None) if not store.remote else None
    removed = clean(layout.root, Path(local_root) if local_root else None, older_than)
    if removed:
        done.append(f"removed {len(removed)} temporary file(s)/folder(s) left by an interrupted run")
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
    """Runs with staged but uncommitted tables, staged before `older_than` (so not a live run's)."""
    out = []
    for run in store._list(".pending"):
        entries = store.pending(run)
        if all(datetime.fromisoformat(e["published_at"]).timestamp() < older_than for e in entries.values()):
            out.append(run)
    return out
