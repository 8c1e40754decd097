"""Locating a source's input file for a partition: landed real files first, the sample otherwise."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warehouse.lease import shown
from warehouse.memo import remembered
from warehouse.publish import sha256_file

PROVENANCE_SUFFIX = ".provenance.json"
DATA_SUFFIXES = (".csv", ".txt", ".zip", ".gz", ".json")


class SourceFileError(ValueError):
    """An input file is missing, ambiguous or malformed. The message names file, row and column, with
    control characters escaped: a landed file named `a\nb.csv` cannot forge a line of output."""

    def __init__(self, message: str = "", *args):
        super().__init__(shown(str(message)), *args)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    relative: str  # to the data directory, as published in provenance
    sha256: str
    is_sample: bool
    retrieved_at: datetime | None
    url: str | None

    @classmethod
    def from_path(cls, path: Path, data_root: Path, is_sample: bool) -> "SourceFile":
        sidecar = path.with_name(path.name + PROVENANCE_SUFFIX)
        retrieved_at, url = None, None
        if sidecar.exists():
            meta = json.loads(sidecar.read_text())
            retrieved_at = datetime.fromisoformat(meta["retrieved_at"]) if meta.get("retrieved_at") else None
            url = meta.get("url")
        try:
            relative = str(path.resolve().relative_to(data_root.resolve()))
        except ValueError:
            if not is_sample:  # a symlinked landing folder or file: provenance could not name it, a run could read anything
                raise SourceFileError(f"{path}: resolves to {path.resolve()}, outside the data directory {data_root}; "
                                      "land files inside it (no symlinks out)") from None
            relative = str(path.resolve())
        return cls(path, relative, _sha256(path), is_sample, retrieved_at, url)


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


SETTLED_NS = 2_000_000_000  # a file last changed this long before it was hashed: any later change has a later change time
# (path, identity) -> (SHA-256, settled): a file hashed once per process while it stays the same
_HASHED: dict[tuple[str, tuple[int, int, int, int]], tuple[str, bool]] = {}


def _sha256(path: Path) -> str:
    """The file's SHA-256, taken once per process while the file stays the same (inode, size and
    modification and change times): a workforce month's assets and checks each look up the month's files. What a
    reader parses is checked against it (integrity.verify_unchanged): by `hashed_as_is` when the file had settled
    before it was hashed and is the same file still, else hashed again from the bytes it read."""
    identity = _identity(path.stat())
    digest, _ = remembered(_HASHED, (str(path), identity), lambda: _hash_settled(path, identity), 256)
    return digest


def _hash_settled(path: Path, identity: tuple[int, int, int, int]) -> tuple[str, bool]:
    """(the digest, whether the file had settled SETTLED_NS before and stayed the same while it was hashed)."""
    started = time.time_ns()
    digest = sha256_file(path)
    return digest, started - identity[3] >= SETTLED_NS and _identity(path.stat()) == identity


def hashed_as_is(path: Path, sha256: str, size: int) -> bool:
    """True when `path` is still the file hashed to `sha256` (the same inode, size and modification and change
    times as while it was hashed, and it had not changed for SETTLED_NS before), so bytes of `size` read from
    it now are those bytes. Writing to a file or replacing it changes its change time (which no user can set
    back), and a file that had settled cannot be changed within the clock tick of its last change; a file
    changed less than SETTLED_NS before it was hashed is never taken as is."""
    try:
        identity = _identity(path.stat())
    except OSError:
        return False
    return identity[1] == size and _HASHED.get((str(path), identity)) == (sha256, True)


def is_data_file(path: Path) -> bool:
    """A landed data file: any name with a data suffix; hidden files and provenance records are not."""
    name = path.name.lower()
    return path.is_file() and not name.startswith(".") and name.endswith(DATA_SUFFIXES) and not name.endswith(PROVENANCE_SUFFIX)


def landed_files(folder: Path) -> list[Path]:
    """Data files in a landing folder."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if is_data_file(p))


def use_sample_policy(layout) -> str:
    """The layout's sample rule (CXEX_USE_SAMPLE): `auto` (sample only where nothing landed) or `never`."""
    return layout.use_sample


def ensure_sample_dir(root: Path, version: int, write) -> Path:
    """Generate a sample folder once: `write(tmp)` fills a temporary folder that replaces `root`.

    A marker file names the generator version, so a changed generator rewrites the sample and a
    half-written one (an interrupted run) is never used.
    """
    import shutil
    import uuid

    marker = root / f".complete_v{version}"
    if not marker.exists():
        tmp = root.with_name(f".{root.name}.{uuid.uuid4().hex}")
        write(tmp)
        (tmp / marker.name).touch()
        if root.exists():
            shutil.rmtree(root)
        root.parent.mkdir(parents=True, exist_ok=True)
        os.rename(tmp, root)
    return root
