"""A-11 as really published: performance.gov's files and GSA Touchpoints' exports and API pages.

Fixture layouts (see tests/cx_data.py): the real files in ../shared/reference/cx/a11_v1_real/; GSA/touchpoints
app/models/cx_collection.rb, cx_collection_detail.rb, cx_response.rb (`to_csv`), app/serializers/
cx_collection_serializer.rb, cx_collection_detail_serializer.rb, cx_response_serializer.rb and
config/initializers/active_model_serializers.rb (JSON:API pages); app/controllers/admin/reporting_controller.rb
(`hisp_service_questions`, FY2021-FY2023) and app/helpers/application_helper.rb (`hisp_questions_key`: question
1-7 = satisfaction, trust, effectiveness, ease, efficiency, transparency, employee).

Every expected number is computed in the test from the fixture's own rows, by hand or in plain Python.
"""

from __future__ import annotations

import math
import shutil

import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance

from assets.cx.spec import A11_QUARTERS
from assets.partitions import register
from tests import cx_data
from tests.conftest import QUIET, make_defs, run_publish

NAMED = ["effectiveness", "ease", "efficiency", "transparency", "humanity", "employee"]


def wilson(k, n, z=1.96):
    p = k / n
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def run(root, quarters):
    defs, inst = make_defs(root), DagsterInstance.ephemeral()
    register(inst, A11_QUARTERS, list(quarters))
    results = [defs.resolve_job_def("a11_quarterly").execute_in_process(partition_key=k, instance=inst, raise_on_error=False,
                                                                         run_config=QUIET) for k in quarters]
    assert all(r.success for r in results), [e.description for r in results for e in r.get_asset_check_evaluations()
                                             if not e.passed][:3]
    assert run_publish(defs, inst).success
    return results, {t: pq.read_table(root / "publish" / t).to_pylist() for t in ("cx_service_scores", "cx_index_scores")}


def one(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, len(found))
    return found[0]


def bound_se(m, n):
    """Bhatia-Davis: the largest SD a 1-5 distribution with mean m can have, over sqrt(n)."""
    return math.sqrt((5 - m) * (m - 1) / n)


# ---- performance.gov's real files ---------------------------------------------------------------

def test_real_per_service_file_numbers_as_published(reference, tmp_path):
    """performance.gov `va-vha.csv` (the later wide layout) loads; FY2020 Q2 trust 4.28 on 305,079 responses."""
    base = tmp_path / "landing" / "cx" / "a11_v1"
    base.mkdir(parents=True)
    shutil.copy(reference / "cx" / "a11_v1_real" / "va-vha.csv", base / "va-vha.csv")  # temp dir only
    _, t = run(tmp_path, ["FY2020Q1", "FY2020Q2"])
    rows = t["cx_service_scores"]
    trust = one(rows, fiscal_quarter="FY2020Q2", service_provider_id="va-vha", driver="trust")
    assert trust["mean_score"] == pytest.approx(4.28) and trust["responses"] == 305_079
    assert trust["surveys_offered"] == 1_860_215 and trust["respondents"] == 305_079 and trust["agency_code"] == "VA"
    assert trust["ci_method"] == "bhatia_davis_bound" and trust["mean_se"] == pytest.approx(bound_se(4.28, 305_079))
    assert trust["responses_is_service_total"]
    # the composite: plain mean of the six drivers other than trust, se <= the mean of their se (no independence)
    six = {"satisfaction": 4.38, "effectiveness": 4.35, "ease": 4.32, "efficiency": 4.27, "transparency": 4.40, "employee": 4.38}
    comp = one(rows, fiscal_quarter="FY2020Q2", driver="composite")
    assert comp["mean_score"] == pytest.approx(sum(six.values()) / 6) and comp["ci_method"] == "no_independence_bound"
    assert comp["mean_se"] == pytest.approx(sum(bound_se(m, 305_079) for m in six.values()) / 6)
    idx = {(r["fiscal_year"], r["index_code"]): r for r in t["cx_index_scores"] if r["agency_code"] == "VA"}
    w = {1: 304_687, 2: 305_079}
    m = {1: 4.27, 2: 4.28}
    score = sum(w[q] * (m[q] - 1) / 4 * 100 for q in w) / sum(w.values())
    se = math.sqrt(sum((w[q] * 25 * bound_se(m[q], w[q])) ** 2 for q in w)) / sum(w.values())
    tr = idx[(2020, "cx_trust")]
    assert tr["score"] == pytest.approx(score) and tr["se"] == pytest.approx(se) and tr["ci_low"] == pytest.approx(score - 1.96 * se)
    assert tr["era"] == "a11_v1" and tr["scale"] == "likert_1_5_mean" and tr["headline"] and not tr["scale_break"]
    assert idx[(2020, "cx_drivers_v1")]["responses"] == sum(w.values())


def test_both_real_dashboard_layouts_one_quarter_counted_once(reference, tmp_path):
    """The early dashboard files and the per-service file both hold VA VHA FY2020 Q1 (trust 4.42 vs 4.27 as
    published): the per-service layout is used, and its 304,687 responses are not counted twice."""
    base = tmp_path / "landing" / "cx" / "a11_v1"
    base.mkdir(parents=True)
    for name in ("hisp-quarterly-data.csv", "hisp-question-details.csv", "va-vha.csv"):
        shutil.copy(reference / "cx" / "a11_v1_real" / name, base / name)  # temp dir only
    _, t = run(tmp_path, ["FY2019Q4", "FY2020Q1"])
    rows = t["cx_service_scores"]
    q1 = one(rows, fiscal_quarter="FY2020Q1", driver="trust")
    assert q1["mean_score"] == pytest.approx(4.27) and q1["responses"] == 304_687 and q1["respondents"] == 304_687
    q4 = one(rows, fiscal_quarter="FY2019Q4", driver="trust")  # only the dashboard has FY2019 Q4
    assert q4["respondents"] == 310_992 and q4["customers"] == 8_616_178


# ---- Touchpoints FY2024+: two channels per collection, `null` flags, both survey types ---------------

def va_responses():
    """Detail 601 (digital, thumbs): 40 responses, 28 up. Up: went-well shown (ease on 14, effectiveness on 7),
    didn't = `null`. Down: went-well blank or `null`, didn't shown (ease on 3).
    Detail 602 (phone, likert_scale): 30 responses 10×5, 8×4, 6×3, 4×2, 2×1. 4-5: went-well shown (ease on 9);
    1-3: didn't shown (ease on 3)."""
    rows = []
    for i in range(40):
        if i < 28:
            rows.append(("601", 1, {"ease": str(int(i < 14)), "effectiveness": str(int(i < 7))}, "null"))
        else:
            rows.append(("601", 0, "" if i % 2 else "null", {"ease": str(int(i < 31))}))
    answers = [5] * 10 + [4] * 8 + [3] * 6 + [2] * 4 + [1] * 2
    for i, a in enumerate(answers):
        rows.append(("602", a, {"ease": str(int(i < 9))}, "null") if a >= 4 else ("602", a, "null", {"ease": str(int(i < 21))}))
    return rows


def ssa_responses():
    """Detail 603 (thumbs): 30 responses, all up; nobody is shown "what didn't go well"."""
    return [("603", 1, {"ease": str(int(i < 15))}, "null") for i in range(30)]


def write_touchpoints(root, *, as_api: bool, va_slug="va-vha"):
    base = root / "landing" / "cx" / "a11_v2"
    resp = [cx_data.response_row(d, q1, pos, neg, cx_data.FREE_TEXT if i % 7 == 0 else "", i)
            for i, (d, q1, pos, neg) in enumerate(va_responses() + ssa_responses())]
    trust = "I trust the agency to fulfill its duty"
    if not as_api:  # the CSV exports (to_csv), details carrying the collection's year, quarter and provider slug
        cx_data.write_rows(base / "cx_collections.csv", cx_data.COLLECTION_HEADER, [
            cx_data.collection_row("501", 2024, 3, "12", "Veterans Health Administration"),
            cx_data.collection_row("502", 2024, 3, "31", "Social Security Administration (Online Services)")])
        cx_data.write_rows(base / "cx_collection_details.csv", cx_data.DETAIL_HEADER, [
            cx_data.detail_row("601", "501", 2024, 3, va_slug, "Veterans Health Administration", "digital", "thumbs_up_down",
                               "9000", "900", "40", trust),
            cx_data.detail_row("602", "501", 2024, 3, va_slug, "Veterans Health Administration", "phone", "likert_scale",
                               "1000", "100", "30", trust),
            cx_data.detail_row("603", "502", 2024, 3, "ssa-oo", "Social Security Administration (Online Services)",
                               "digital", "thumbs_up_down", "5000", "500", "30", trust)])
        cx_data.write_rows(base / "touchpoints-data-cx-responses-2024-08-01.csv", cx_data.RESPONSE_HEADER, resp)
        return
    # the API's JSON:API pages: details name the provider (not its slug) and carry no year: the collection does
    coll_h = ["id", "name", "service_provider_id", "service_id", "fiscal_year", "quarter", "aasm_state"]
    cx_data.jsonapi_page(base / "cx_collections.json", "cx_collections", coll_h, [
        ["501", "VHA FY2024 Q3", "12", "70", "2024", "3", "published"], ["502", "SSA FY2024 Q3", "31", "80", "2024", "3", "published"]],
        numeric=("service_provider_id", "service_id", "fiscal_year", "quarter"))
    det_h = ["id", "cx_collection_id", "service_id", "service_name", "service_provider_id", "service_provider_name", "channel",
             "volume_of_customers", "volume_of_customers_provided_survey_opportunity", "volume_of_respondents", "survey_type",
             "trust_question_text"]
    cx_data.jsonapi_page(base / "cx_collection_details.json", "cx_collection_details", det_h, [
        ["601", "501", "70", "Outpatient care", "12", "Veterans Health Administration", "digital", "9000", "900", "40",
         "thumbs_up_down", trust],
        ["602", "501", "70", "Outpatient care", "12", "Veterans Health Administration", "phone", "1000", "100", "30",
         "likert_scale", trust],
        ["603", "502", "80", "Field offices", "31", "Social Security Administration (Online Services)", "digital", "5000",
         "500", "30", "thumbs_up_down", trust]],
        numeric=("cx_collection_id", "service_id", "service_provider_id", "volume_of_customers",
                 "volume_of_customers_provided_survey_opportunity", "volume_of_respondents"))
    resp_h = ["id", *cx_data.RESPONSE_HEADER]
    pages = [resp[:50], resp[50:]]  # two pages, as the API's `size` splits them
    for k, page in enumerate(pages):
        cx_data.jsonapi_page(base / f"cx_responses_page{k}.json", "cx_responses", resp_h,
                             [[str(1000 + k * 50 + i), *r] for i, r in enumerate(page)], numeric=("cx_collection_detail_id",))


@pytest.fixture(scope="module", params=["csv_export", "api_pages"])
def touchpoints(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    write_touchpoints(root, as_api=request.param == "api_pages")
    results, tables = run(root, ["FY2024Q3"])
    return root, results, tables


def test_responses_belong_to_a_detail_and_are_counted_once(touchpoints):
    root, _, t = touchpoints
    raw = pq.read_table(root / "raw" / "a11_responses" / "fiscal_quarter=FY2024Q3" / "data.parquet")
    assert raw.num_rows == 40 + 30 + 30  # a join on the collection would have doubled VA's 70 (two details)
    assert sorted(raw.column("detail_id").to_pylist()).count("601") == 40
    vols = pq.read_table(root / "raw" / "a11_volumes" / "fiscal_quarter=FY2024Q3" / "data.parquet").to_pylist()
    assert sorted(v["detail_id"] for v in vols) == ["601", "602", "603"]
    trust = one(t["cx_service_scores"], service_provider_id="va-vha", driver="trust", scale="thumbs_up_down")
    # detail-level volumes add up to the collection's
    assert (trust["customers"], trust["surveys_offered"], trust["respondents"]) == (9000 + 1000, 900 + 100, 40 + 30)
    assert trust["responses"] == 40 and trust["pct_favourable"] == pytest.approx(100 * 28 / 40)
    assert (trust["favourable_ci_low"], trust["favourable_ci_high"]) == tuple(pytest.approx(x) for x in wilson(28, 40))
    lik = one(t["cx_service_scores"], service_provider_id="va-vha", driver="trust", scale="likert_scale")
    assert lik["responses"] == 30 and lik["pct_favourable"] == pytest.approx(100 * 18 / 30)
    answers = [5] * 10 + [4] * 8 + [3] * 6 + [2] * 4 + [1] * 2
    mean = sum(answers) / 30
    sd = math.sqrt(sum((a - mean) ** 2 for a in answers) / 29)
    assert lik["mean_score"] == pytest.approx(110 / 30) and lik["mean_se"] == pytest.approx(sd / math.sqrt(30))
    assert lik["ci_method"] == "normal_from_responses"


def test_shares_are_over_the_respondents_shown_each_side(touchpoints):
    _, _, t = touchpoints
    rows = t["cx_service_scores"]
    ease = one(rows, service_provider_id="va-vha", driver="ease")
    # went well shown to 28 thumbs-up + 18 answering 4-5 = 46; flagged 14 + 9. Didn't shown to 12 + 12 = 24; flagged 3 + 3
    assert (ease["positive_shown"], ease["negative_shown"]) == (46, 24)
    assert ease["pct_positive_mention"] == pytest.approx(100 * 23 / 46) and ease["pct_negative_mention"] == pytest.approx(25.0)
    assert (ease["negative_ci_low"], ease["negative_ci_high"]) == tuple(pytest.approx(x) for x in wilson(6, 24))
    eff = one(rows, service_provider_id="va-vha", driver="effectiveness")
    assert eff["pct_positive_mention"] == pytest.approx(100 * 7 / 46) and eff["pct_negative_mention"] == 0.0
    assert one(rows, service_provider_id="va-vha", driver="humanity")["pct_positive_mention"] == 0.0  # no flags: 0, not inf
    ssa = one(rows, service_provider_id="ssa-oo", driver="ease")
    assert ssa["negative_shown"] == 0 and ssa["pct_negative_mention"] is None  # nobody shown: no share, no division by 0
    assert ssa["pct_positive_mention"] == pytest.approx(50.0)
    # per-respondent went-well minus didn't over the six named drivers (not shown = 0), and its SE
    scores = []
    for _, _, pos, neg in va_responses():
        p = sum(int(pos.get(f, "0")) for f in NAMED) if isinstance(pos, dict) else 0
        n = sum(int(neg.get(f, "0")) for f in NAMED) if isinstance(neg, dict) else 0
        scores.append(100 * (p - n) / 6)
    mean = sum(scores) / len(scores)
    se = math.sqrt(sum((s - mean) ** 2 for s in scores) / (len(scores) - 1)) / math.sqrt(len(scores))
    net = one(rows, service_provider_id="va-vha", driver="net_mentions")
    assert net["net_mention"] == pytest.approx(mean) and net["net_mention_se"] == pytest.approx(se)


def test_agency_index_from_touchpoints(touchpoints):
    _, _, t = touchpoints
    idx = {(r["agency_code"], r["index_code"]): r for r in t["cx_index_scores"] if r["fiscal_year"] == 2024}
    va = idx[("VA", "cx_trust")]
    se = math.sqrt((40 * 100 * math.sqrt(0.7 * 0.3 / 40)) ** 2 + (30 * 100 * math.sqrt(0.6 * 0.4 / 30)) ** 2) / 70
    assert va["score"] == pytest.approx((40 * 70 + 30 * 60) / 70) and va["se"] == pytest.approx(se)
    assert va["scale"] == "mixed" and va["era"] == "a11_v2" and va["services"] == 1 and va["responses"] == 70
    assert idx[("SZ", "cx_trust")]["score"] == pytest.approx(100.0) and idx[("SZ", "cx_trust")]["scale"] == "thumbs_up_down"


def test_csv_export_and_api_pages_give_the_same_scores(tmp_path):
    tables = {}
    for mode in ("csv", "api"):
        root = tmp_path / mode
        write_touchpoints(root, as_api=mode == "api")
        _, t = run(root, ["FY2024Q3"])
        tables[mode] = sorted((r["service_provider_id"], r["driver"], r["scale"], r["responses"], r["pct_favourable"],
                               r["pct_positive_mention"], r["pct_negative_mention"], r["net_mention"], r["customers"])
                              for r in t["cx_service_scores"])
    assert tables["csv"] == tables["api"] and len(tables["csv"]) > 10


def test_free_text_never_reaches_any_file(touchpoints):
    root, _, _ = touchpoints
    needle = cx_data.FREE_TEXT.encode()
    checked = 0
    for area in ("raw", "staging", "quality", "publish"):
        for p in (root / area).rglob("*"):
            if not p.is_file():
                continue
            assert needle not in p.read_bytes(), p
            if p.suffix == ".parquet":
                table = pq.read_table(p)
                assert "question_4" not in table.column_names, p
                assert all(cx_data.FREE_TEXT not in str(v) for c in table.columns for v in c.to_pylist()), p
                checked += 1
    assert checked >= 4


def test_unknown_provider_is_a_warning_that_keeps_its_rows(tmp_path):
    write_touchpoints(tmp_path, as_api=False, va_slug="va-unknown-office")
    results, t = run(tmp_path, ["FY2024Q3"])
    [warning] = [e for e in results[0].get_asset_check_evaluations() if e.check_name == "a11_cx_service_registry"]
    assert not warning.passed and "va-unknown-office" in warning.description
    row = one(t["cx_service_scores"], service_provider_id="va-unknown-office", driver="trust", scale="thumbs_up_down")
    assert row["agency_code"] == "UNK" and row["pct_favourable"] == pytest.approx(70.0)  # published keys are never null
    assert not [r for r in t["cx_index_scores"] if r["agency_code"] == "VA"]  # no agency to count it for


# ---- Touchpoints FY2021-FY2023 per-question report --------------------------------------------------

COUNTS = {  # channel → driver number → answers 1..5
    "Email": {1: [1, 2, 3, 14, 20], 2: [1, 2, 3, 14, 20], 3: [2, 2, 6, 10, 20], 4: [0, 4, 6, 10, 20], 5: [5, 5, 5, 5, 20],
              6: [0, 0, 10, 10, 20], 7: [1, 1, 1, 17, 20]},
    "Phone": {1: [0, 1, 4, 10, 15], 2: [0, 1, 4, 10, 15], 3: [1, 1, 3, 10, 15], 4: [3, 3, 3, 6, 15], 5: [0, 0, 0, 15, 15],
              6: [2, 2, 2, 9, 15], 7: [0, 0, 5, 10, 15]},
}


def write_tp_report(root, fy=2024, q=1):
    """Rows of 25 values under the report's 26-name header (`notes` has no value: question_total lands under
    response_volume), as reporting_controller.rb#hisp_service_questions writes them."""
    rows = []
    for channel, by_q in COUNTS.items():
        for number, c in by_q.items():
            ident = ["satisfaction", "trust", "effectiveness", "ease", "effiency", "transparency", "employee"][number - 1]
            rows.append(["VA", "Department of Veterans Affairs", "9", "Veterans Health Administration", "va-vha",
                         "Outpatient care", "va-vha-outpatient", str(fy), str(q), "Outpatient care", "post-visit", channel,
                         str(number), ident, "question text", *map(str, c), "4.1", str(sum(c)), "2023-10-01", "2023-12-31"])
    cx_data.write_rows(root / "landing" / "cx" / "a11_v1" / "hisp_service_questions.csv", cx_data.TP_QUESTIONS_HEADER, rows)


def test_touchpoints_question_report_pools_channels_and_bounds_the_composite(tmp_path):
    write_tp_report(tmp_path, 2024, 1)
    write_touchpoints(tmp_path, as_api=False)  # FY2024 Q3: era 2 in the same fiscal year
    _, t = run(tmp_path, ["FY2024Q1", "FY2024Q3"])
    rows = t["cx_service_scores"]
    ses = {}
    for number, driver in enumerate(["satisfaction", "trust", "effectiveness", "ease", "efficiency", "transparency", "employee"], 1):
        pooled = [a + b for a, b in zip(COUNTS["Email"][number], COUNTS["Phone"][number])]
        n = sum(pooled)
        mean = sum(k * c for k, c in zip(range(1, 6), pooled)) / n
        sd = math.sqrt(sum(c * (k - mean) ** 2 for k, c in zip(range(1, 6), pooled)) / (n - 1))
        r = one(rows, fiscal_quarter="FY2024Q1", driver=driver)
        assert r["responses"] == n and r["mean_score"] == pytest.approx(mean) and r["mean_se"] == pytest.approx(sd / math.sqrt(n))
        assert r["pct_favourable"] == pytest.approx(100 * (pooled[3] + pooled[4]) / n) and r["ci_method"] == "normal_from_counts"
        ses[driver] = (mean, sd / math.sqrt(n), n)
    comp = one(rows, fiscal_quarter="FY2024Q1", driver="composite")
    others = [v for d, v in ses.items() if d != "trust"]
    assert comp["mean_score"] == pytest.approx(sum(m for m, _, _ in others) / 6)
    assert comp["mean_se"] == pytest.approx(sum(s for _, s, _ in others) / 6)  # not sqrt(sum se^2)/6: drivers are dependent
    assert comp["mean_se"] > math.sqrt(sum(s ** 2 for _, s, _ in others)) / 6
    idx = {(r["era"], r["index_code"]): r for r in t["cx_index_scores"] if r["agency_code"] == "VA" and r["fiscal_year"] == 2024}
    v1, v2 = idx[("a11_v1", "cx_trust")], idx[("a11_v2", "cx_trust")]
    assert v1["score"] == pytest.approx((ses["trust"][0] - 1) / 4 * 100) and v1["scale"] == "likert_1_5_mean"
    assert v2["scale"] == "mixed" and v2["scale_break"] and not v1["scale_break"]
    assert v2["headline"] and not v1["headline"]  # one quarter each: the later era heads the year
    assert idx[("a11_v1", "cx_drivers_v1")]["score"] == pytest.approx((comp["mean_score"] - 1) / 4 * 100)


# ---- a run's quarters read at once ---------------------------------------------------------------

def _range_equals_each_quarter(root):
    """a11_range_frames over every quarter the files hold gives, table for table (row order included, as
    written), what a11_quarter_frames gives one quarter at a time."""
    from assets.cx import assets as cx
    from assets.cx.spec import available_quarters
    from assets.cx import files as cf
    from warehouse.layout import DataLayout

    layout = DataLayout(root)
    files = cf.a11_files(layout)
    keys = available_quarters(layout)
    together = cx.a11_quarters(files, keys)
    compared = 0
    for key in keys:
        fy, q = int(key[2:6]), int(key[7])
        alone = cf.a11_quarter_frames(files, fy, q)
        for name in cx.A11_TABLES:
            a, b = cx._shape(name, alone[name]), cx._shape(name, together[key][name])
            assert a.equals(b), (key, name, a.num_rows, b.num_rows)
            compared += a.num_rows
    return keys, compared


def test_a_runs_quarters_read_at_once_equal_each_quarter_alone(reference, tmp_path):
    """performance.gov's real era-1 files (the early dashboard pair and the per-service file, which overlap in
    FY2020 Q1), Touchpoints' question report (FY2024 Q1) and its CSV exports (FY2024 Q3) in one landing folder."""
    base = tmp_path / "landing" / "cx" / "a11_v1"
    base.mkdir(parents=True)
    for name in ("hisp-quarterly-data.csv", "hisp-question-details.csv", "va-vha.csv"):
        shutil.copy(reference / "cx" / "a11_v1_real" / name, base / name)  # temp dir only
    write_tp_report(tmp_path, 2024, 1)
    write_touchpoints(tmp_path, as_api=False)
    keys, rows = _range_equals_each_quarter(tmp_path)
    assert {"FY2019Q4", "FY2020Q1", "FY2024Q1", "FY2024Q3"} <= set(keys) and len(keys) > 6 and rows > 100


@pytest.mark.parametrize("as_api", [False, True])
def test_touchpoints_quarters_read_at_once_equal_each_quarter_alone(tmp_path, as_api):
    """Touchpoints' question report in two quarters and its exports (CSV, or the API's pages) in a third."""
    write_tp_report(tmp_path, 2024, 1)
    (tmp_path / "landing" / "cx" / "a11_v1" / "hisp_service_questions.csv").rename(
        tmp_path / "landing" / "cx" / "a11_v1" / "hisp_service_questions_q1.csv")
    write_tp_report(tmp_path, 2023, 4)
    write_touchpoints(tmp_path, as_api=as_api)
    keys, rows = _range_equals_each_quarter(tmp_path)
    assert keys == ["FY2023Q4", "FY2024Q1", "FY2024Q3"] and rows > 100


def test_a_quarter_with_no_rows_in_a_range_is_named(tmp_path):
    from assets.cx import files as cf
    from assets.sources.files import SourceFileError
    from warehouse.layout import DataLayout

    write_tp_report(tmp_path, 2024, 1)
    files = cf.a11_files(DataLayout(tmp_path))
    with pytest.raises(SourceFileError, match=r"no A-11 data for FY2024Q2 in landing/cx/a11_v1"):
        cf.a11_range_frames(files, [(2024, 1), (2024, 2)])


# ---- numbers as published --------------------------------------------------------------------------

@pytest.mark.parametrize("cell, value, says", [
    ("response_count", "12.5", "'12.5' is not a whole number"),
    ("response_count", "lots", "'lots' is not a number (1 such rows)"),
    ("satisfied", "4,3x", "'4,3x' is not a number (1 such rows)"),
])
def test_a_bad_number_in_the_real_per_service_file_names_row_and_column(reference, tmp_path, cell, value, says):
    """performance.gov's `va-vha.csv` with one cell changed on its second data row (file row 3): every numeric
    column is checked in one query, and the error names the file, the row and the column."""
    import csv

    from assets.cx import files as cf
    from assets.sources.files import SourceFileError
    from warehouse.layout import DataLayout

    base = tmp_path / "landing" / "cx" / "a11_v1"
    base.mkdir(parents=True)
    with open(reference / "cx" / "a11_v1_real" / "va-vha.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = [h.strip().lower() for h in rows[0]]
    col = next(i for i, h in enumerate(header) if h == cell)
    rows[2][col] = value
    with open(base / "va-vha.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(SourceFileError, match=rf"va-vha\.csv: row 3, column {cell}: ") as e:
        cf.quarters_in(cf.a11_files(DataLayout(tmp_path)))
    assert says in str(e.value)


def test_the_first_bad_column_in_reading_order_is_named_whatever_its_row(reference, tmp_path):
    """Two bad cells in performance.gov's `va-vha.csv`: a mean on data row 1 (file row 2) and the response count on
    data row 2 (file row 3). The reader checks the response count before the means, so that is the error, as when
    each column had its own query."""
    import csv

    from assets.cx import files as cf
    from assets.sources.files import SourceFileError
    from warehouse.layout import DataLayout

    base = tmp_path / "landing" / "cx" / "a11_v1"
    base.mkdir(parents=True)
    with open(reference / "cx" / "a11_v1_real" / "va-vha.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = [h.strip().lower() for h in rows[0]]
    rows[1][header.index("satisfied")] = "x"
    rows[2][header.index("response_count")] = "1.5"
    with open(base / "va-vha.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(SourceFileError, match=r"va-vha\.csv: row 3, column response_count: '1\.5' is not a whole number"):
        cf.quarters_in(cf.a11_files(DataLayout(tmp_path)))


def test_a_numeric_column_missing_from_the_question_report_is_named(tmp_path):
    """Touchpoints' `hisp_service_questions` report (layout: GSA/touchpoints reporting_controller.rb) without its
    `likert_scale_3` column: the file is still recognised (its kind needs only answers 1 and 5), and the error
    names the file and the missing column instead of a polars ColumnNotFoundError."""
    import csv

    from assets.cx import files as cf
    from assets.sources.files import SourceFileError
    from warehouse.layout import DataLayout

    write_tp_report(tmp_path, 2024, 1)
    path = tmp_path / "landing" / "cx" / "a11_v1" / "hisp_service_questions.csv"
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    drop = rows[0].index("likert_scale_3")
    path.write_text("".join(",".join(r[:drop] + r[drop + 1:]) + "\n" for r in rows))
    with pytest.raises(SourceFileError, match=r"hisp_service_questions\.csv: required column missing: likert_scale_3"):
        cf.quarters_in(cf.a11_files(DataLayout(tmp_path)))
