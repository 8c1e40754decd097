"""Formula tests on warehouse/compute.py: the SQL models called directly, results worked by hand."""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warehouse import compute


def test_internal_cx_rescales_suppresses_and_pools_only_published_cells(tmp_path):
    """GSA CSS (1-7): score_100 = (mean - 1) / 6 * 100; cells under min_n are null. `all` (issue #30):
    the unweighted mean of the functions asked that year, null when one is suppressed (VA's acquisition)
    or missing; the same staff rate several functions, so its half-width is the mean of the functions'
    half-widths (the bound whatever their correlation), and it counts ratings, not respondents."""
    funcs = ["hr", "it", "acquisition", "financial_management"]
    css = pa.table({"fiscal_year": pa.array([2024] * 7, pa.int16()), "agency_code": ["VA"] * 3 + ["AG"] * 4,
                    "function": funcs[:3] + funcs, "respondents": pa.array([40, 60, 12, 330, 214, 310, 88], pa.int64()),
                    "mean_score": [4.0, 5.5, 7.0, 5.0, 4.5, 5.5, 6.0], "score_sd": [1.2, None, 0.5, 1.0, 1.5, 1.2, 0.9],
                    "source_row": pa.array(range(2, 9), pa.int32()), "source_file": ["css.csv"] * 7})
    path = tmp_path / "css.parquet"
    pq.write_table(css, path)
    rows = {(r["agency_code"], r["function"]): r for r in compute.internal_cx_scores(path, 30).to_pylist()}
    assert rows[("VA", "hr")]["score_100"] == pytest.approx(50.0)  # (4 - 1) / 6 * 100
    assert rows[("VA", "hr")]["ci_low"] == pytest.approx(4.0 - 1.96 * 1.2 / math.sqrt(40))
    assert rows[("VA", "acquisition")]["suppressed"] and rows[("VA", "acquisition")]["mean_score"] is None
    va = rows[("VA", "all")]  # acquisition suppressed, financial management not rated: no all-function score
    assert va["suppressed"] and va["mean_score"] is None and va["ci_low"] is None and va["ratings"] == 112
    ag = rows[("AG", "all")]
    assert ag["mean_score"] == pytest.approx((5.0 + 4.5 + 5.5 + 6.0) / 4)  # not weighted by 330/214/310/88
    halves = [1.96 * sd / math.sqrt(n) for sd, n in ((1.0, 330), (1.5, 214), (1.2, 310), (0.9, 88))]
    assert ag["ci_high"] - ag["mean_score"] == pytest.approx(sum(halves) / 4)
    assert ag["respondents"] is None and ag["ratings"] == 942 and ag["functions"] == 4  # 942 ratings, not people
    # the interval is never narrower than every one of its functions' (before #30: respondent-weighted
    # as if independent, narrower than all four)
    assert ag["ci_high"] - ag["ci_low"] >= min(rows[("AG", f)]["ci_high"] - rows[("AG", f)]["ci_low"] for f in funcs)


def test_linkage_pearson_spearman_and_fisher_interval_by_hand():
    """Six agencies, one year: r by the textbook formula, Spearman on ranks (ties averaged), CI by Fisher's z."""
    ex = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    cx = [2.0, 1.0, 4.0, 3.0, 6.0, 6.0]
    n = len(ex)
    mx, my = sum(ex) / n, sum(cx) / n
    r = sum((a - mx) * (b - my) for a, b in zip(ex, cx)) / math.sqrt(sum((a - mx) ** 2 for a in ex) * sum((b - my) ** 2 for b in cx))
    ranks_cx = [2, 1, 4, 3, 5.5, 5.5]
    mr = sum(ranks_cx) / n
    rho = sum((a - 3.5) * (b - mr) for a, b in zip(range(1, 7), ranks_cx)) / math.sqrt(
        sum((a - 3.5) ** 2 for a in range(1, 7)) * sum((b - mr) ** 2 for b in ranks_cx))
    measures = ["ex_index", "eei", "global_satisfaction", "quit_rate", "first_year_attrition_rate", "supervisor_ratio",
                "retirement_eligible_share_est", "cx_index", "cx_trust", "internal_cx_index"]
    cols = {"year": pa.array([2024] * n, pa.int16()), "cx_era": ["a11_v2"] * n, "agency_code": list("ABCDEF")}
    cols |= {m: pa.array([None] * n, pa.float64()) for m in measures}
    cols["ex_index"], cols["cx_index"] = pa.array(ex), pa.array(cx)
    out = [row for row in compute.cx_ex_linkage(pa.table(cols), min_n=5).to_pylist()
           if row["ex_measure"] == "ex_index" and row["cx_measure"] == "cx_index"]
    [row] = out
    assert row["n"] == 6 and row["pearson_r"] == pytest.approx(r) and row["spearman_rho"] == pytest.approx(rho)
    z, se = math.atanh(r), 1 / math.sqrt(n - 3)
    assert row["pearson_ci_low"] == pytest.approx(math.tanh(z - 1.96 * se))
    assert row["pearson_ci_high"] == pytest.approx(math.tanh(z + 1.96 * se))
