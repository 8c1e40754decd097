"""The assessment a leader reads (issue #30), on five agencies small enough to check by hand: peers that
exist, changes like for like, advice only where the evidence is, composites as one finding.

Agencies A-E in FY2024; A and B are `small` (a group of two: under the 3-agency minimum, so they are
compared with all five), C, D and E `large`. Focus-area scores (z) for A..E:
  leadership               -1.0, 0.0, 0.5, 1.0, 1.5   evidence: robust for public CX, r 0.6
  continuous_improvement   -0.2, 0.0, 0.5, 1.0, 1.5   evidence: robust for public CX, r 0.9
  recruitment_retention     2.0, 0.0, 0.5, 1.0, 1.5   evidence: robust for public CX (A is above its peers)
  shared_services          -1.0, 0.0, 0.5, 1.0, 1.5   evidence: robust for internal CX only (built from it)
  standardized_expectations -1.0, 0.0, 0.5, 1.0, 1.5  evidence: not robust
A's peer median is 0.5 (all five). A qualifies on leadership (gap 1.5 × r 0.6 = 0.90) and continuous
improvement (gap 0.7 × r 0.9 = 0.63): leadership first. E, best everywhere, gets "no area qualifies".
"""

from __future__ import annotations

import pytest

from warehouse.assessment import agency_assessment

AGENCIES = "ABCDE"
GROUPS = {(2024, ag): ("small" if ag in "AB" else "large") for ag in AGENCIES}
LEVELS = (0.0, 0.5, 1.0, 1.5)  # B..E
AREAS = {"leadership": -1.0, "continuous_improvement": -0.2, "recruitment_retention": 2.0, "shared_services": -1.0,
         "standardized_expectations": -1.0}
SOURCES = {"leadership": "ex_index_scores", "continuous_improvement": "fevs_item_scores",
           "recruitment_retention": "workforce_metrics", "shared_services": "internal_cx_scores",
           "standardized_expectations": "fevs_item_scores"}
DEFS = [{"focus_area": a, "source_table": t} for a, t in SOURCES.items()]


def _row(year, ag, var, value, basis="", label=None):
    return {"year": year, "agency_code": ag, "variable": var, "kind": "k", "label": label or var, "value": value,
            "role": "outcome", "basis": basis}


def _factor(outcome, candidate, r, rank, robust=True, kind="fevs_index", label=None):
    return {"period": "pooled", "outcome": outcome, "candidate": candidate, "candidate_label": label or candidate,
            "candidate_kind": kind, "pearson_r": r, "q_value": 0.002, "rank": rank, "robust": robust, "n_agencies": 5,
            "fdr_family": f"{outcome} pooled" + (" focus areas" if kind == "focus_area" else "")}


@pytest.fixture(scope="module")
def rows():
    panel = [_row(2024, ag, "internal_cx", v) for ag, v in zip(AGENCIES, (50, 60, 70, 80, 90))]
    panel += [_row(2023, "A", "internal_cx", 45)]
    # trust: FY2023 era 1's rescaled mean, FY2024 era 2's percent favourable — A-11 changed its questions
    panel += [_row(2024, ag, "cx_trust", v, "a11_v2|thumbs_up_down|", "Public trust (A-11 era 2: % favourable)")
              for ag, v in zip(AGENCIES, (37.93, 50, 60, 70, 80))]
    panel += [_row(2023, "A", "cx_trust", 55.32, "a11_v1|likert_1_5_mean|", "Public trust (A-11 era 1: 1-5 mean rescaled to 0-100)")]
    panel += [_row(2024, ag, v, 60 + k, "") for k, ag in enumerate(AGENCIES) for v in ("fevs_index:eei", "fevs_index:eei_supervisors")]
    screen = [_factor("cx_index", "fevs_index:eei", 0.92, 1, label="EEI"),
              _factor("cx_index", "fevs_index:eei_supervisors", 0.91, 2, label="EEI: Supervisors"),
              _factor("cx_index", "focus_area:leadership", 0.6, 3, kind="focus_area"),
              _factor("cx_index", "focus_area:continuous_improvement", 0.9, 4, kind="focus_area"),
              _factor("cx_index", "focus_area:recruitment_retention", 0.8, 5, kind="focus_area"),
              _factor("internal_cx", "focus_area:shared_services", 0.99, 1, kind="focus_area"),
              _factor("cx_index", "focus_area:standardized_expectations", 0.5, 6, robust=False, kind="focus_area")]
    focus = [{"year": 2024, "agency_code": ag, "focus_area": area, "focus_area_label": area.replace("_", " ").capitalize(),
              "score": a_score if ag == "A" else LEVELS["BCDE".index(ag)], "coverage": 1.0, "size_group": GROUPS[(2024, ag)],
              "change_from_prior": None, "change_break": None}
             for ag in AGENCIES for area, a_score in AREAS.items()]
    out = agency_assessment(screen, focus, panel, GROUPS, {"A": "Agency A"}, DEFS, min_peers=3, families={
        "fevs_index:eei_supervisors": "fevs_index:eei"})
    return {ag: [r for r in out if r["agency_code"] == ag] for ag in AGENCIES}


def test_advice_only_below_peers_not_from_the_outcome_and_with_evidence(rows):
    start = [r for r in rows["A"] if r["section"] == "where_to_start"]
    assert [(r["item"], r["outcome"]) for r in start] == [("leadership", "cx_index"), ("continuous_improvement", "cx_index")]
    lead = start[0]
    assert lead["peer_median"] == 0.5 and lead["value"] == -1.0 and lead["comparison_group"] == "all"
    assert (lead["evidence_r"], lead["evidence_q"], lead["evidence_n_agencies"]) == (0.6, 0.002, 5)
    assert lead["evidence_fdr_family"] == "cx_index pooled focus areas"
    assert lead["sentence"] == ("Start with leadership: score -1.00 (z, 0 = average agency; coverage 100%), 1.50 below the "
                                "median and percentile 20 of 5 agencies; across agencies a higher leadership score goes with "
                                "better public CX (pooled r = 0.60, q = 0.002, 5 agencies).")
    # recruitment_retention: above the peers; shared_services: built from internal CX, its only evidence;
    # standardized_expectations: did not pass the screen
    assert not {"recruitment_retention", "shared_services", "standardized_expectations"} & {r["item"] for r in start}


def test_no_area_qualifies_is_said(rows):
    start = [r for r in rows["E"] if r["section"] == "where_to_start"]
    assert len(start) == 1 and start[0]["item"] == "no_area_qualifies" and start[0]["value"] is None
    assert start[0]["sentence"].startswith("No area is both below peers and linked to better CX this year")


def test_a_group_of_two_is_compared_with_all_agencies_and_says_so(rows):
    stand = next(r for r in rows["A"] if r["item"] == "internal_cx")
    assert (stand["comparison_group"], stand["comparison_group_agencies"], stand["percentile_in_size_group"]) == ("all", 5, 20)
    assert "percentile 20 of 5 agencies" in stand["sentence"] and stand["change_from_prior"] == 5
    c = next(r for r in rows["C"] if r["item"] == "internal_cx")  # three large agencies: their own group
    assert (c["comparison_group"], c["comparison_group_agencies"]) == ("large", 3)
    assert "percentile 33 among 3 large agencies" in c["sentence"]


def test_a_change_across_the_era_break_is_not_a_number(rows):
    trust = next(r for r in rows["A"] if r["item"] == "cx_trust")
    assert trust["change_from_prior"] is None and trust["change_break"] == "era"
    assert trust["item_label"] == "Public trust (A-11 era 2: % favourable)"
    assert "not comparable with 2023 (A-11 changed its questions)" in trust["sentence"]
    assert "on the year before" not in trust["sentence"]  # before #30: "-17.39 on the year before"


def test_a_composite_and_its_parts_are_one_finding(rows):
    found = [r for r in rows["A"] if r["section"] == "what_goes_with_better_cx"]
    assert [r["item"] for r in found] == ["fevs_index:eei"]
    assert found[0]["related_items"] == "EEI: Supervisors" and "one finding" in found[0]["sentence"]
    assert (found[0]["evidence_r"], found[0]["evidence_n_agencies"]) == (0.92, 5)


def test_the_report_site_shows_breaks_peer_groups_and_evidence(default_run):
    """The embedded default's site (built by `make run`) reads like the tables: a CX change across the
    FY2024 era break is "not comparable (era)", never a number; focus areas name the group they are
    compared with; advice shows the evidence it rests on."""
    import duckdb

    data_dir = default_run[0]
    pub = data_dir / "publish"
    con = duckdb.connect()
    [(code,)] = con.execute(f"""SELECT min(agency_code) FROM read_parquet('{pub}/agency_scorecard/data.parquet')
                                WHERE cx_break = 'era'""").fetchall()
    page = (pub / "report" / "agency" / f"{code}.html").read_text()
    assert "not comparable (era)" in page
    assert "Compared with" in page
    advice = con.execute(f"""SELECT count(*) FROM read_parquet('{pub}/agency_assessment/data.parquet')
        WHERE agency_code = ? AND evidence_r IS NOT NULL
          AND year = (SELECT max(year) FROM read_parquet('{pub}/agency_assessment/data.parquet') WHERE agency_code = ?)""",
                         [code, code]).fetchone()[0]
    assert page.count("Evidence: ") == advice > 0
