"""The analysts' catalog opens anywhere (issue 33 item 1): `duckdb.connect("…/warehouse.duckdb")` with no
setting answers every table from any working directory and after the data folder is moved or copied
(the catalog once held views over Parquet paths relative to the data folder: 0 of 21 answered outside
it), and an older DuckDB release reads the file (it was written in DuckDB 2.0's storage format, which
DuckDB 1.5's CLI refused: "database file version 69, can only read 64-68").

The older DuckDB is the DuckDB 1.4.4 CLI binary of the `duckdb-cli` package, pinned in the dev lock.
Rows: tests/faults/publication_support.py (shaped by the published contracts).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.faults.publication_support import TABLES, publish_once


def _answers(catalog: str) -> dict[str, int]:
    """Rows per table through a plain read-only connection (no file_search_path, no filesystem)."""
    con = duckdb.connect(catalog, read_only=True)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}
    finally:
        con.close()


def test_the_catalog_answers_from_any_working_directory_and_after_a_move(tmp_path, monkeypatch):
    data_dir = tmp_path / "repo" / "data"
    publish_once(data_dir, "runA0000-aaaa")
    (tmp_path / "elsewhere").mkdir()
    expected = {t: 4 for t in TABLES}
    for cwd, path in ((tmp_path / "repo", "data/warehouse.duckdb"), (data_dir, "warehouse.duckdb"),
                      (tmp_path / "elsewhere", str(data_dir / "warehouse.duckdb"))):
        monkeypatch.chdir(cwd)
        assert _answers(path) == expected, cwd
    monkeypatch.chdir(tmp_path / "elsewhere")
    moved = tmp_path / "moved"
    shutil.move(str(data_dir), str(moved))
    assert _answers(str(moved / "warehouse.duckdb")) == expected
    alone = tmp_path / "alone.duckdb"  # the catalog file on its own, e.g. mailed to a colleague
    shutil.copy(moved / "warehouse.duckdb", alone)
    shutil.rmtree(moved)
    assert _answers(str(alone)) == expected
    con = duckdb.connect(str(alone), read_only=True)
    pins = dict(con.execute("SELECT table_name, version FROM catalog_snapshot").fetchall())
    assert set(pins) == set(TABLES)
    con.close()


def _old_duckdb_cli(tmp_path: Path) -> Path:
    cli = Path(sys.executable).parent / ("duckdb.exe" if os.name == "nt" else "duckdb")
    if not cli.is_file():
        pytest.skip(f"no DuckDB CLI at {cli}: `make setup` installs duckdb-cli from requirements-dev.lock")
    if not os.access(cli, os.X_OK):  # pip installs the wheel's binary without its execute bit
        copy = tmp_path / cli.name
        shutil.copy(cli, copy)
        copy.chmod(copy.stat().st_mode | stat.S_IXUSR)
        cli = copy
    return cli


def test_an_older_duckdb_release_reads_the_catalog(tmp_path):
    cli = _old_duckdb_cli(tmp_path)
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert version.startswith("v1.4."), version  # older than the duckdb the pipeline writes with
    data_dir = tmp_path / "data"
    publish_once(data_dir, "runA0000-aaaa")
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*), min(run_id) FROM \"{t}\"" for t in TABLES)
    res = subprocess.run([str(cli), "-readonly", "-csv", "-noheader", str(data_dir / "warehouse.duckdb"), "-c", sql],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert sorted(res.stdout.split()) == sorted(f"{t},4,runA0000-aaaa" for t in TABLES)
    comment = subprocess.run([str(cli), "-readonly", "-csv", "-noheader", str(data_dir / "warehouse.duckdb"), "-c",
                              "SELECT comment FROM duckdb_columns() WHERE table_name = 'ex_index_scores' AND column_name = 'score'"],
                             capture_output=True, text=True, timeout=60).stdout
    assert "mean" in comment  # the column descriptions travel too
