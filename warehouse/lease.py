"""Which folders cxex owns, and which run writes in them now: the marker and the writer lease.

- **The marker.** A data directory carries `.cxex-data-dir`, a publish location outside it
  `.cxex-publication`, written by cxex when it first claims the folder. A folder without its marker is
  claimed only when it is new, empty or holds nothing but names cxex itself creates (a data directory
  from before markers); any other folder, the filesystem root and the home folder are refused, so
  recovery (warehouse/recovery.py) never walks, let alone deletes in, a tree that is not its own.
- **The lease.** A writer holds an OS file lock (`.cxex.lock`, released by the kernel when its process
  dies) on the data directory and on a publish location outside it, and keeps a lease record
  (`.cxex.lock.owner`: token, pid, host, start, heartbeat) fresh every HEARTBEAT_SECONDS from a
  small child process. A start that gets the lock knows every earlier holder on this host is dead; a record from
  another host whose heartbeat is younger than LEASE_TTL_SECONDS (a lock on a network filesystem that
  does not reach across hosts) is refused as live. Two data directories sharing one publish location
  therefore take turns: the second is refused while the first holds it.
- **Every path.** `make run` takes the lease before any work; `writer_lease()` is the same lease for any
  other launcher (a UI or daemon run's publish step): inside a process that holds it (its token in
  CXEX_WRITER_LEASE, inherited by forked workers) it is a no-op. Staged publications record the token
  (warehouse/publish.py), so recovery discards only those whose lease is provably gone.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

from .settings import other, set_other

LOCK_NAME = ".cxex.lock"
OWNER_NAME = ".cxex.lock.owner"  # the lease record
DATA_MARKER = ".cxex-data-dir"
PUBLISH_MARKER = ".cxex-publication"
HEARTBEAT_SECONDS = 10.0
LEASE_TTL_SECONDS = 90.0
# what cxex creates at the top of a data directory and of a publish location (pipelines/ and warehouse/)
DATA_NAMES = {"landing", "samples", "raw", "staging", "quality", "publish", "cache", "dagster_home",
              "warehouse.duckdb", "warehouse.duckdb.wal", "warehouse.duckdb.lock", LOCK_NAME, OWNER_NAME}
PUBLISH_NAMES = {"_manifest.json", ".manifest.lock", ".pending", ".snapshots", ".versions", ".quarantine", "current", "report",
                 LOCK_NAME, OWNER_NAME}


class NotOurs(RuntimeError):
    """A folder cxex was pointed at that it does not own (and will not adopt)."""


class DataDirBusy(RuntimeError):
    """Another cxex run holds the writer lease of the data directory or of its publish location."""


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown(text: str) -> str:
    """A name (or a one-line message naming files) as printed: control characters escaped (\\n, \\x07),
    so a newline in a file name cannot forge a line of output; other text, accents included, unchanged."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def claim(folder: Path, marker: str, own: set[str], setting: str) -> Path:
    """`folder`, marked as cxex's (created when missing); NotOurs when it is someone else's."""
    folder = Path(os.path.abspath(folder))
    if folder == Path(folder.anchor) or folder == Path.home():
        raise NotOurs(f"{setting}={folder} is the {'filesystem root' if folder == Path(folder.anchor) else 'home folder'}; "
                      "give cxex a folder of its own (e.g. ./data)")
    if (folder / marker).is_file():
        return folder
    if folder.is_dir():
        strangers = sorted(p.name for p in folder.iterdir() if p.name not in own and not _own_table_link(p, own))
        if strangers:
            raise NotOurs(f"{setting}={folder} is not a cxex folder (no {marker}) and holds {len(strangers)} "
                          f"entr{'y' if len(strangers) == 1 else 'ies'} cxex did not make (e.g. {shown(strangers[0])!r}); "
                          "point it at a new or empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{marker}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps({"owner": "cxex", "marker": marker, "created_at": _now()}) + "\n")
    os.replace(tmp, folder / marker)
    return folder


def _own_table_link(p: Path, own: set[str]) -> bool:
    """A publish location's `<table>` links point into `current/` (warehouse/publish.py)."""
    return own is PUBLISH_NAMES and p.is_symlink() and os.readlink(p).startswith("current/")


def claim_data_dir(root: Path, publish_root: Path | None = None) -> None:
    """The data directory and a local publish location outside it, both marked as cxex's."""
    claim(root, DATA_MARKER, DATA_NAMES | {DATA_MARKER}, "CXEX_DATA_DIR")
    if publish_root is not None and not _inside(publish_root, root):
        claim(publish_root, PUBLISH_MARKER, PUBLISH_NAMES | {PUBLISH_MARKER}, "CXEX_PUBLISH_URL")


def owned(folder: Path) -> bool:
    return (folder / DATA_MARKER).is_file() or (folder / PUBLISH_MARKER).is_file()


def _inside(path: Path, root: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(Path(os.path.abspath(root)))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_record(folder: Path) -> dict | None:
    try:
        rec = json.loads((folder / OWNER_NAME).read_text())
        return rec if isinstance(rec, dict) else None
    except (OSError, ValueError):
        return None


_HEARTBEAT = """
import json, os, sys, time, uuid
rec, every, folders = json.loads(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
while True:
    time.sleep(every)
    if os.getppid() != rec["pid"]:
        break  # the holder is gone (the kernel released its lock): stop vouching for it
    rec["heartbeat"] = time.time()
    for folder in folders:
        tmp = os.path.join(folder, ".%s.%s.tmp" % (os.path.basename(rec["record"]), uuid.uuid4().hex))
        try:
            with open(tmp, "w") as f:
                f.write(json.dumps(rec))
            os.replace(tmp, os.path.join(folder, rec["record"]))
        except OSError:
            pass
"""


class Lease:
    """The writer lease on one or two folders; `release()` (or the process's end) gives it up.

    The heartbeat is a small child process, not a thread: `make run` forks its source workers only from
    a process without other threads (pipelines/run.py fork_safe). It holds no lock (close_fds) and stops
    once its parent is gone."""

    def __init__(self, folders: list[Path], wait_seconds: float = 0.0):
        self.token = uuid.uuid4().hex
        self.folders, self._locks, self._beater = folders, [], None
        try:
            for folder in folders:
                self._take(folder, wait_seconds)
            rec = self._beat()
            self._beater = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _HEARTBEAT, json.dumps(rec), str(HEARTBEAT_SECONDS),
                 *map(str, folders)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                close_fds=True)
        except BaseException:
            self.release()
            raise
        set_other("writer_lease", self.token)

    def _take(self, folder: Path, wait_seconds: float) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(folder / LOCK_NAME))
        try:
            lock.acquire(timeout=wait_seconds)
        except Timeout:
            raise DataDirBusy(_busy(folder, read_record(folder))) from None
        self._locks.append(lock)
        rec = read_record(folder)
        if rec and rec.get("host") != socket.gethostname() and time.time() - rec.get("heartbeat", 0) < LEASE_TTL_SECONDS:
            raise DataDirBusy(_busy(folder, rec))  # a live writer on another host: its lock may not reach us

    def _beat(self) -> dict:
        rec = {"token": self.token, "pid": os.getpid(), "host": socket.gethostname(), "started_at": _now(),
               "heartbeat": time.time(), "record": OWNER_NAME}
        for folder in self.folders:
            tmp = folder / f".{OWNER_NAME}.{uuid.uuid4().hex}.tmp"
            tmp.write_text(json.dumps(rec))
            os.replace(tmp, folder / OWNER_NAME)
        return rec

    def release(self) -> None:
        if self._beater is not None:
            self._beater.terminate()
            self._beater.wait()
            self._beater = None
        if current_token() == self.token:
            set_other("writer_lease", None)
        for lock in reversed(self._locks):
            lock.release()
        self._locks = []


def _busy(folder: Path, rec: dict | None) -> str:
    who = "another process"
    if rec:
        age = time.time() - rec.get("heartbeat", 0)
        who = f"pid {rec.get('pid')} on {rec.get('host')}, started {rec.get('started_at')}, heartbeat {age:.0f} s ago"
    return (f"{folder} is in use by another cxex run ({who}); wait for it to finish or stop it, then run again "
            f"(lock file {folder / LOCK_NAME})")


def acquire(root: Path, publish_root: Path | None = None, wait_seconds: float = 0.0) -> Lease:
    """The writer lease of a data directory and of a local publish location outside it."""
    folders = [Path(os.path.abspath(root))]
    if publish_root is not None and not _inside(publish_root, root):
        folders.append(Path(os.path.abspath(publish_root)))
    return Lease(folders, wait_seconds)


def current_token() -> str:
    """The lease this process (or the launcher it was forked from) holds, '' when none."""
    return other("writer_lease")


def held_here(root: Path) -> bool:
    rec = read_record(Path(os.path.abspath(root)))
    return bool(current_token()) and rec is not None and rec.get("token") == current_token()


@contextmanager
def writer_lease(root: Path, publish_root: Path | None = None, wait_seconds: float = 0.0):
    """The writer lease for any launcher path (UI, daemon, make run): a no-op where this process holds it."""
    if held_here(root):
        yield None
        return
    claim_data_dir(root, publish_root)
    lease = acquire(root, publish_root, wait_seconds)
    try:
        yield lease
    finally:
        lease.release()
