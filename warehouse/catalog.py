"""The analysts' DuckDB file: views over the published Parquet, with every column commented.

The file holds no data, only views, so it is rebuilt whole into a temporary file and renamed over
the old one: an analyst's open read-only connection keeps reading the file it opened, and a run
never waits on, or breaks, that connection.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb
from filelock import FileLock

from .contracts import all_contracts, load

QUALITY_SCHEMA = "quality"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_catalog(warehouse_file: Path, publish_root: Path, validation_glob: str | None = None) -> list[str]:
    """Rebuild `warehouse_file` with a view per published table; returns the views created."""
    warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    with FileLock(str(warehouse_file) + ".lock"):
        tmp = warehouse_file.with_name(f".{warehouse_file.name}.{uuid.uuid4().hex}.tmp")
        try:
            con = duckdb.connect(str(tmp))
            con.execute(f"CREATE SCHEMA {QUALITY_SCHEMA}")
            for c in all_contracts():
                target = publish_root / c.table
                if c.table == "validation_results" or not target.is_symlink():
                    continue
                pattern = str((target / "*.parquet").absolute())
                con.execute(f'CREATE VIEW main."{c.table}" AS SELECT * FROM read_parquet({_q(pattern)})')
                _comment(con, f'main."{c.table}"', c)
                created.append(f"main.{c.table}")
            if validation_glob and list(Path(validation_glob.split("*")[0]).glob("*/*/*.parquet")):
                c = load("validation_results")
                con.execute(
                    f'CREATE VIEW {QUALITY_SCHEMA}.validation_results AS SELECT * FROM read_parquet({_q(validation_glob)}, union_by_name=true)'
                )
                _comment(con, f"{QUALITY_SCHEMA}.validation_results", c)
                created.append(f"{QUALITY_SCHEMA}.validation_results")
            con.close()
            os.replace(tmp, warehouse_file)
        finally:
            for leftover in (tmp, Path(str(tmp) + ".wal")):
                leftover.unlink(missing_ok=True)
    return created


def _comment(con: duckdb.DuckDBPyConnection, view: str, contract) -> None:
    con.execute(f"COMMENT ON VIEW {view} IS {_q(contract.description + ' Grain: ' + contract.grain + '.')}")
    for col in contract.columns:
        con.execute(f'COMMENT ON COLUMN {view}."{col.name}" IS {_q(col.description)}')
