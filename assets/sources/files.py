"""Locating a source's input file for a partition: landed real files first, the sample otherwise."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from warehouse.lease import shown
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


def _sha256(path: Path) -> str:
    """The file's SHA-256, taken once per process while the file stays the same (inode, size and
    modification and change times): a workforce month's assets and checks each look up the month's files. What a
    reader parses is hashed again from the bytes it read (integrity.verify_unchanged)."""
    st = path.stat()
    return _sha256_of(str(path), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@lru_cache(maxsize=256)
def _sha256_of(path: str, inode: int, size: int, mtime_ns: int, ctime_ns: int) -> str:
    return sha256_file(Path(path))


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
