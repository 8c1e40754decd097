"""intent_vs_attrition: FEVS intent-to-leave shares beside the following fiscal year's attrition, and across
agencies their correlations (cx_ex_linkage's rules: Pearson, average-rank Spearman, Fisher-z 95 % interval,
null under 5 agencies).

The inputs are small hand-made tables in the published layouts of fevs_intent_to_leave and workforce_metrics
(their contracts); every expected figure is recomputed here with numpy from the same numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from assets.cross_agency.attrition import compute_intent_vs_attrition

AGENCIES = ["AG", "DJ", "HS", "NN", "TR", "ED", "DL"]
INTENT_ANY = [20.0, 25.0, 31.0, 18.0, 40.0, 27.0, 22.0]
QUITS_FY2024 = [1.1, 1.9, 2.0, 1.0, 3.5, 1.4, 1.6]  # 2023 is fielded in FY2023: it pairs with FY2024


def _intent(rows):
    keys = ["survey_year", "org_level", "agency_code", "question", "respondents", "pct_no", "pct_within_government",
            "pct_outside_government", "pct_other", "pct_any", "suppressed"]
    return pa.Table.from_pylist([dict(zip(keys, r)) for r in rows], schema=pa.schema([
        ("survey_year", pa.int16()), ("org_level", pa.string()), ("agency_code", pa.string()), ("question", pa.string()),
        ("respondents", pa.int64()), *((k, pa.float64()) for k in keys[5:10]), ("suppressed", pa.bool_())]))


def _workforce(rows):
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("fiscal_year", pa.int16()), ("org_level", pa.string()), ("agency_code", pa.string()), ("avg_headcount", pa.float64()),
        ("quit_rate", pa.float64()), ("transfer_out_rate", pa.float64()), ("separation_rate", pa.float64())]))


def _inputs():
    intent = [(2023, "agency", a, "DLEAVING", 100, 100 - x, x / 2, x / 4, x / 4, x, False) for a, x in zip(AGENCIES, INTENT_ANY)]
    intent += [(2023, "agency", "XX", "DLEAVING", 100, 50.0, 20.0, 20.0, 10.0, 50.0, False),       # OPM's pool: not an agency
               (2023, "agency", "FQ", "DLEAVING", 4, None, None, None, None, None, True),          # suppressed
               (2023, "government", "ALL", "DLEAVING", 900, 75.0, 10.0, 10.0, 5.0, 25.0, False)]
    work = [{"fiscal_year": 2024, "org_level": "agency", "agency_code": a, "avg_headcount": 1000.0, "quit_rate": q,
             "transfer_out_rate": q / 2, "separation_rate": q * 3} for a, q in zip(AGENCIES, QUITS_FY2024)]
    work += [{"fiscal_year": 2023, "org_level": "agency", "agency_code": a, "avg_headcount": 1000.0, "quit_rate": 9.0,
              "transfer_out_rate": 9.0, "separation_rate": 9.0} for a in AGENCIES]  # the survey's own year: not used
    return _intent(intent), _workforce(work)


def _ranks(x):
    order = np.argsort(x)
    r = np.empty(len(x))
    r[order] = np.arange(1, len(x) + 1)
    return r  # no ties in these numbers


def test_panel_pairs_the_following_fiscal_year_and_only_agencies():
    out = compute_intent_vs_attrition(*_inputs())["intent_vs_attrition"].to_pylist()
    assert [r["agency_code"] for r in out] == sorted(AGENCIES)
    by = {r["agency_code"]: r for r in out}
    for a, x, q in zip(AGENCIES, INTENT_ANY, QUITS_FY2024):
        assert by[a]["attrition_fiscal_year"] == 2024 and by[a]["pct_intent_any"] == x and by[a]["quit_rate"] == q


def test_correlations_follow_the_linkage_rules():
    corr = {(r["intent_measure"], r["attrition_measure"]): r
            for r in compute_intent_vs_attrition(*_inputs())["intent_vs_attrition_correlations"].to_pylist()}
    got = corr[("any", "quit_rate")]
    r = float(np.corrcoef(INTENT_ANY, QUITS_FY2024)[0, 1])
    rho = float(np.corrcoef(_ranks(INTENT_ANY), _ranks(QUITS_FY2024))[0, 1])
    n = len(AGENCIES)
    assert got["n"] == n and got["attrition_fiscal_year"] == 2024
    assert got["pearson_r"] == pytest.approx(r, abs=1e-12)
    assert got["pearson_ci_low"] == pytest.approx(math.tanh(math.atanh(r) - 1.96 / math.sqrt(n - 3)), abs=1e-12)
    assert got["pearson_ci_high"] == pytest.approx(math.tanh(math.atanh(r) + 1.96 / math.sqrt(n - 3)), abs=1e-12)
    assert got["spearman_rho"] == pytest.approx(rho, abs=1e-12)
    assert len(corr) == 9  # 3 intent shares × 3 rates


def test_fewer_than_five_agencies_give_n_without_coefficients():
    intent, work = _inputs()
    few = compute_intent_vs_attrition(intent.slice(0, 4), work)["intent_vs_attrition_correlations"].to_pylist()
    assert all(r["n"] == 4 and r["pearson_r"] is None and r["spearman_rho"] is None for r in few)
