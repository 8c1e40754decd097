"""The files a BI tool reads: `publish/<table>/data.parquet`, a real file at a stable path.

Power BI's folder connector, Excel, Tableau or a zip/OneDrive/robocopy copy of the folder follow no
symbolic links, so each table of the committed snapshot is also written as a plain file at a fixed
path (the object-store mode writes the same `<table>/data.parquet` objects). It is the version file
the manifest names, annotated for a reader who has only that file:

- Parquet key-value metadata `cxex.table`, `cxex.snapshot` (the snapshot that published this
  version), `cxex.version`, `cxex.run_id`, `cxex.sha256` (of the version file), `cxex.description`
  and `cxex.column_descriptions` (JSON: column -> description, from the table's contract);
- each column's description in the Arrow schema's field metadata (`description`), which pyarrow,
  polars, pandas and DuckDB-through-Arrow readers show.

Each file is replaced atomically (a temporary file renamed over it) once its table's manifest entry
has changed, after the manifest's commit. A set of files read one by one can straddle two snapshots
while a publication is being derived (their `cxex.snapshot` says so); the snapshot as one set is
`publish/current/`, the catalog, or the manifest. A kill between the commit and the last file leaves
files behind the manifest; the next start re-derives them (warehouse/recovery.py: `store.repair`).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .faults import fault_point

STABLE_FILE = "data.parquet"
META_PREFIX = "cxex."


def annotate(table: pa.Table, name: str, entry: dict) -> pa.Table:
    """`table` with the key-value and column metadata above (descriptions from `name`'s contract, if any)."""
    from .contracts import exists, load

    contract = load(name) if exists(name) else None
    described = {c.name: c.description for c in contract.columns} if contract else {}
    fields = [f.with_metadata({"description": described[f.name]}) if f.name in described else f for f in table.schema]
    meta = {"table": name, "snapshot": entry.get("snapshot") or "", "version": entry["version"],
            "run_id": entry.get("run_id") or "", "sha256": entry.get("sha256") or "",
            "description": contract.description if contract else "",
            "column_descriptions": json.dumps({f.name: described[f.name] for f in table.schema if f.name in described})}
    schema = pa.schema(fields, metadata={**(table.schema.metadata or {}),
                                         **{(META_PREFIX + k).encode(): v.encode() for k, v in meta.items()}})
    return table.cast(schema)


def file_version(path: Path) -> str | None:
    """The version a stable file holds (its `cxex.version`), None if there is no readable one."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid):
        return None
    v = meta.get((META_PREFIX + "version").encode())
    return v.decode() if v else None


def write_stable_files(root: Path, manifest: dict) -> list[str]:
    """Write `root/<table>/data.parquet` for every table of `manifest` whose file is missing or holds
    another version; returns the tables written. An old cxex's `publish/<table>` link is replaced by a folder."""
    from .snapshot_files import ROW_GROUP_ROWS, read_version

    written = []
    for name, entry in sorted(manifest.get("tables", {}).items()):
        folder = root / name
        if folder.is_symlink():  # the layout before issue 33: publish/<table> -> current/<table>
            folder.unlink()
        target = folder / STABLE_FILE
        if file_version(target) == entry["version"]:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        source = root / (entry.get("file") or f".versions/{name}/{entry['version']}/{STABLE_FILE}")
        table = annotate(read_version(source), name, entry)
        tmp = folder / f".{STABLE_FILE}.{uuid.uuid4().hex}.tmp"
        try:
            pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)
            fault_point("stable_file_written")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(name)
    return written


def annotated_bytes(data: bytes, name: str, entry: dict) -> bytes:
    """The stable file's bytes from a version file's (the object-store mode's `<table>/data.parquet`)."""
    import io

    from .snapshot_files import ROW_GROUP_ROWS

    out = io.BytesIO()
    pq.write_table(annotate(pq.read_table(io.BytesIO(data)), name, entry), out, compression="zstd",
                   row_group_size=ROW_GROUP_ROWS)
    return out.getvalue()
