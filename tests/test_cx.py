"""A-11 (both eras) and GSA CSS through real Dagster runs, on files worked out by hand.

Era 1, FY2023 Q2 (performance.gov dashboard layout), VA VHA trust counts 10/10/20/30/30 (n = 100):
mean 3.6, sample SD from the counts, favourable 60 % with a Wilson interval. SSA trust: only the mean
4.70 was published, so its interval is the Bhatia-Davis bound 1.96·sqrt((5-4.7)(4.7-1)/n) with n = the
service's 100 respondents. Era 2, FY2024 Q3 (Touchpoints CxCollection / CxCollectionDetail / CxResponse
to_csv layouts), VA: 60 of 80 thumbs up = 75 %; every respondent shown both sides, ease flagged well by
40 (50 %), badly by 8 (10 %). CSS: the 12-respondent acquisition cell is suppressed and left out of `all`.
"""

from __future__ import annotations

import math

import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance

from tests import cx_data
from assets.cx.spec import A11_QUARTERS, CSS_YEARS
from assets.partitions import register
from tests.conftest import QUIET, make_defs, run_publish


def wilson(k, n, z=1.96):
    p = k / n
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def run_cx(defs, quarters, years=(), instance=None):
    instance = instance or DagsterInstance.ephemeral()
    register(instance, A11_QUARTERS, list(quarters))  # partitions once they have data (assets/cx/spec.py)
    register(instance, CSS_YEARS, [str(y) for y in years])
    out = [defs.resolve_job_def("a11_quarterly").execute_in_process(partition_key=k, instance=instance, raise_on_error=False,
                                                                     run_config=QUIET) for k in quarters]
    out += [defs.resolve_job_def("css_yearly").execute_in_process(partition_key=str(y), instance=instance, raise_on_error=False,
                                                                   run_config=QUIET) for y in years]
    return out


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    cx_data.v1(root)
    cx_data.v2(root)
    cx_data.css(root)
    defs = make_defs(root)
    results = run_cx(defs, ["FY2023Q2", "FY2024Q3"], [2024])
    assert all(r.success for r in results)
    assert run_publish(defs).success
    tables = {t: pq.read_table(root / "publish" / t).to_pylist() for t in ("cx_service_scores", "cx_index_scores", "internal_cx_scores")}
    return root, tables


def _row(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, match
    return found[0]


def test_era1_counts_give_mean_favourable_and_exact_intervals(published):
    _, t = published
    r = _row(t["cx_service_scores"], fiscal_quarter="FY2023Q2", service_id="va-vha", driver="trust")
    counts = [10, 10, 20, 30, 30]
    mean = sum(k * c for k, c in zip(range(1, 6), counts)) / 100
    sd = math.sqrt(sum(c * (k - mean) ** 2 for k, c in zip(range(1, 6), counts)) / 99)
    assert r["era"] == "a11_v1" and r["scale"] == "likert_1_5" and r["responses"] == 100 and r["mean_score"] == pytest.approx(3.6)
    assert r["mean_ci_low"] == pytest.approx(mean - 1.96 * sd / 10) and r["ci_method"] == "normal_from_counts"
    assert r["pct_favourable"] == pytest.approx(60.0)
    lo, hi = wilson(60, 100)
    assert (r["favourable_ci_low"], r["favourable_ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert (r["customers"], r["surveys_offered"], r["respondents"]) == (10_000, 1_000, 200)


def test_era1_mean_only_gets_a_conservative_bound_and_no_data_stays_null(published):
    _, t = published
    r = _row(t["cx_service_scores"], fiscal_quarter="FY2023Q2", service_id="ssa-oo", driver="trust")
    half = 1.96 * math.sqrt((5 - 4.7) * (4.7 - 1) / 100)
    assert r["mean_score"] == pytest.approx(4.7) and r["ci_method"] == "bhatia_davis_bound"
    assert r["mean_ci_low"] == pytest.approx(4.7 - half) and r["mean_ci_high"] == pytest.approx(4.7 + half)
    assert r["responses_is_service_total"] and r["pct_favourable"] is None
    nodata = _row(t["cx_service_scores"], fiscal_quarter="FY2023Q2", service_id="ssa-oo", driver="satisfaction")
    assert nodata["mean_score"] is None and nodata["mean_ci_low"] is None and nodata["mean_ci_high"] is None
    assert nodata["mean_se"] is None and nodata["ci_method"] is None


def test_era2_trust_and_mentions(published):
    _, t = published
    trust = _row(t["cx_service_scores"], fiscal_quarter="FY2024Q3", driver="trust")
    assert trust["era"] == "a11_v2" and trust["scale"] == "thumbs_up_down" and trust["responses"] == 80 and trust["pct_favourable"] == pytest.approx(75.0)
    assert (trust["favourable_ci_low"], trust["favourable_ci_high"]) == tuple(pytest.approx(x) for x in wilson(60, 80))
    assert trust["question_text"] == "I trust VA to fulfill its duty" and trust["mean_score"] is None
    ease = _row(t["cx_service_scores"], fiscal_quarter="FY2024Q3", driver="ease")
    assert ease["pct_positive_mention"] == pytest.approx(50.0) and ease["pct_negative_mention"] == pytest.approx(10.0)
    assert ease["positive_shown"] == 80 and ease["negative_shown"] == 80


def test_free_text_is_never_stored_or_published(published):
    root, t = published
    assert all("question_4" not in r and "comment" not in " ".join(r) for r in t["cx_service_scores"][:1])
    raw = pq.read_table(root / "raw" / "a11_responses" / "fiscal_quarter=FY2024Q3" / "data.parquet")
    assert "question_4" not in raw.column_names and sum(raw.column("has_comment").to_pylist()) == 8
    for p in (root / "publish").rglob("*.parquet"):
        assert b"Jane Doe" not in p.read_bytes()
    for p in (root / "raw").rglob("*.parquet"):
        assert b"Jane Doe" not in p.read_bytes()


def test_agency_index_weights_by_responses_and_labels_eras(published):
    _, t = published
    idx = {(r["fiscal_year"], r["agency_code"], r["index_code"]): r for r in t["cx_index_scores"]}
    # era 1 trust is the 1-5 mean rescaled to 0-100 (a published mean is not a favourable share)
    va23 = idx[(2023, "VA", "cx_trust")]
    assert va23["score"] == pytest.approx((3.6 - 1) / 4 * 100) and va23["era"] == "a11_v1" and va23["scale"] == "likert_1_5_mean"
    assert idx[(2023, "SZ", "cx_trust")]["score"] == pytest.approx((4.7 - 1) / 4 * 100)
    # only one of the six non-trust drivers was published: no era-1 composite (never a composite of fewer drivers)
    assert (2023, "VA", "cx_drivers_v1") not in idx
    va24 = idx[(2024, "VA", "cx_trust")]
    assert va24["score"] == pytest.approx(75.0) and va24["era"] == "a11_v2" and va24["scale"] == "thumbs_up_down"
    assert va24["scale_break"] and not va23["scale_break"]  # the trust series changes scale here
    assert va24["se"] == pytest.approx(100 * math.sqrt(0.75 * 0.25 / 80))
    assert idx[(2024, "VA", "cx_mentions_v2")]["score"] == pytest.approx((40 - 8) / 6 / 80 * 100)  # per respondent


def test_css_suppression_and_all_row(published):
    _, t = published
    css = {r["function"]: r for r in t["internal_cx_scores"]}
    assert css["acquisition"]["suppressed"] and css["acquisition"]["mean_score"] is None
    # acquisition is suppressed: no all-function score (#30: `all` needs every function asked that year)
    assert css["all"]["suppressed"] and css["all"]["mean_score"] is None and css["all"]["respondents"] is None
    assert css["hr"]["score_100"] == pytest.approx((5.5 - 1) / 6 * 100)
    assert css["hr"]["ci_low"] == pytest.approx(5.5 - 1.96 * 1.5 / 10)
    assert css["it"]["ci_high"] == pytest.approx(4.5 + 1.96 * math.sqrt((7 - 4.5) * (4.5 - 1) / 300))


def test_css_absent_means_absent(tmp_path):
    cx_data.v1(tmp_path)  # real A-11 landed, no CSS file: no sample either
    defs = make_defs(tmp_path)
    assert all(r.success for r in run_cx(defs, ["FY2023Q2"], [2024]))
    assert run_publish(defs).success
    assert pq.read_table(tmp_path / "publish" / "internal_cx_scores").num_rows == 0


@pytest.mark.parametrize("mutate, column, needle", [
    (lambda root: cx_data.v1(root, surveyed="199"), "a11_volumes.respondents", "column_pair_values_a_to_be_greater_than_b"),
    (lambda root: cx_data.v1(root, q_rows=['va,vha,2023,2,Trust / Confidence,3.60,x,100,10,10,20,30,31']),
     "a11_driver_results.count_total", "column_pair_values_to_be_equal"),
])
def test_bad_era1_inputs_are_blocked(tmp_path, mutate, column, needle):
    mutate(tmp_path)
    defs = make_defs(tmp_path)
    [r] = run_cx(defs, ["FY2023Q2"])
    assert not r.success
    [check] = [e for e in r.get_asset_check_evaluations() if not e.passed]
    assert needle in check.description and "landing/cx/a11_v1" in check.description
    assert not r.asset_materializations_for_node("warehouse__cx_service_scores")


def test_thumbs_answer_out_of_range_is_blocked_and_publication_kept(tmp_path):
    cx_data.v2(tmp_path)
    defs, inst = make_defs(tmp_path), DagsterInstance.ephemeral()
    assert all(r.success for r in run_cx(defs, ["FY2024Q3"], instance=inst)) and run_publish(defs, inst).success
    before = pq.read_table(tmp_path / "publish" / "cx_service_scores").drop_columns(["run_id"])
    cx_data.v2(tmp_path, q1_values=[1] * 59 + [3] + [0] * 20)
    [r] = run_cx(defs, ["FY2024Q3"], instance=inst)
    assert not r.success
    [check] = [e for e in r.get_asset_check_evaluations() if not e.passed]
    assert "a11_responses.question_1" in check.description and "[3]" in check.description and "row(s) [61]" in check.description
    assert run_publish(defs, inst).success
    assert pq.read_table(tmp_path / "publish" / "cx_service_scores").drop_columns(["run_id"]).equals(before)


def test_a_quarter_does_not_read_uploads_of_other_quarters_collections(tmp_path):
    cx_data.v2(tmp_path)
    # an upload for a collection of some other quarter, unreadable for this one: never opened for FY2024Q3
    cx_data.write(tmp_path / "landing" / "cx" / "a11_v2" / "responses_c9.csv", ["external_id,question_1,positive_ease",
                                                                                 "r1,not-a-number,1"])
    [r] = run_cx(make_defs(tmp_path), ["FY2024Q3"])
    assert r.success
    raw = pq.read_table(tmp_path / "raw" / "a11_responses" / "fiscal_quarter=FY2024Q3" / "data.parquet")
    assert raw.num_rows == 80 and set(raw.column("detail_id").to_pylist()) == {"201"}


def test_real_va_dashboard_files(reference, tmp_path):
    import shutil

    base = tmp_path / "landing" / "cx" / "a11_v1"
    base.mkdir(parents=True)
    for name in ("va_vha_a11_quarterly_volumes_fy2019_fy2020q1.csv", "va_vha_a11_question_details_fy2019_fy2020q1.csv"):
        shutil.copy(reference / "cx" / name, base / name)  # temp dir only
    defs = make_defs(tmp_path)
    results = run_cx(defs, ["FY2019Q1", "FY2019Q2", "FY2019Q3", "FY2019Q4", "FY2020Q1"])
    assert all(r.success for r in results)
    assert run_publish(defs).success
    rows = pq.read_table(tmp_path / "publish" / "cx_service_scores").to_pylist()
    q3 = _row(rows, fiscal_quarter="FY2019Q3", driver="trust")
    assert q3["mean_score"] == pytest.approx(4.38) and q3["respondents"] == 329_662 and q3["customers"] == 8_656_645
    assert q3["ci_method"] == "bhatia_davis_bound" and q3["mean_ci_high"] - q3["mean_ci_low"] < 0.01
    assert _row(rows, fiscal_quarter="FY2019Q1", driver="satisfaction")["mean_score"] is None  # "No Data"
    wording = {r["fiscal_quarter"]: r["question_text"] for r in rows if r["driver"] == "transparency"}
    assert "understood what was being asked" in wording["FY2019Q2"] and "treated fairly" in wording["FY2019Q3"]
