"""The analysts' DuckDB file: the committed snapshot's tables materialized in it, every column commented.

The published tables are small, so the catalog holds their rows (not views over Parquet paths): it
answers every query from any working directory, after the data folder is moved or copied, and in any
tool that opens a DuckDB file (the CLI, DBeaver, a notebook, ODBC/JDBC connectors), none of which
needs to know where the Parquet files are. It is written in DuckDB's storage format `STORAGE_VERSION`
(v1.0.0: readable by every DuckDB from 1.0 on, and so by BI connectors that lag the Python package).
`catalog_snapshot` names the snapshot, and each table's version, the file holds.

It is rebuilt whole into a temporary file and renamed over the old one: an analyst's open read-only
connection keeps reading the file it opened, and a run never waits on, or breaks, that connection.
Only this module writes a DuckDB file, under a file lock, so parallel steps (the multiprocess
executor) never meet DuckDB's single-writer lock. When tables are published to object storage, the
build reads them through the store's fsspec filesystem (no httpfs extension needed).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb
from filelock import FileLock

from .contracts import all_contracts, load
from .faults import fault_point

QUALITY_SCHEMA = "quality"
SNAPSHOT_TABLE = "catalog_snapshot"
# The oldest storage format worth writing: DuckDB 1.0 to today read it (the default of a new DuckDB is
# its own newest format, which the DuckDB CLI, ODBC and JDBC drivers of the previous release refuse).
STORAGE_VERSION = "v1.0.0"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_catalog(warehouse_file: Path, store, validation_glob: str | None = None) -> list[str]:
    """Rebuild `warehouse_file` with a table per table of `store`'s committed snapshot; returns the tables created.

    `store` is a warehouse.publish LocalStore / ObjectStore (a plain folder path is taken as local).
    Each table is a copy of its version file pinned by the manifest, so one catalog file is one snapshot.
    """
    from .publish import LocalStore

    store = LocalStore(Path(store)) if isinstance(store, (str, Path)) else store
    warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    with FileLock(str(warehouse_file) + ".lock"):
        manifest = store.read_manifest()
        tmp = warehouse_file.with_name(f".{warehouse_file.name}.{uuid.uuid4().hex}.tmp")
        try:
            con = duckdb.connect(str(tmp), config={"storage_compatibility_version": STORAGE_VERSION})
            store.register(con)
            con.execute("BEGIN TRANSACTION")  # one commit for every table and comment
            con.execute(f"CREATE SCHEMA {QUALITY_SCHEMA}")
            pins, described = [], []
            for c in all_contracts():
                if c.table == "validation_results" or c.table not in manifest["tables"]:
                    continue
                path = store.version_path(c.table, manifest=manifest)
                con.execute(f'CREATE TABLE main."{c.table}" AS SELECT * FROM read_parquet({_q(path)})')
                described.append(("main", c.table, c))
                created.append(f"main.{c.table}")
                e = manifest["tables"][c.table]
                pins.append((c.table, manifest.get("snapshot"), e.get("snapshot"), e["version"], e["sha256"], e["rows"]))
            _snapshot_table(con, manifest, pins)
            if validation_glob and list(Path(validation_glob.split("*")[0]).glob("*/*/*.parquet")):
                created += _quality_tables(con, validation_glob)
                described.append((QUALITY_SCHEMA, "validation_results", load("validation_results")))
            _comment(con, described)
            con.execute("COMMIT")
            con.close()
            fault_point("catalog_written")
            os.replace(tmp, warehouse_file)
        finally:
            for leftover in (tmp, Path(str(tmp) + ".wal")):
                leftover.unlink(missing_ok=True)
    return created


def _snapshot_table(con: duckdb.DuckDBPyConnection, manifest: dict, pins: list[tuple]) -> None:
    con.execute(f"""CREATE TABLE main.{SNAPSHOT_TABLE} (table_name VARCHAR, snapshot VARCHAR, committed_in_snapshot VARCHAR,
                    version VARCHAR, sha256 VARCHAR, "rows" BIGINT, committed_at VARCHAR)""")
    if pins:
        con.executemany(f"INSERT INTO main.{SNAPSHOT_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(*p, manifest.get("committed_at")) for p in pins])
    con.execute(f"COMMENT ON TABLE main.{SNAPSHOT_TABLE} IS "
                f"{_q('The publication snapshot this catalog holds: one row per table, its version and checksum (publish/_manifest.json).')}")


def _quality_tables(con: duckdb.DuckDBPyConnection, validation_glob: str) -> list[str]:
    con.execute(f"CREATE TABLE {QUALITY_SCHEMA}.validation_results AS "
                f"SELECT * FROM read_parquet({_q(validation_glob)}, union_by_name=true)")
    con.execute(f"""CREATE VIEW {QUALITY_SCHEMA}.validation_results_latest AS
        SELECT * FROM {QUALITY_SCHEMA}.validation_results
        QUALIFY dense_rank() OVER (PARTITION BY asset, "partition", suite ORDER BY validated_at DESC) = 1""")
    con.execute(f"COMMENT ON VIEW {QUALITY_SCHEMA}.validation_results_latest IS "
                f"{_q('The latest validation of each asset, partition and suite (older runs: quality.validation_results).')}")
    return [f"{QUALITY_SCHEMA}.validation_results", f"{QUALITY_SCHEMA}.validation_results_latest"]


def _comment(con: duckdb.DuckDBPyConnection, described: list[tuple]) -> None:
    """Each (schema, table, contract)'s descriptions on the table and its columns, sent as one batch of
    statements after one look at the columns (a round trip per comment, and a look per table, took 7 % of
    the publication). A table published by an earlier cxex may lack a column its contract has since gained
    (it appears at the next publication): only the columns the table has are described, so the catalog of
    such a snapshot still builds."""
    has = set(con.execute("SELECT schema_name, table_name, column_name FROM duckdb_columns()").fetchall())
    statements = []
    for schema, name, contract in described:
        table = f'{schema}."{name}"'
        statements.append(f"COMMENT ON TABLE {table} IS {_q(contract.description + ' Grain: ' + contract.grain + '.')}")
        statements += [f'COMMENT ON COLUMN {table}."{col.name}" IS {_q(col.description)}'
                       for col in contract.columns if (schema, name, col.name) in has]
    if statements:
        con.execute(";\n".join(statements))


def pinned_versions(warehouse_file: Path) -> dict[str, str] | None:
    """Table -> version the catalog holds (None: no readable catalog, or one from before catalog_snapshot)."""
    try:
        con = duckdb.connect(str(warehouse_file), read_only=True)
    except duckdb.Error:
        return None
    try:
        return dict(con.execute(f"SELECT table_name, version FROM main.{SNAPSHOT_TABLE}").fetchall())
    except duckdb.Error:
        return None
    finally:
        con.close()


def connect(warehouse_file: Path | str | None = None, publish_url: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the analysts' catalog (default $CXEX_DATA_DIR/warehouse.duckdb).
    `publish_url` is accepted for callers of the view-based catalog; the tables need no filesystem."""
    from .layout import DataLayout

    path = Path(warehouse_file or DataLayout.from_env().warehouse_file)
    return duckdb.connect(str(path), read_only=True)
