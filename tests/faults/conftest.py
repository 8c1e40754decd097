"""Fault injection (issue 16): shared helpers. Each attack takes a small valid file in a publisher's real
layout and corrupts it; `corrupt` helpers work on bytes so the damage is exactly what is described."""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from pathlib import Path

from assets.sources.files import SourceFile


def source(path: Path, root: Path | None = None) -> SourceFile:
    """The file as a landed (non-sample) source, its checksum taken now, as when a run finds it."""
    return SourceFile.from_path(path, root or path.parent, is_sample=False)


def zip_bytes(members: dict[str, bytes], symlinks: tuple[str, ...] = (), level: int = 6) -> bytes:
    """A zip of `members`; names in `symlinks` are stored as symbolic links (Unix mode 120777)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, data)
    return buf.getvalue()


def publication_hashes(data_dir: Path) -> dict[str, str]:
    """SHA-256 of every published file as a reader sees it (each table's Parquet through its link into
    .versions/, the manifest) and of the DuckDB catalog."""
    out = {}
    pub = data_dir / "publish"
    for entry in sorted(pub.iterdir()):
        files = sorted(p for p in entry.resolve().rglob("*") if p.is_file()) if entry.is_dir() else [entry]
        if entry.name == ".versions":
            continue
        for p in files:
            key = entry.name if p == entry else f"{entry.name}/{p.relative_to(entry.resolve())}"
            out[key] = hashlib.sha256(p.read_bytes()).hexdigest()
    catalog = data_dir / "warehouse.duckdb"
    if catalog.exists():
        out[catalog.name] = hashlib.sha256(catalog.read_bytes()).hexdigest()
    return out
