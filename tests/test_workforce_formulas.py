"""Workforce metrics on a workforce small enough to check by hand, through real Dagster runs.

Agency AA, FY2024 (Oct 2023 - Sep 2024), every month: AA01 99 non-supervisors (age 50-54, 12 years)
and 11 supervisors (code 2, age 60-64, 25 years); AA02 16 non-supervisors (65+, 6 years) and 4
CSRA supervisors (code 4, age 30-34, 2 years) → 130 on board every month.
Separations effective in FY2024: 12 first-year quits (one a month), 1 retirement (SD), 1 transfer
out (SA), 1 quit whose count OPM suppressed (`*`) → counted nowhere, reported as a suppressed cell.
Accessions: 3 new hires a month in FY2024 (36), 2 a month in FY2023 (24), 1 transfer in.
A quit effective 2023-09 arrives in the October 2023 file: it belongs to FY2023.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance

from tests import workforce_data as wd
from tests.conftest import make_defs, run_publish


def run_months(defs, months, instance=None):
    """The months as `make run` runs them: one run per run of consecutive months (a range run)."""
    from assets.partitions import contiguous_ranges
    from pipelines.run import run_range

    job = defs.resolve_job_def("workforce_monthly")
    instance = instance or DagsterInstance.ephemeral()
    return [run_range(job, start, end, instance)
            for start, end in contiguous_ranges(months, job.partitions_def.get_partition_keys())]


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    for m in wd.months():
        wd.write_fwd_month(data_dir, m)
    wd.write_agency_lookup(data_dir)
    defs = make_defs(data_dir)
    results = run_months(defs, wd.months())
    assert all(r.success for r in results)
    assert run_publish(defs).success
    rows = pq.read_table(data_dir / "publish" / "workforce_metrics").to_pylist()
    return {(r["fiscal_year"], r["org_level"], r["agency_code"], r["agency_subelement_code"]): r for r in rows}, results


def test_annual_rates_use_average_on_board_headcount(metrics):
    m, _ = metrics
    aa = m[(2024, "agency", "AA", "ALL")]
    assert aa["months_observed"] == 12 and aa["avg_headcount"] == 130 and aa["end_headcount"] == 130
    assert (aa["quits"], aa["retirements"], aa["transfers_out"], aa["separations"]) == (12, 1, 1, 14)
    assert aa["quit_rate"] == pytest.approx(100 * 12 / 130)
    assert aa["separation_rate"] == pytest.approx(100 * 14 / 130)
    assert aa["retirement_rate"] == pytest.approx(100 / 130)
    assert aa["transfer_out_rate"] == pytest.approx(100 / 130)
    assert (aa["new_hires"], aa["transfers_in"]) == (36, 1)
    assert aa["new_hire_rate"] == pytest.approx(100 * 36 / 130)
    assert aa["suppressed_cells"] == 1


def test_first_year_attrition_needs_people_at_risk(metrics):
    """12 first-year quits, but nobody on board in any snapshot has under a year of service: no one is
    at risk, so no rate (before #30: 12 / FY2023's 24 new hires = 50 %). tests/test_first_year_attrition.py
    has a cohort that is."""
    m, _ = metrics
    aa24, aa23 = m[(2024, "agency", "AA", "ALL")], m[(2023, "agency", "AA", "ALL")]
    assert aa24["first_year_separations"] == 12 and aa24["first_year_quits_removals"] == 12
    assert aa24["prior_year_new_hires"] == 24 and aa24["first_year_at_risk"] == 0
    assert aa24["first_year_attrition_rate"] is None
    assert aa23["first_year_attrition_rate"] is None and aa23["prior_year_new_hires"] is None  # FY2022 not in the data
    assert aa23["quits"] == 1  # effective 2023-09, filed in October
    assert aa23["avg_headcount"] == 120


def test_supervisor_ratio_retirement_estimate_and_median_service(metrics):
    m, _ = metrics
    aa = m[(2024, "agency", "AA", "ALL")]
    # OPM's DTsuper grouping: only code 2 is Supervisor; 4 (supervisor, CSRA) and 8 are Non-Supervisor
    assert (aa["supervisors"], aa["leaders"], aa["non_supervisors"]) == (11, 0, 119)
    assert aa["supervisor_ratio"] == pytest.approx(119 / 11)
    # 60-64 with 25 years (11) and 65+ with 6 years (16) are eligible; 50-54 and 30-34 are not
    assert aa["retirement_eligible_est"] == 27
    assert aa["retirement_eligible_share_est"] == pytest.approx(100 * 27 / 130)
    assert aa["median_los_years"] == pytest.approx(12.0)
    assert m[(2024, "subelement", "AA", "AA02")]["median_los_years"] == pytest.approx(6.0)


def test_levels_add_up_and_names_come_from_the_lookup(metrics):
    m, _ = metrics
    a1, a2 = m[(2024, "subelement", "AA", "AA01")], m[(2024, "subelement", "AA", "AA02")]
    assert a1["avg_headcount"] + a2["avg_headcount"] == m[(2024, "agency", "AA", "ALL")]["avg_headcount"]
    assert m[(2024, "government", "ALL", "ALL")]["quits"] == 12
    assert a1["agency_subelement_name"] == "OFFICE ONE, HEADQUARTERS" and a1["agency_name"] == "TEST AGENCY"
    assert a1["in_lookup"] and a1["source_is_sample"] is False
    assert a1["source_file"].startswith("landing/workforce/{202210..202409}")


def test_checks_pass_and_warnings_do_not_fire(metrics):
    _, results = metrics
    evals = [e for r in results for e in r.get_asset_check_evaluations()]
    # one range run: each of the 5 checks evaluated once over all 24 months, every month validated
    assert len(evals) == 5 and all(e.passed for e in evals)
    validated = {e.check_name: e.metadata["partitions_validated"].value for e in evals if "partitions_validated" in e.metadata}
    assert validated["workforce_employment_expectations"] == 24 and validated["workforce_actions_expectations"] == 24


def test_median_service_is_quantile_cont_over_every_employee(tmp_path):
    """warehouse/sql/workforce_monthly.sql takes the median from each organisation's employees per length of
    service (rows carry counts) instead of one row per employee. Called directly on a typed month whose rows
    count 1 to 7 employees (odd and even totals per organisation, a suppressed and a zero count, a withheld
    service): every median equals DuckDB's quantile_cont(0.5) over the rows expanded to one per employee,
    bit for bit, and numpy's median of the same list."""
    import random

    import numpy as np
    import pyarrow as pa

    from assets.workforce.readers import EMPLOYMENT_SCHEMA
    from assets.workforce.assets import codes_table
    from warehouse import compute
    from warehouse.db import cursor

    rng = random.Random(7)
    rows = []
    for sub, n in (("AA01", 40), ("AA02", 41), ("BB01", 9), ("BB02", 1)):
        for i in range(n):
            rows.append({"snapshot_yyyymm": 202401, "agency_code": sub[:2], "agency_subelement_code": sub,
                         "age_bracket": "E", "los_years": None if i == 3 else round(rng.uniform(0, 40), 1),
                         "los_bracket": "E", "supervisory_status_code": "8", "count": rng.choice([1, 1, 2, 3, 7]),
                         "count_suppressed": False, "source_row": len(rows) + 2, "source_file": "x"})
    rows[5]["count"], rows[5]["count_suppressed"] = None, True
    rows[6]["count"] = 0
    # CC01: two employees of 4.0 and 9.5 years: the median lies between them (6.75)
    rows += [{**rows[-1], "agency_code": "CC", "agency_subelement_code": "CC01", "los_years": y, "count": 1,
              "source_row": len(rows) + 2 + k} for k, y in enumerate((4.0, 9.5))]
    path = tmp_path / "employment.parquet"
    pq.write_table(pa.Table.from_pylist(rows, EMPLOYMENT_SCHEMA), path)
    actions = tmp_path / "actions.parquet"
    from assets.workforce.readers import empty_actions

    pq.write_table(empty_actions(), actions)
    emp, _ = compute.workforce_month(str(path), str(actions), codes_table())
    got = {(r["org_level"], r["agency_code"], r["agency_subelement_code"]): r["median_los_years"] for r in emp.to_pylist()}
    with cursor() as con:
        want = dict(((lvl, a, s or None), m) for lvl, a, s, m in con.execute("""
            SELECT CASE WHEN grouping(agency_code) = 1 THEN 'government' WHEN grouping(agency_subelement_code) = 1
                        THEN 'agency' ELSE 'subelement' END,
                   CASE WHEN grouping(agency_code) = 1 THEN 'ALL' ELSE agency_code END,
                   CASE WHEN grouping(agency_subelement_code) = 1 THEN NULL ELSE agency_subelement_code END,
                   quantile_cont(los_years, 0.5)
            FROM read_parquet(?), range(coalesce(count, 0)) AS r(i) WHERE los_years IS NOT NULL
            GROUP BY GROUPING SETS ((), (agency_code), (agency_code, agency_subelement_code))""", [str(path)]).fetchall())
    assert len(got) == 9 and got == want
    assert got[("subelement", "CC", "CC01")] == 6.75
    expanded = [r["los_years"] for r in rows if r["los_years"] is not None for _ in range(r["count"] or 0)]
    assert got[("government", "ALL", None)] == pytest.approx(float(np.median(expanded)))
    totals = {s: sum(r["count"] or 0 for r in rows if r["agency_subelement_code"] == s and r["los_years"] is not None)
              for s in ("AA01", "AA02", "BB01")}
    assert {t % 2 for t in totals.values()} == {0, 1}  # odd and even totals both met
