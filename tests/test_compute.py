"""Formula tests on warehouse/compute.py: the SQL models called directly, results worked by hand."""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warehouse import compute


def test_internal_cx_rescales_suppresses_and_pools_only_published_cells(tmp_path):
    """GSA CSS (1-7): score_100 = (mean - 1) / 6 * 100; cells under min_n are null and stay out of `all`."""
    css = pa.table({"fiscal_year": pa.array([2024] * 3, pa.int16()), "agency_code": ["VA"] * 3,
                    "function": ["hr", "it", "acquisition"], "respondents": pa.array([40, 60, 12], pa.int64()),
                    "mean_score": [4.0, 5.5, 7.0], "score_sd": [1.2, None, 0.5],
                    "source_row": pa.array([2, 3, 4], pa.int32()), "source_file": ["css.csv"] * 3})
    path = tmp_path / "css.parquet"
    pq.write_table(css, path)
    rows = {r["function"]: r for r in compute.internal_cx_scores(path, 30).to_pylist()}
    assert rows["hr"]["score_100"] == pytest.approx(50.0)  # (4 - 1) / 6 * 100
    assert rows["hr"]["ci_low"] == pytest.approx(4.0 - 1.96 * 1.2 / math.sqrt(40))
    assert rows["acquisition"]["suppressed"] and rows["acquisition"]["mean_score"] is None
    pooled = (40 * 4.0 + 60 * 5.5) / 100  # respondent-weighted over hr and it only
    assert rows["all"]["mean_score"] == pytest.approx(pooled) and rows["all"]["respondents"] == 100


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
                "retirement_eligible_share_est", "cx_index", "cx_trust", "internal_cx_index", "internal_cx"]
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
