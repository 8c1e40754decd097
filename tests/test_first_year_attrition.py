"""First-year attrition as a rate (issue #30), on a cohort of 10 new hires worked out by hand, through a
real Dagster run of Federal Workforce Data files (the pipe-delimited FWD layout of tests/workforce_data.py).

Agency BB, FY2024 (Oct 2023 - Sep 2024), every month on board: 10 people with under a year of service
(0.4 years: the cohort hired in October 2023) and 90 with 9 years. Separations of first-year employees
in FY2024: 2 quits (SC), 1 removal (SI), 1 expired appointment (SJ), 1 transfer out (SA), 1 death (SK);
one quit of a 9-year employee. Attrition counts quits and removals of first-year employees only: 3, on
an average of 10 people at risk. 10 is under the 20-person floor: the rate is not published.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests import workforce_data as wd
from tests.conftest import make_defs, run_publish
from tests.test_workforce_formulas import run_months

MONTHS = wd.months(first=(2023, 10), n=12)
LEAVERS = {"202401": ("0.5", "SC"), "202402": ("0.6", "SC"), "202403": ("0.7", "SI"), "202404": ("0.7", "SJ"),
           "202405": ("0.8", "SA"), "202406": ("0.8", "SK"), "202407": ("9.0", "SC")}


def _write_month(root, month):
    emp = [["BB", "BB01", "25-29", "0.4", "8", "0343", "7", "GS", "10", month],
           ["BB", "BB01", "40-44", "9.0", "8", "0343", "12", "GS", "90", month]]
    seps = [["BB", "BB01", "25-29", LEAVERS[month][0], "8", LEAVERS[month][1], month, "1"]] if month in LEAVERS else []
    accs = [["BB", "BB01", "25-29", "0.0", "8", "AC", month, "10"]] if month == "202310" else []
    folder = root / "landing" / "workforce" / month
    wd._write(folder / f"FWD_employment_{month}.txt", wd.EMP_COLS, emp)
    wd._write(folder / f"FWD_separations_{month}.txt", [c.format(kind="separation") for c in wd.ACT_COLS], seps)
    wd._write(folder / f"FWD_accessions_{month}.txt", [c.format(kind="accession") for c in wd.ACT_COLS], accs)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    for m in MONTHS:
        _write_month(data_dir, m)
    defs = make_defs(data_dir)
    assert all(r.success for r in run_months(defs, MONTHS))
    assert run_publish(defs).success
    rows = pq.read_table(data_dir / "publish" / "workforce_metrics").to_pylist()
    return data_dir, {r["fiscal_year"]: r for r in rows if r["org_level"] == "agency" and r["agency_code"] == "BB"}


def test_a_cohort_of_ten_is_counted_but_its_rate_is_not_published(cohort):
    _, m = cohort
    bb = m[2024]
    assert bb["first_year_separations"] == 6  # every first-year separation, whatever its kind
    assert bb["first_year_quits_removals"] == 3  # SC, SC, SI: not SJ, SA or SK, not the 9-year quit
    assert bb["first_year_at_risk"] == 10
    assert bb["first_year_attrition_rate"] is None  # 10 people at risk < 20


def test_the_rate_is_quits_and_removals_per_100_at_risk(cohort):
    """The same staged months, with the floor lowered to 5 (CXEX_FIRST_YEAR_MIN_AT_RISK): 100 × 3 / 10."""
    from warehouse import compute

    data_dir, _ = cohort
    staged = lambda t: sorted(str(p) for p in (data_dir / "staging" / t).rglob("*.parquet"))
    table = compute.workforce_metrics(staged("workforce_employment_monthly"), staged("workforce_actions_monthly"),
                                      pa.table({"agency_code": pa.array([], pa.string()), "agency_name": pa.array([], pa.string()),
                                                "agency_subelement_code": pa.array([], pa.string()),
                                                "agency_subelement_name": pa.array([], pa.string())}), 5)
    bb = next(r for r in table.to_pylist() if r["org_level"] == "agency" and r["agency_code"] == "BB" and r["fiscal_year"] == 2024)
    assert bb["first_year_attrition_rate"] == pytest.approx(30.0)
    assert bb["quit_rate"] == pytest.approx(100 * 3 / 100)  # two first-year quits and the 9-year one, on 100 on board
