"""The analysts' DuckDB file: views over the published Parquet, with every column commented.

The file holds no data, only views, so it is rebuilt whole into a temporary file and renamed over
the old one: an analyst's open read-only connection keeps reading the file it opened, and a run
never waits on, or breaks, that connection. Only this module writes a DuckDB file, under a file
lock, so parallel steps (the multiprocess executor) never meet DuckDB's single-writer lock.

When tables are published to object storage, the views read `s3://...` (or another fsspec URL).
`connect()` opens the catalog read-only and registers that filesystem with the connection, so it
works without DuckDB's httpfs extension; the DuckDB CLI can read the same views after
`INSTALL httpfs; LOAD httpfs; CREATE SECRET (TYPE s3, ...)`.
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


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_catalog(warehouse_file: Path, store, validation_glob: str | None = None) -> list[str]:
    """Rebuild `warehouse_file` with a view per table of `store`'s committed snapshot; returns the views created.

    `store` is a warehouse.publish LocalStore / ObjectStore (a plain folder path is taken as local).
    Each view reads its table's version file pinned by the manifest, so one catalog file is one
    snapshot. Local paths inside the catalog's folder are stored relative to it (the folder can be
    moved or copied): `connect()` sets DuckDB's file_search_path to that folder; the DuckDB CLI
    resolves them when started in the data folder (`cd data && duckdb -readonly warehouse.duckdb`).
    """
    from .publish import LocalStore

    store = LocalStore(Path(store)) if isinstance(store, (str, Path)) else store
    warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    base = warehouse_file.parent.absolute()
    created: list[str] = []
    with FileLock(str(warehouse_file) + ".lock"):
        manifest = store.read_manifest()
        tmp = warehouse_file.with_name(f".{warehouse_file.name}.{uuid.uuid4().hex}.tmp")
        try:
            con = duckdb.connect(str(tmp))
            con.execute("SET file_search_path = ?", [str(base)])
            store.register(con)
            con.execute("BEGIN TRANSACTION")  # one commit for the hundreds of views and comments, not one each
            con.execute(f"CREATE SCHEMA {QUALITY_SCHEMA}")
            for c in all_contracts():
                if c.table == "validation_results" or c.table not in manifest["tables"]:
                    continue
                pattern = store.scan_pattern(c.table, manifest=manifest, relative_to=base)
                con.execute(f'CREATE VIEW main."{c.table}" AS SELECT * FROM read_parquet({_q(pattern)})')
                _comment(con, "main", c.table, c)
                created.append(f"main.{c.table}")
            if validation_glob and list(Path(validation_glob.split("*")[0]).glob("*/*/*.parquet")):
                c = load("validation_results")
                glob = _relative(validation_glob, base)
                con.execute(
                    f'CREATE VIEW {QUALITY_SCHEMA}.validation_results AS SELECT * FROM read_parquet({_q(glob)}, union_by_name=true)'
                )
                _comment(con, QUALITY_SCHEMA, "validation_results", c)
                created.append(f"{QUALITY_SCHEMA}.validation_results")
                con.execute(f"""CREATE VIEW {QUALITY_SCHEMA}.validation_results_latest AS
                    SELECT * FROM {QUALITY_SCHEMA}.validation_results
                    QUALIFY dense_rank() OVER (PARTITION BY asset, "partition", suite ORDER BY validated_at DESC) = 1""")
                con.execute(f"COMMENT ON VIEW {QUALITY_SCHEMA}.validation_results_latest IS "
                            f"{_q('The latest validation of each asset, partition and suite (older runs: quality.validation_results).')}")
                created.append(f"{QUALITY_SCHEMA}.validation_results_latest")
            con.execute("COMMIT")
            con.close()
            fault_point("catalog_written")
            os.replace(tmp, warehouse_file)
        finally:
            for leftover in (tmp, Path(str(tmp) + ".wal")):
                leftover.unlink(missing_ok=True)
    return created


def _relative(path: str, base: Path) -> str:
    """`path` relative to `base` when it lies inside it (the catalog travels with its data folder)."""
    try:
        return Path(path).absolute().relative_to(base).as_posix()
    except ValueError:
        return path


def _comment(con: duckdb.DuckDBPyConnection, schema: str, name: str, contract) -> None:
    """The contract's descriptions on the view and its columns. A table published by an earlier cxex
    may lack a column its contract has since gained (it appears at the next publication): only the
    columns the view has are described, so the catalog of such a snapshot still builds. The view's
    columns come from the catalog (`duckdb_columns()`), not from binding it again (a DESCRIBE of
    the validation results re-reads every file's schema)."""
    view = f'{schema}."{name}"'
    con.execute(f"COMMENT ON VIEW {view} IS {_q(contract.description + ' Grain: ' + contract.grain + '.')}")
    has = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
                                     [schema, name]).fetchall()}
    for col in contract.columns:
        if col.name in has:
            con.execute(f'COMMENT ON COLUMN {view}."{col.name}" IS {_q(col.description)}')


def connect(warehouse_file: Path | str | None = None, publish_url: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the analysts' catalog that can also read remote publications.

    Defaults: $CXEX_DATA_DIR/warehouse.duckdb and $CXEX_PUBLISH_URL.
    """
    from .layout import DataLayout
    from .publish import open_store
    from .settings import read_env

    layout = DataLayout.from_env()
    path = Path(warehouse_file or layout.warehouse_file)
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET file_search_path = ?", [str(path.parent.absolute())])  # the views' relative paths
    url = publish_url if publish_url is not None else read_env()["publish_url"]
    open_store(url, layout.publish_root, layout.root).register(con)
    return con
