"""The files of a publication (warehouse/publish.py): the names of its state files, versions and their
checksums, which versions a commit keeps, and Parquet written by temporary file and rename."""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.contracts import is_text
from warehouse.faults import fault_point


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


MANIFEST = "_manifest.json"
PENDING = ".pending"
SNAPSHOTS = ".snapshots"
CURRENT = "current"


def _new_version(run_id: str) -> tuple[datetime, str]:
    """The publication time and the version name (sortable: time first, then the run)."""
    now = datetime.now(timezone.utc)
    return now, f"{now:%Y%m%dT%H%M%S%fZ}_{run_id[:8]}"


def _version_file(table: str, version: str) -> str:
    return f".versions/{table}/{version}/{DATA_FILE}"


def _committed(manifest: dict, pending: dict[str, dict], run_id: str, keep: int) -> dict:
    """The next manifest: `manifest`'s tables with the run's pending ones on top, as a new snapshot."""
    now, snapshot = _new_version(run_id)
    tables = {**manifest.get("tables", {}), **{t: {**e, "snapshot": snapshot} for t, e in pending.items()}}
    history = [{"snapshot": snapshot, "committed_at": now.isoformat(), "run_id": run_id,
                "tables": {t: e["version"] for t, e in sorted(tables.items())}}, *manifest.get("history", [])][:keep]
    return {"snapshot": snapshot, "previous_snapshot": manifest.get("snapshot"), "run_id": run_id,
            "committed_at": now.isoformat(), "updated_at": now.isoformat(), "tables": tables, "history": history}


def _kept_versions(manifest: dict, keep: int) -> dict[str, set[str]]:
    """Per table, the versions one of the last `keep` snapshots uses (the current one included)."""
    kept: dict[str, set[str]] = {t: {e["version"]} for t, e in manifest.get("tables", {}).items()}
    for snap in manifest.get("history", [])[:keep]:
        for t, v in snap["tables"].items():
            kept.setdefault(t, set()).add(v)
    return kept


# How raw and staging files are written (assets/common.py write_stage): min/max statistics only for
# columns that are not text (nothing filters those files on text; over a national FEVS year's 70 text
# items the statistics took a third of the write), and without the Arrow schema, so a column held
# dictionary-encoded in memory reads back as the `string` its contract declares (every raw and
# staging contract's types survive this: tests/test_pipeline.py). Published tables keep both.
STAGE_PARQUET = "stage"


def write_parquet_atomic(table: pa.Table, path: Path, metadata: dict[str, str] | None = None, style: str | None = None) -> None:
    """Write `table` to `path` via a temporary file and rename, so readers never see half a file.
    `style=STAGE_PARQUET`: a raw or staging file (see above)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in metadata.items()}})
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        if style == STAGE_PARQUET:
            # without the Arrow schema the key-value metadata (provenance) is added to the footer by hand
            with pq.ParquetWriter(tmp, table.schema.remove_metadata(), compression="zstd", store_schema=False,
                                  write_statistics=[f.name for f in table.schema if not is_text(f.type)]) as writer:
                writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
                if table.schema.metadata:
                    writer.add_key_value_metadata({k.decode(): v.decode() for k, v in table.schema.metadata.items()})
        else:
            pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        fault_point("parquet_written")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


_READ: OrderedDict[tuple, pa.Table] = OrderedDict()
_READ_LOCK = threading.Lock()
READ_BUDGET = 256 << 20  # bytes of tables kept in memory


def read_version(path: str | Path) -> pa.Table:
    """A local published version file, read whole. A version is never rewritten in place (a new version is a
    new file) and one publication reads the same few versions many times (74 reads of 23 files on the
    sample), so the latest reads are kept in memory, up to READ_BUDGET bytes, keyed by path, size and mtime."""
    st = os.stat(path)
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _READ_LOCK:
        if key in _READ:
            _READ.move_to_end(key)
            return _READ[key]
    table = pq.read_table(path)
    with _READ_LOCK:
        _READ[key] = table
        while _READ and sum(t.nbytes for t in _READ.values()) > READ_BUDGET:
            _READ.popitem(last=False)
    return table


def runs_newest_first(files) -> list[list[Path]]:
    """`files` of one folder (named `<run_id>_<rest>`) grouped by run, the newest run (by its newest file) first."""
    runs: dict[str, list[Path]] = {}
    for p in files:
        runs.setdefault(p.name.split("_", 1)[0], []).append(p)
    return [sorted(runs[r]) for r in sorted(runs, key=lambda r: max(p.stat().st_mtime_ns for p in runs[r]), reverse=True)]


def latest_run_files(pattern: str) -> list[str]:
    """Of the per-run files `pattern` matches (`.../<folder>/<run_id>_<rest>.parquet`), those of each
    folder's newest run: what `prune_runs` would keep with keep=1."""
    import glob

    by_folder: dict[Path, list[Path]] = {}
    for p in map(Path, glob.glob(pattern)):
        by_folder.setdefault(p.parent, []).append(p)
    return [str(p) for folder in sorted(by_folder) for p in runs_newest_first(by_folder[folder])[0]]


def prune_runs(folder: Path, keep: int) -> list[Path]:
    """Keep the files of the newest `keep` runs in `folder` (files named `<run_id>_<rest>`); returns what went."""
    gone = [p for files in runs_newest_first(folder.glob("*.parquet"))[keep:] for p in files]
    for p in gone:
        p.unlink(missing_ok=True)
    return gone


def with_constant_columns(table: pa.Table, values: dict[str, object], types: dict[str, pa.DataType]) -> pa.Table:
    """Append one constant column per entry of `values` (provenance, mostly)."""
    for name, value in values.items():
        table = table.append_column(pa.field(name, types[name]), pa.repeat(pa.scalar(value, type=types[name]), table.num_rows))
    return table
