"""`make sql` answers whole (issue 33 item 3): piped SQL printed 40 rows of at most 500 and could not
write CSV or Parquet; now every row, as a text table, CSV or Parquet. And the analysts' targets install
the runtime only (they installed the test tools first). Rows: tests/faults/publication_support.py."""

from __future__ import annotations

import csv
import io
import os
import subprocess

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO
from tests.faults.publication_support import publish_once

ROWS = 12_000


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("sql") / "data"
    publish_once(data, "runA0000-aaaa", big={"agency_scorecard": ROWS})
    return data


def _make(*args: str, data_dir, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    # -o: never (re)build the shared environment from a test; `make sql` uses it as installed
    return subprocess.run(["make", "--no-print-directory", "-o", ".venv/.installed-runtime", *args], cwd=REPO,
                          env={**os.environ, "CXEX_DATA_DIR": str(data_dir), **(env or {})},
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_make_sql_writes_ten_thousand_rows_as_csv(data_dir):
    query = "SELECT agency_code, run_id FROM agency_scorecard ORDER BY agency_code LIMIT 10000"
    res = _make("sql", "FORMAT=csv", data_dir=data_dir, env={"Q": query})
    assert res.returncode == 0, res.stderr
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows[0] == ["agency_code", "run_id"] and len(rows) == 10_001
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    assert [tuple(r) for r in rows[1:]] == con.execute(query).fetchall()
    con.close()
    piped = _make("sql", "FORMAT=csv", data_dir=data_dir, stdin=query + ";\n")  # the query on standard input
    assert piped.stdout == res.stdout


def test_make_sql_prints_every_row_and_writes_parquet(data_dir, tmp_path):
    res = _make("sql", data_dir=data_dir, stdin="SELECT agency_code FROM agency_scorecard;\n")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == ROWS + 3 and lines[-1] == f"({ROWS:,} rows)"
    assert {ln.strip() for ln in lines[2:-1]} == {f"v{i}" for i in range(ROWS)}
    out = tmp_path / "scorecard.parquet"
    res = _make("sql", "FORMAT=parquet", f"OUT={out}", data_dir=data_dir, env={"Q": "SELECT * FROM agency_scorecard"})
    assert res.returncode == 0, res.stderr
    assert pq.read_table(out).num_rows == ROWS
    refused = _make("sql", data_dir=data_dir, env={"Q": "CREATE TABLE x AS SELECT 1"})
    assert refused.returncode != 0 and "read-only" in refused.stderr


@pytest.mark.parametrize("target", ["sql", "report", "report-screenshots"])
def test_analyst_targets_install_the_runtime_only(target, tmp_path):
    """On a fresh checkout (no venv yet) the target would install requirements.lock, never the dev lock."""
    plan = subprocess.run(["make", "-n", "--no-print-directory", f"VENV={tmp_path / 'venv'}", target], cwd=REPO,
                          capture_output=True, text=True, timeout=60).stdout
    assert "-r requirements.lock" in plan, plan
    assert "-r requirements-dev.lock" not in plan, plan
