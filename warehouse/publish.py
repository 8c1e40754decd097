"""Atomic, versioned publication of Parquet tables.

Each publication of a table is written to `publish/.versions/<table>/<version>/` and only then made
current by atomically replacing the symlink `publish/<table>` (rename(2) over a symlink). Readers
see the old version or the new one, never a half-written one; a failure before the swap leaves the
last good version in place. `publish/_manifest.json` records what is current.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock

from . import PIPELINE_VERSION
from .contracts import Contract, conform

KEEP_VERSIONS = 3
ROW_GROUP_ROWS = 122_880  # DuckDB scans row groups in parallel: one huge group would use one core
DATA_FILE = "data.parquet"


@dataclass(frozen=True)
class Publication:
    table: str
    version: str
    rows: int
    sha256: str
    contract_version: int
    run_id: str
    published_at: str
    path: str
    pipeline_version: str


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def current_version_dir(publish_root: Path, table: str) -> Path | None:
    link = publish_root / table
    return link.resolve() if link.is_symlink() else None


def publish_table(publish_root: Path, contract: Contract, table: pa.Table, run_id: str,
                  keep: int = KEEP_VERSIONS) -> Publication:
    """Conform `table` to `contract`, write it as a new version and swap it in atomically."""
    table = conform(table, contract)  # raises before anything is written
    publish_root.mkdir(parents=True, exist_ok=True)
    versions = publish_root / ".versions" / contract.table
    versions.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    version = f"{now:%Y%m%dT%H%M%S%fZ}_{run_id[:8]}"
    tmp = versions / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        pq.write_table(table, tmp / DATA_FILE, compression="zstd")
        digest = sha256_file(tmp / DATA_FILE)
        os.rename(tmp, versions / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    link = publish_root / contract.table
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a real directory, not a cxex publication link; move it away first")
    tmp_link = publish_root / f".{contract.table}.{uuid.uuid4().hex}.link"
    os.symlink(Path(".versions") / contract.table / version, tmp_link)
    os.replace(tmp_link, link)  # the atomic swap
    pub = Publication(contract.table, version, table.num_rows, digest, contract.version, run_id,
                      now.isoformat(), str(link), PIPELINE_VERSION)
    _update_manifest(publish_root, pub)
    _prune(versions, keep, current=version)
    return pub


def _update_manifest(publish_root: Path, pub: Publication) -> None:
    path = publish_root / "_manifest.json"
    with FileLock(str(publish_root / ".manifest.lock")):
        manifest = json.loads(path.read_text()) if path.exists() else {"tables": {}}
        manifest["tables"][pub.table] = asdict(pub)
        manifest["updated_at"] = pub.published_at
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)


def _prune(versions: Path, keep: int, current: str) -> None:
    old = sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
    for p in old[:-keep]:
        if p.name != current:
            shutil.rmtree(p, ignore_errors=True)


def read_manifest(publish_root: Path) -> dict:
    path = publish_root / "_manifest.json"
    return json.loads(path.read_text()) if path.exists() else {"tables": {}}


def write_parquet_atomic(table: pa.Table, path: Path, metadata: dict[str, str] | None = None) -> None:
    """Write `table` to `path` via a temporary file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in metadata.items()}})
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def with_constant_columns(table: pa.Table, values: dict[str, object], types: dict[str, pa.DataType]) -> pa.Table:
    """Append one constant column per entry of `values` (provenance, mostly)."""
    for name, value in values.items():
        table = table.append_column(pa.field(name, types[name]), pa.array([value] * table.num_rows, type=types[name]))
    return table
