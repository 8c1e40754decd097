"""The real FedScope FY2009 separations cube, as OPM published it, loads, splits by month and publishes.

Fixture: ../shared/reference/workforce/fedscope_sep_fy2009_slice/ (7,084 real rows of OPM's
SEPDATA cube for FY2009, byte for byte: comma, CRLF, no `SUPERVIS` column, EFDATE 200810..200909,
codes `SI`, sub-elements like `AF**`) with its own DTagy.txt. It is copied into a temporary
landing/workforce/200909/ (the folder of the cube's last month), never into the repository.

The published counts are checked against an independent pure-Python count of the file (csv module).

Dagster: the workforce partitions (assets/workforce/spec.py) open at 201910, so 2009 months cannot be
run as Dagster partitions yet; this test runs the same reader, GX suites and SQL the assets run, month
by month. Once the partitions admit every landed month (available_months), the same figures should
be asserted after `materialize`-ing the workforce job for 200810..200909 and publish_workforce_metrics.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.workforce.files import agency_lookup, available_months, cube_months, month_files
from assets.workforce.readers import codes, parse_actions, parse_employment
from warehouse import sql
from warehouse.layout import DataLayout

FY2009 = [f"2008{m:02d}" for m in (10, 11, 12)] + [f"2009{m:02d}" for m in range(1, 10)]
CUBE = "SEPDATA_FY2009_slice.TXT"


def _codes_table() -> pa.Table:
    return pa.Table.from_pylist([{"code_type": t, "code": c, "category": r["category"]}
                                 for t, rows in codes().items() for c, r in rows.items()])


@pytest.fixture
def fy2009(reference, tmp_path):
    src = reference / "workforce" / "fedscope_sep_fy2009_slice"
    month = tmp_path / "landing" / "workforce" / "200909"
    lookups = tmp_path / "landing" / "workforce" / "lookups"
    month.mkdir(parents=True)
    lookups.mkdir(parents=True)
    shutil.copy(src / CUBE, month / CUBE)  # temp dir only
    shutil.copy(src / "DTagy.txt", lookups / "DTagy.txt")
    return DataLayout(tmp_path), src / CUBE


def _independent_counts(path) -> dict[tuple[str, str], int]:
    """(agency, category) → sum of COUNT, straight from the published file."""
    cat = {"SC": "quits", "SD": "retirements", "SE": "retirements", "SF": "retirements", "SG": "retirements",
           "SI": "terminations", "SA": "transfers_out", "SB": "transfers_out"}
    out: Counter = Counter()
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            agency, n = r["AGYSUB"][:2], int(r["COUNT"])
            out[(agency, "separations")] += n
            if r["SEP"] in cat:
                out[(agency, cat[r["SEP"]])] += n
    return out


def _publish(layout: DataLayout, months: list[str]) -> dict:
    """What workforce_employment/actions → workforce_monthly → publish_workforce_metrics compute, month by month."""
    emp_paths, act_paths = [], []
    with duckdb.connect() as con:
        con.register("codes", _codes_table())
        for m in months:
            mf = month_files(layout, m)
            assert mf.layout == "fedscope" and mf.employment is None and mf.accession is None
            emp = parse_employment(mf.employment, mf.layout)
            acts = parse_actions(mf.separation, mf.layout, "separation", m)
            # (the blocking GX suites run in the Dagster test below)
            for name, table, query, param in (("emp", emp, "workforce_monthly", "employment_path"),
                                              ("act", acts, "workforce_actions_monthly", "actions_path")):
                raw = layout.root / "raw" / f"{name}_{m}.parquet"
                raw.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(table, raw)
                staged = layout.root / "staging" / f"{name}_{m}.parquet"
                staged.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(con.sql(sql.load(query), params={param: str(raw)}).to_arrow_table(), staged)
                (emp_paths if name == "emp" else act_paths).append(str(staged))
        con.register("agencies", agency_lookup(layout))
        rows = con.sql(sql.load("workforce_metrics"),
                       params={"employment_glob": emp_paths, "actions_glob": act_paths,
                               "first_year_min_at_risk": 20}).to_arrow_table().to_pylist()
    return {(r["fiscal_year"], r["org_level"], r["agency_code"], r["agency_subelement_code"]): r for r in rows}


def test_the_cube_covers_every_month_of_fy2009(fy2009):
    layout, cube = fy2009
    assert cube_months(cube) == tuple(FY2009)
    months, is_sample = available_months(layout)
    assert months == FY2009 and not is_sample
    # each month reads only its own rows: the twelve parts add up to the whole file
    parts = [parse_actions(month_files(layout, m).separation, "fedscope", "separation", m) for m in FY2009]
    assert sum(p.num_rows for p in parts) == 7084
    assert all(set(p.column("effective_yyyymm").to_pylist()) == {int(m)} for p, m in zip(parts, FY2009))
    assert parts[0].column("supervisory_status_code").null_count == parts[0].num_rows  # no SUPERVIS in action cubes


def test_fy2009_separations_publish_and_equal_a_count_of_the_file(fy2009):
    layout, cube = fy2009
    published = _publish(layout, FY2009)
    expected = _independent_counts(cube)
    for agency in ("DL", "EP", "SB", "HU", "GS", "OM", "ED"):
        row = published[(2009, "agency", agency, None)]
        for col in ("separations", "quits", "retirements", "terminations", "transfers_out"):
            assert row[col] == expected[(agency, col)], (agency, col)
        # no employment snapshot for FY2009: counts publish, rates and headcount are null
        assert row["months_observed"] == 0 and row["headcount_basis"] is None and row["avg_headcount"] is None
        assert row["quit_rate"] is None and row["separation_rate"] is None
        assert row["in_lookup"] and row["agency_name"]
    gov = published[(2009, "government", "ALL", None)]
    assert gov["separations"] == 7084
    # `AF**` (unspecified sub-element) is its own row, named from DTagy
    assert published[(2009, "subelement", "AF", "AF**")]["separations"] == expected[("AF", "separations")]
    # SJ (expired appointment/other) is not an SI termination
    assert published[(2009, "agency", "DL", None)]["terminations"] < expected[("DL", "separations")] - expected[("DL", "quits")]
    print({a: {c: published[(2009, "agency", a, None)][c] for c in ("separations", "quits", "retirements", "terminations")}
           for a in ("DL", "EP", "SB")})


def test_fy2009_through_dagster(fy2009):
    """The same figures from a real Dagster run of the workforce job over 200810..200909 (one range run,
    as `make run` does it), then publish: the cube landed in its last month's folder is split by EFDATE."""
    from dagster import DagsterInstance

    from pipelines.run import run_range
    from tests.conftest import make_defs, run_publish

    layout, cube = fy2009
    instance = DagsterInstance.ephemeral()
    defs = make_defs(layout.root)
    results = [run_range(defs.resolve_job_def("workforce_monthly"), FY2009[0], FY2009[-1], instance)]
    assert all(r.success for r in results)
    assert run_publish(defs, instance).success
    rows = pq.read_table(layout.root / "publish" / "workforce_metrics").to_pylist()
    published = {(r["fiscal_year"], r["org_level"], r["agency_code"]): r for r in rows if r["org_level"] != "subelement"}
    expected = _independent_counts(cube)
    for agency in ("DL", "EP", "SB"):
        for col in ("separations", "quits", "retirements", "terminations"):
            assert published[(2009, "agency", agency)][col] == expected[(agency, col)]
    assert published[(2009, "government", "ALL")]["quit_rate"] is None
