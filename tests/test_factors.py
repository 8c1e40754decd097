"""The factor screen, focus-area scores and the assessment on data small enough to check by hand.

The statistics are checked against a published worked example (Benjamini and Hochberg 1995, section
4.1) and against independent computations in the test (residual regression with numpy, scipy's own
correlation tests, the statistics module); the SQL correlations run in real DuckDB.
"""

from __future__ import annotations

import csv
import json
import math
import statistics

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from warehouse import factors
from warehouse.reference import REFERENCE_DIR, item_map

# Benjamini & Hochberg (1995), J. R. Statist. Soc. B 57(1), p. 295: the 15 ordered p-values of the
# myocardial-infarction trial; at q* = 0.05 the step-up procedure rejects the four smallest.
BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528,
           0.7590, 1.0000]


def test_bh_qvalues_reproduce_the_1995_worked_example():
    m = len(BH_1995)
    # by hand: q_(i) = min over j >= i of p_(j) m / j
    hand = [min(BH_1995[j] * m / (j + 1) for j in range(i, m)) for i in range(m)]
    shuffled = [BH_1995[i] for i in (14, 3, 0, 9, 7, 1, 12, 2, 5, 4, 13, 6, 10, 8, 11)]
    q = factors.bh_qvalues(shuffled + [None])
    assert q[-1] is None  # a pair without a p-value is not tested and not counted in m
    by_p = dict(zip(shuffled, q))
    assert [by_p[p] for p in BH_1995] == pytest.approx(hand)
    assert sum(v < 0.05 for v in q[:-1]) == 4  # the paper's four rejections
    assert by_p[0.0095] == pytest.approx(0.0095 * 15 / 4)  # 0.035625, the largest rejected


def test_bh_qvalues_are_scipys_bit_for_bit_including_ties():
    """cxex computes the step-up without importing scipy.stats (quality_checks/gx_import.py): the same
    floats as scipy's own `false_discovery_control`, on p-values with ties, zeros and ones."""
    rng = np.random.default_rng(7)
    for m in (1, 2, 15, 80):
        p = np.round(rng.uniform(0, 1, m) ** 3, 3)  # rounded: ties; cubed: small p-values
        p[: m // 10] = 0.0
        p[-1] = 1.0
        assert factors.bh_qvalues(list(p)) == list(stats.false_discovery_control(p, method="bh"))


def test_gx_imports_without_loading_scipy_stats_which_loads_whole_on_first_use():
    import subprocess
    import sys

    code = ("import sys; from quality_checks.gx_import import great_expectations; gx = great_expectations(); "
            "print('scipy.stats._stats_py' in sys.modules); from scipy import stats; "
            "print(stats.false_discovery_control([0.01, 0.04], method='bh').tolist(), 'scipy.stats._stats_py' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "False"  # GX imported, scipy.stats not run
    assert out[1] == "[0.02, 0.04] True"  # the first use loads it


def test_correlation_test_interval_and_partial_correlation_on_a_tiny_dataset():
    x = np.array([1.0, 2.0, 4.0, 3.0, 6.0, 5.0])
    y = np.array([2.0, 1.0, 5.0, 4.0, 7.0, 4.0])
    z = np.array([1.0, 1.0, 2.0, 3.0, 3.0, 4.0])
    r, p = stats.pearsonr(x, y)
    assert factors.correlation_p(r, 6) == pytest.approx(p)
    lo, hi = factors.fisher_ci(r, 6)
    assert (lo, hi) == pytest.approx((math.tanh(math.atanh(r) - 1.959964 / math.sqrt(3)),
                                      math.tanh(math.atanh(r) + 1.959964 / math.sqrt(3))), abs=1e-6)
    # independent: correlate the residuals of x and y after regressing each on [1, z]
    design = np.column_stack([np.ones(6), z])
    rx = x - design @ np.linalg.lstsq(design, x, rcond=None)[0]
    ry = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    by_residuals = float(np.corrcoef(rx, ry)[0, 1])
    pr = factors.partial_r(np.corrcoef(x, y)[0, 1], np.corrcoef(x, z)[0, 1], np.corrcoef(y, z)[0, 1])
    assert pr == pytest.approx(by_residuals)
    t = by_residuals * math.sqrt(3 / (1 - by_residuals ** 2))  # df = n - 3 with one control
    assert factors.correlation_p(pr, 6, controls=1) == pytest.approx(2 * stats.t.sf(abs(t), 3))


def _panel(rows):
    schema = pa.schema([("year", pa.int16()), ("agency_code", pa.string()), ("variable", pa.string()), ("kind", pa.string()),
                        ("label", pa.string()), ("value", pa.float64()), ("role", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


@pytest.fixture(scope="module")
def tiny_screen():
    """Two years × six agencies (one agency without a headcount in 2024), one real candidate, one
    constant candidate and one candidate present in 2023 only."""
    rng = np.random.default_rng(7)
    agencies = ["AA", "BB", "CC", "DD", "EE", "FF"]
    rows, size, data = [], [], {}
    for year in (2023, 2024):
        x = rng.normal(50, 10, 6)
        y = 0.5 * x + rng.normal(0, 5, 6)
        s = rng.uniform(100, 5000, 6)
        data[year] = (x, y, s)
        for a, xv, yv, sv in zip(agencies, x, y, s):
            rows += [{"year": year, "agency_code": a, "variable": "fevs_index:eei", "kind": "fevs_index", "label": "EEI", "value": xv, "role": "candidate"},
                     {"year": year, "agency_code": a, "variable": "internal_cx", "kind": "internal_cx", "label": "CSS", "value": yv, "role": "outcome"},
                     {"year": year, "agency_code": a, "variable": "workforce:flat", "kind": "workforce", "label": "flat", "value": 1.0, "role": "candidate"}]
            if year == 2023:
                rows.append({"year": year, "agency_code": a, "variable": "fevs_item:2023.Q9", "kind": "fevs_item", "label": "Q9",
                             "value": xv + yv, "role": "candidate"})
            if (year, a) != (2024, "FF"):
                size.append({"year": year, "agency_code": a, "avg_headcount": sv})
    screen = factors.factor_screen(factors.correlations(_panel(rows), size))
    return {(r["period"], r["candidate"]): r for r in screen if r["outcome"] == "internal_cx"}, data


def test_screen_per_year_matches_scipy_and_residual_partials(tiny_screen):
    screen, data = tiny_screen
    for year in (2023, 2024):
        x, y, s = data[year]
        row = screen[(str(year), "fevs_index:eei")]
        assert row["n"] == 6 and row["method"] == "cross_section"
        assert row["pearson_r"] == pytest.approx(stats.pearsonr(x, y)[0])
        assert row["p_value"] == pytest.approx(stats.pearsonr(x, y)[1])
        assert row["spearman_rho"] == pytest.approx(stats.spearmanr(x, y)[0])
        keep = slice(0, 6) if year == 2023 else slice(0, 5)  # FF has no headcount in 2024
        xs, ys, ls = x[keep], y[keep], np.log(s[keep])
        design = np.column_stack([np.ones(len(ls)), ls])
        res = [v - design @ np.linalg.lstsq(design, v, rcond=None)[0] for v in (xs, ys)]
        assert row["n_size"] == len(ls)
        assert row["partial_r_size"] == pytest.approx(np.corrcoef(*res)[0, 1])


def test_screen_pooled_standardises_within_year_and_tests_with_agencies(tiny_screen):
    screen, data = tiny_screen
    zx = np.concatenate([(data[y][0] - data[y][0].mean()) / data[y][0].std(ddof=1) for y in (2023, 2024)])
    zy = np.concatenate([(data[y][1] - data[y][1].mean()) / data[y][1].std(ddof=1) for y in (2023, 2024)])
    row = screen[("pooled", "fevs_index:eei")]
    r = float(np.corrcoef(zx, zy)[0, 1])
    assert (row["n"], row["n_agencies"], row["n_test"]) == (12, 6, 6)
    assert row["pearson_r"] == pytest.approx(r)
    t = r * math.sqrt(4 / (1 - r * r))
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), 4))
    yearly = [screen[(str(y), "fevs_index:eei")]["pearson_r"] for y in (2023, 2024)]
    assert row["sign_stability"] == pytest.approx(sum(np.sign(v) == np.sign(r) for v in yearly) / 2)
    assert row["q_value"] == pytest.approx(row["p_value"])  # the only pooled candidate with a correlation
    # no spread: no correlation, no rank; one year only: never pooled, never robust
    assert screen[("pooled", "workforce:flat")]["pearson_r"] is None and screen[("pooled", "workforce:flat")].get("rank") is None
    assert ("pooled", "fevs_item:2023.Q9") not in screen and not screen[("2023", "fevs_item:2023.Q9")]["robust"]
    assert screen[("2023", "fevs_item:2023.Q9")]["rank"] == 1  # x + y correlates with y more strongly than x


FOCUS_DEFS = [
    {"focus_area": "leadership", "focus_area_label": "Leadership", "indicator": "a", "direction": "1", "weight": "2"},
    {"focus_area": "leadership", "focus_area_label": "Leadership", "indicator": "b", "direction": "-1", "weight": "1"},
    {"focus_area": "shared_services", "focus_area_label": "Shared services", "indicator": "c", "direction": "1", "weight": "1"},
]


def _row(year, agency, variable, value):
    return {"year": year, "agency_code": agency, "variable": variable, "kind": "k", "label": variable, "value": value, "role": "indicator"}


@pytest.fixture(scope="module")
def focus():
    """2024: indicator a for A-D (10, 20, 30, 60), b (lower is better) for A-C only (1, 2, 3); c for nobody.
    2023: only a, for A-C (10, 20, 30)."""
    panel = [_row(2024, ag, "a", v) for ag, v in zip("ABCD", (10, 20, 30, 60))]
    panel += [_row(2024, ag, "b", v) for ag, v in zip("ABC", (1, 2, 3))]
    panel += [_row(2023, ag, "a", v) for ag, v in zip("ABC", (10, 20, 30))]
    groups = {(2024, "A"): "small", (2024, "B"): "small", (2024, "C"): "small", (2024, "D"): "large"}
    rows = factors.focus_area_scores(panel, FOCUS_DEFS, {"A": "Agency A"}, groups)
    return {(r["year"], r["agency_code"], r["focus_area"]): r for r in rows}


def test_focus_area_score_with_a_missing_indicator(focus):
    a_mean, a_sd = statistics.mean([10, 20, 30, 60]), statistics.stdev([10, 20, 30, 60])
    za = {ag: (v - a_mean) / a_sd for ag, v in zip("ABCD", (10, 20, 30, 60))}
    zb = {"A": 1.0, "B": 0.0, "C": -1.0}  # (1, 2, 3): mean 2, SD 1; lower is better
    for ag in "ABC":
        row = focus[(2024, ag, "leadership")]
        assert row["score"] == pytest.approx((2 * za[ag] + zb[ag]) / 3) and row["coverage"] == pytest.approx(1.0)
    d = focus[(2024, "D", "leadership")]  # b missing: the mean of what is there, coverage 2/3, nothing imputed
    assert d["score"] == pytest.approx(za["D"]) and d["coverage"] == pytest.approx(2 / 3)
    assert d["indicators_present"] == 1 and d["indicators_declared"] == 2
    ind = {i["indicator"]: i for i in json.loads(d["indicators"])}
    assert ind["b"]["value"] is None and ind["b"]["z"] is None and ind["b"]["contribution"] is None
    assert ind["a"]["contribution"] == pytest.approx(2 * za["D"] / 2) and ind["a"]["value"] == 60
    s = focus[(2024, "A", "shared_services")]
    assert s["score"] is None and s["coverage"] == 0 and s["rank_in_size_group"] is None


def test_focus_area_rank_percentile_and_change(focus):
    scores = {ag: focus[(2024, ag, "leadership")]["score"] for ag in "ABC"}  # the small group; D is alone in large
    order = sorted(scores, key=scores.get, reverse=True)
    for ag in "ABC":
        row = focus[(2024, ag, "leadership")]
        assert row["rank_in_size_group"] == order.index(ag) + 1 and row["size_group_agencies"] == 3
        assert (row["comparison_group"], row["comparison_group_agencies"]) == ("small", 3)
        assert row["percentile_in_size_group"] == pytest.approx(100 * sum(v <= scores[ag] for v in scores.values()) / 3)
    # D is alone in its size group: under the 3-agency minimum it is compared with all four agencies
    # (before #30: "rank 1, percentile 100 in its size group" of one)
    d = focus[(2024, "D", "leadership")]
    everyone = sorted([*scores.values(), d["score"]], reverse=True)
    assert (d["comparison_group"], d["comparison_group_agencies"], d["size_group_agencies"]) == ("all", 4, 1)
    assert d["rank_in_size_group"] == everyone.index(d["score"]) + 1
    assert d["percentile_in_size_group"] == pytest.approx(100 * sum(v <= d["score"] for v in everyone) / 4)
    assert focus[(2024, "A", "leadership")]["agency_name"] == "Agency A" and focus[(2024, "B", "leadership")]["agency_name"] is None


def test_focus_area_change_is_like_for_like(focus):
    """2023 scores leadership from indicator a alone, 2024 from a and b: a change of indicators, so no
    change (change_break `indicators`; before #30 A's change was published). With a and b in both
    years the change is score − score; an A-11 indicator from the other era is a break too."""
    a = focus[(2024, "A", "leadership")]
    assert a["score"] is not None and focus[(2023, "A", "leadership")]["score"] is not None
    assert a["change_from_prior"] is None and a["change_break"] == "indicators"
    assert focus[(2024, "D", "leadership")]["change_from_prior"] is None  # no 2023 score
    panel = [_row(y, ag, v, x + (y - 2023) * (k - 1)) for y in (2023, 2024) for k, ag in enumerate("ABC")
             for v, x in (("a", 10 * (k + 1)), ("b", k + 1))]
    same = {(r["year"], r["agency_code"]): r for r in factors.focus_area_scores(panel, FOCUS_DEFS, {}, {}) if r["focus_area"] == "leadership"}
    assert same[(2024, "C")]["change_break"] is None
    assert same[(2024, "C")]["change_from_prior"] == pytest.approx(same[(2024, "C")]["score"] - same[(2023, "C")]["score"])
    era = [{**r, "basis": "a11_v1||" if r["year"] == 2023 else "a11_v2||"} if r["variable"] == "a" else r for r in panel]
    broke = {(r["year"], r["agency_code"]): r for r in factors.focus_area_scores(era, FOCUS_DEFS, {}, {}) if r["focus_area"] == "leadership"}
    assert broke[(2024, "C")]["change_from_prior"] is None and broke[(2024, "C")]["change_break"] == "era"


def test_a_context_indicator_is_shown_not_scored():
    defs = [{"focus_area": "employee_leader_ratio", "focus_area_label": "Ratios", "indicator": "r", "direction": "0", "weight": "1"}]
    rows = factors.focus_area_scores([_row(2024, ag, "r", v) for ag, v in zip("ABC", (5, 8, 12))], defs, {}, {})
    assert all(r["score"] is None and r["coverage"] == 0 and r["rank_in_size_group"] is None for r in rows)
    assert [json.loads(r["indicators"])[0]["value"] for r in rows] == [5, 8, 12]


def test_item_keys_follow_the_item_map_and_the_wording():
    """Every index_position key is the k-th item of one index in every year it names; every
    same_wording key carries one codebook wording; the focus areas' FEVS items are declared keys."""
    keys = factors.item_keys()
    with open(REFERENCE_DIR / "fevs_items.csv", newline="") as f:
        wording = {(int(r["survey_year"]), r["item"]): r["wording"] for r in csv.DictReader(f)}
    imap = item_map()
    position = {}
    for year, indices in imap.items():
        for index, items in indices.items():
            for k, item in enumerate(items, start=1):
                position[(year, item)] = (index, k)
    seen: dict[str, set] = {}
    for r in keys:
        if r["basis"] == "index_position":
            seen.setdefault(r["item_key"], set()).add(position[(r["survey_year"], r["item"])])
        else:
            seen.setdefault(r["item_key"], set()).add(wording[(r["survey_year"], r["item"])])
    assert all(len(v) == 1 for v in seen.values()), {k: v for k, v in seen.items() if len(v) > 1}
    # the same question under different numbers: 2018 Q6 and 2024 Q4 ("I know what is expected of me on the job")
    by = {(r["survey_year"], r["item"]): r["item_key"] for r in keys}
    assert by[(2018, "Q6")] == by[(2024, "Q4")] == "know_expected_job" and by.get((2024, "Q6")) != by[(2018, "Q6")]
    declared = {r["item_key"] for r in keys}
    for d in factors.focus_area_definitions():
        if d["indicator"].startswith("fevs_item:"):
            assert d["indicator"].split(":", 1)[1] in declared, d["indicator"]
    assert {d["focus_area"] for d in factors.focus_area_definitions()} == set(factors.FOCUS_AREA_CODES)


def test_a_bad_focus_area_row_is_named_by_file_row_and_column(tmp_path):
    from warehouse.reference import ReferenceError

    path = tmp_path / "focus_areas.csv"
    text = (REFERENCE_DIR / "focus_areas.csv").read_text().splitlines()
    text[2] = text[2].replace(",-1,1,", ",down,1,", 1)  # row 3: direction `down`
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(ReferenceError, match=r"focus_areas.csv: row 3, column direction: 'down' is not 1, -1 or 0"):
        factors.focus_area_definitions(path)
