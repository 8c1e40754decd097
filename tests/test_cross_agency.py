"""Composite indices and the CX-EX linkage on data small enough to check by hand (real DuckDB SQL)."""

from __future__ import annotations

import math
import statistics

import pyarrow as pa
import pytest

from assets.cross_agency.assets import compute_linkage, compute_scorecard
from warehouse.contracts import load


def _table(name: str, rows: list[dict]) -> pa.Table:
    schema = load(name).schema
    full = [{c: r.get(c) for c in schema.names} for r in rows]
    return pa.Table.from_pylist(full, schema=schema)


def _ex(year, agency, index_code, score, n=100):
    return {"survey_year": year, "org_level": "agency", "agency_code": agency, "index_code": index_code, "index_name": index_code,
            "score": score, "items": 15, "respondents": n, "min_item_respondents": n, "suppressed": False}


def _wf(year, agency, quit_rate, headcount=20_000.0):
    return {"fiscal_year": year, "org_level": "agency", "agency_code": agency, "in_lookup": True, "months_observed": 12, "headcount_basis": "monthly snapshots",
            "last_snapshot_yyyymm": year * 100 + 9, "avg_headcount": headcount, "end_headcount": int(headcount),
            "quit_rate": quit_rate, "separations": 0, "quits": 0, "retirements": 0, "transfers_out": 0, "new_hires": 0,
            "transfers_in": 0, "first_year_separations": 0, "first_year_quits_removals": 0, "supervisors": 0, "non_supervisors": 0,
            "retirement_eligible_est": 0, "suppressed_cells": 0}


def _sources(ex, wf, cx=(), css=()):
    return {"ex_index_scores": _table("ex_index_scores", ex), "workforce_metrics": _table("workforce_metrics", wf),
            "workforce_agencies": load("workforce_agencies").schema.empty_table(),
            "cx_index_scores": _table("cx_index_scores", list(cx)), "internal_cx_scores": _table("internal_cx_scores", list(css))}


@pytest.fixture(scope="module")
def scorecard_sources():
    ex = [_ex(2024, "AG", "eei", 60), _ex(2024, "CM", "eei", 70), _ex(2024, "DJ", "eei", 80), _ex(2024, "XX", "eei", 100),
          _ex(2023, "AG", "eei", 70), _ex(2023, "CM", "eei", 70), _ex(2023, "DJ", "eei", 60)]
    wf = [_wf(2024, "AG", 10.0), _wf(2024, "CM", 5.0, 5_000.0), _wf(2024, "DJ", 0.0), _wf(2023, "NN", 3.0)]
    return _sources(ex, wf)


@pytest.fixture(scope="module")
def scorecard(scorecard_sources):
    """FY2024: EEI 60/70/80 (z = -1, 0, +1), quit rate 10/5/0 (z after direction = -1, 0, +1).

    EEI weighs 2 and quit rate 1 of the EX family's 6: coverage 0.5 (the bar is set at 0.3 here).
    XX (pooled, EEI 100) must not move anyone's z. FY2023 has EEI 70/70/60 for AG/CM/DJ (coverage
    1/3), for the deltas; NN has only a quit rate in FY2023, reported by no other agency: a
    component fewer than 3 agencies report cannot be normalized, so NN's coverage is 0.
    """
    sources = scorecard_sources
    t = compute_scorecard(sources, 0.3)
    strict = compute_scorecard(sources, 0.6)  # 2024's coverage is 0.5: below this bar, no index at all
    assert all(r["ex_index"] is None for r in strict.to_pylist() if r["year"] == 2024)
    return {(r["year"], r["agency_code"]): r for r in t.to_pylist()}


def test_zscores_directions_and_weights(scorecard):
    ag, cm, dj = (scorecard[(2024, a)] for a in ("AG", "CM", "DJ"))
    assert ag["ex_index"] == pytest.approx((2 * -1 + 1 * -1) / 3)
    assert cm["ex_index"] == pytest.approx(0.0, abs=1e-12) and dj["ex_index"] == pytest.approx(1.0)
    assert ag["contrib_eei"] == pytest.approx(-2 / 3) and ag["contrib_quit_rate"] == pytest.approx(-1 / 3)
    assert ag["contrib_eei"] + ag["contrib_quit_rate"] == pytest.approx(ag["ex_index"])
    assert ag["ex_coverage"] == pytest.approx(3 / 5.5) and ag["ex_components"] == 2  # EX weights: 2+1+1+1+0.5
    assert ag["quit_rate"] == 10.0 and ag["eei"] == 60.0  # raw components published beside their z-based use


def test_ranks_percentiles_and_size_groups(scorecard):
    assert [scorecard[(2024, a)]["ex_rank"] for a in ("DJ", "CM", "AG")] == [1, 2, 3]
    assert scorecard[(2024, "DJ")]["ex_percentile"] == pytest.approx(100.0)
    assert scorecard[(2024, "AG")]["ex_percentile"] == pytest.approx(100 / 3)
    assert scorecard[(2024, "CM")]["size_group"] == "midsize" and scorecard[(2024, "AG")]["size_group"] == "large"
    # a size group of two (AG, DJ large) and one of one (CM midsize): under the 3-agency minimum the
    # rank is over all agencies, and the row says so (before #30: CM "1 in its size group", alone)
    for a, rank in (("DJ", 1), ("CM", 2), ("AG", 3)):
        row = scorecard[(2024, a)]
        assert (row["ex_rank_in_size_group"], row["ex_peer_group"], row["ex_peer_group_agencies"]) == (rank, "all", 3)


def test_a_size_group_with_enough_peers_ranks_within_itself(scorecard_sources):
    card = {(r["year"], r["agency_code"]): r for r in compute_scorecard(scorecard_sources, 0.3, min_peers=2).to_pylist()}
    assert (card[(2024, "AG")]["ex_rank_in_size_group"], card[(2024, "AG")]["ex_peer_group"]) == (2, "large")
    assert card[(2024, "AG")]["ex_peer_group_agencies"] == 2
    assert (card[(2024, "CM")]["ex_rank_in_size_group"], card[(2024, "CM")]["ex_peer_group"]) == (2, "all")


def test_pooled_group_is_neither_scored_nor_ranked(scorecard):
    assert (2024, "XX") not in scorecard


def test_missing_components_are_explicit_not_imputed(scorecard):
    nn = scorecard[(2023, "NN")]
    assert nn["ex_index"] is None and nn["ex_rank"] is None and nn["ex_coverage"] == 0
    assert nn["eei"] is None and nn["quit_rate"] == 3.0 and nn["size_group"] == "large"


def test_a_change_of_components_between_two_years_is_no_change(scorecard):
    """FY2023's EX index is EEI alone, FY2024's EEI and quit rate: the two are not the same measure, so
    ex_delta is null with ex_break `components` (published as -1.58 for AG before #30); the EEI points
    change, one measure in both years, stays."""
    z23 = {"AG": (70 - 200 / 3) / statistics.stdev([70, 70, 60])}
    assert scorecard[(2023, "AG")]["ex_index"] == pytest.approx(z23["AG"])
    assert scorecard[(2023, "AG")]["ex_component_set"] == "eei"
    assert scorecard[(2024, "AG")]["ex_component_set"] == "eei,quit_rate"
    for a in ("AG", "CM", "DJ"):
        assert scorecard[(2024, a)]["ex_delta"] is None and scorecard[(2024, a)]["ex_break"] == "components"
    assert scorecard[(2024, "AG")]["eei_delta_points"] == -10
    assert scorecard[(2023, "AG")]["ex_delta"] is None and scorecard[(2023, "AG")]["ex_break"] is None


def test_deltas_compare_like_for_like():
    """The same two components in both years: ex_delta = this year's index − last year's, no break."""
    ex = [_ex(y, a, "eei", v) for y, vals in ((2023, (60, 70, 80)), (2024, (70, 60, 80))) for a, v in zip(("AG", "CM", "DJ"), vals)]
    card = {(r["year"], r["agency_code"]): r for r in compute_scorecard(_sources(ex, []), 0.3).to_pylist()}
    assert card[(2024, "AG")]["ex_delta"] == pytest.approx(0 - (-1)) and card[(2024, "AG")]["ex_break"] is None
    assert card[(2024, "CM")]["ex_delta"] == pytest.approx(-1 - 0)


def test_linkage_correlations_match_an_independent_computation():
    x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    y = [2.0, 1.0, 4.0, 3.0, 6.0, 8.0]
    rows = [{"year": 2024, "agency_code": f"A{i}", "ex_index": xi, "cx_index": yi, "eei": 60 + xi}
            for i, (xi, yi) in enumerate(zip(x, y))]
    rows.append({"year": 2024, "agency_code": "Z9", "ex_index": 9.0, "cx_index": None})  # no CX: not a pair
    card = pa.Table.from_pylist([{c: r.get(c) for c in load("agency_scorecard").column_names if c not in
                                  ("source", "source_file", "source_sha256", "source_is_sample", "source_retrieved_at",
                                   "pipeline_version", "run_id")} for r in rows],
                                schema=pa.schema([f for f in load("agency_scorecard").schema if f.name not in
                                                  ("source", "source_file", "source_sha256", "source_is_sample",
                                                   "source_retrieved_at", "pipeline_version", "run_id")]))
    link = {(r["ex_measure"], r["cx_measure"]): r for r in compute_linkage(card).to_pylist()}
    r = link[("ex_index", "cx_index")]
    expected = statistics.correlation(x, y)
    assert r["n"] == 6 and r["pearson_r"] == pytest.approx(expected)
    z, se = math.atanh(expected), 1 / math.sqrt(6 - 3)
    assert r["pearson_ci_low"] == pytest.approx(math.tanh(z - 1.96 * se))
    assert r["pearson_ci_high"] == pytest.approx(math.tanh(z + 1.96 * se))
    rho = statistics.correlation(x, [2, 1, 4, 3, 5, 6])  # ranks of y
    assert r["spearman_rho"] == pytest.approx(rho)
    # Spearman: the Fieller-Hartley-Pearson standard error sqrt(1.06 / (n - 3)), not Pearson's 1 / sqrt(n - 3)
    assert r["spearman_ci_low"] == pytest.approx(math.tanh(math.atanh(rho) - 1.96 * math.sqrt(1.06 / 3)))
    assert r["spearman_ci_high"] == pytest.approx(math.tanh(math.atanh(rho) + 1.96 * math.sqrt(1.06 / 3)))
    # internal_cx_index is internal_cx's z-score: one pair of rows, not two identical ones
    assert not any(m == "internal_cx" for _, m in link)
    assert link[("eei", "cx_index")]["pearson_r"] == pytest.approx(expected)  # a shift does not change r
    few = compute_linkage(card.slice(0, 4))
    assert {r["n"] for r in few.to_pylist()} == {4} and all(r["pearson_r"] is None for r in few.to_pylist())


def test_a_rerun_on_the_same_tables_gives_the_same_floats_to_the_last_bit(default_run):
    """The cross-agency models run on one DuckDB thread (warehouse/compute.py ONE_THREAD): on the shared
    database's threads the scorecard, linkage and factor tables of two runs of the sample differed by up
    to 2e-15 (parallel partial sums added in the order the threads finished). Six computations from the
    embedded default's published tables must be identical, bit for bit."""
    from assets.cross_agency.assets import _sources
    from assets.cross_agency.factors import factor_inputs
    from warehouse.layout import DataLayout
    from warehouse.publish import LocalStore

    store = LocalStore(DataLayout(default_run[0]).publish_root)
    sources = _sources(store, None)
    cards = [compute_scorecard(sources, 0.5) for _ in range(6)]
    assert all(c.equals(cards[0]) for c in cards[1:])
    links = [compute_linkage(cards[0]) for _ in range(6)]
    assert all(t.equals(links[0]) for t in links[1:])
    assert links[0].num_rows and any(isinstance(v, float) for v in links[0].column("pearson_r").to_pylist())
    inputs = [factor_inputs(store) for _ in range(3)]
    assert all(i["panel"] == inputs[0]["panel"] and i["correlations"] == inputs[0]["correlations"] for i in inputs[1:])


def _cx(year, agency, index_code, score, z, era, scale, n=500):
    return {"fiscal_year": year, "agency_code": agency, "index_code": index_code, "era": era, "scale": scale,
            "scale_break": False, "headline": True, "score": score, "se": 1.0, "score_within_scale_z": z,
            "ci_low": score - 2, "ci_high": score + 2, "ci_method": "binomial", "services": 1, "service_quarters": 4,
            "responses": n, "suppressed": False}


def test_an_era_break_and_a_scale_change_are_no_change():
    """FY2023 trust is era 1's rescaled 1-5 mean, FY2024 era 2's percent favourable (A-11 changed its
    questions): neither cx_delta nor cx_trust_delta_points crosses that (before #30: -17.39 points for
    CM). FY2024 → FY2025 within era 2: DJ's trust moves from thumbs-up to a 5-point scale (`scale`);
    AG and CM stay on one scale, and their changes are published."""
    cx = [_cx(2023, a, "cx_trust", v, z, "a11_v1", "likert_1_5_mean") for a, v, z in (("AG", 70, -1), ("CM", 55.3, 0), ("DJ", 80, 1))]
    cx += [_cx(2024, a, "cx_trust", v, z, "a11_v2", "thumbs_up_down") for a, v, z in (("AG", 60, -1), ("CM", 37.93, 0.5), ("DJ", 70, 0.5))]
    cx += [_cx(2025, a, "cx_trust", v, z, "a11_v2", "likert_scale" if a == "DJ" else "thumbs_up_down")
           for a, v, z in (("AG", 62, -1.2), ("CM", 40, 0.2), ("DJ", 75, 1.0))]
    card = {(r["year"], r["agency_code"]): r for r in compute_scorecard(_sources([], [], cx), 0.3).to_pylist()}
    cm24 = card[(2024, "CM")]
    assert cm24["cx_index"] is not None and cm24["cx_delta"] is None and cm24["cx_break"] == "era"
    assert cm24["cx_trust_delta_points"] is None and cm24["cx_trust_break"] == "era" and cm24["cx_trust"] == 37.93
    dj25, ag25 = card[(2025, "DJ")], card[(2025, "AG")]
    assert dj25["cx_delta"] is None and dj25["cx_break"] == "scale" and dj25["cx_trust_break"] == "scale"
    assert dj25["cx_trust_scale"] == "likert_scale" and dj25["cx_trust_delta_points"] is None
    assert ag25["cx_break"] is None and ag25["cx_trust_delta_points"] == pytest.approx(2)
    assert ag25["cx_delta"] == pytest.approx(ag25["cx_index"] - card[(2024, "AG")]["cx_index"])
    # the z-scores come from score_within_scale_z, not from the mixed 0-100 scores
    z24 = [-1, 0.5, 0.5]
    assert card[(2024, "AG")]["cx_index"] == pytest.approx((-1 - statistics.mean(z24)) / statistics.stdev(z24))
