"""The report's FEVS additions (issue #31): whether intent to leave comes true (overview), and the trend of
the items behind each index (agency pages), each with its numbers in a table under it.

Read from the published tables only: intent_vs_attrition(_correlations), fevs_item_scores (its
question_id follows one question across OPM's renumbering) and dim_fevs_item (which items feed which
index each year).
"""

from __future__ import annotations

from . import charts
from .data import rows

TREND_INDICES = (("eei_leaders_lead", "Leaders lead"), ("eei_supervisors", "Supervisors"),
                 ("eei_intrinsic_work_experience", "Intrinsic work experience"), ("global_satisfaction", "Global Satisfaction"),
                 ("performance_confidence", "Performance Confidence"), ("employee_experience", "Employee Experience"))


def intent_block(con, present: set[str]) -> dict | None:
    """The latest survey year with attrition to compare: each agency's intent to leave (any reason) against
    its quit rate in the following fiscal year, and the cross-agency correlation with its interval and n."""
    if "intent_vs_attrition" not in present:
        return None
    year = con.execute("SELECT max(survey_year) FROM intent_vs_attrition WHERE quit_rate IS NOT NULL").fetchone()[0]
    if year is None:
        return {"year": None}
    pts = rows(con, """SELECT agency_code, agency_name, attrition_fiscal_year, pct_intent_any, quit_rate, transfer_out_rate,
                              separation_rate FROM intent_vs_attrition
                       WHERE survey_year = ? AND quit_rate IS NOT NULL AND pct_intent_any IS NOT NULL ORDER BY agency_code""", [year])
    link = None
    if "intent_vs_attrition_correlations" in present:
        found = rows(con, """SELECT n, pearson_r, pearson_ci_low, pearson_ci_high FROM intent_vs_attrition_correlations
                             WHERE survey_year = ? AND intent_measure = 'any' AND attrition_measure = 'quit_rate'""", [year])
        link = found[0] if found else None
    fy = pts[0]["attrition_fiscal_year"] if pts else None
    sentence = f"{len(pts)} agencies have both intent to leave in FEVS {year} and a quit rate in fiscal {fy}."
    if link and link["pearson_r"] is not None:
        sentence += (f" Pearson r = {link['pearson_r']:.2f} (95% interval {link['pearson_ci_low']:.2f} to "
                     f"{link['pearson_ci_high']:.2f}, n = {link['n']} agencies): an association across agencies, not a "
                     "prediction for a person.")
    for p in pts:
        p["size_group"] = "unknown"  # one trace: the chart compares agencies, not size groups
    figure = charts.scatter(pts, "pct_intent_any", "quit_rate", f"Considering leaving, FEVS {year} (%)",
                            f"Quit rate, fiscal {fy} (per 100 on board)") if pts else None
    if figure:
        figure["layout"]["showlegend"] = False  # one trace of agencies (size groups are not compared here)
    return {"year": year, "fiscal_year": fy, "points": pts, "sentence": sentence, "figure": figure}


def item_trends(con, present: set[str]) -> dict[str, list[dict]] | None:
    """{agency: per index, the agency's percent positive of each question behind it over the survey years (one
    line per question, followed across OPM's renumbering by question_id)}, read in one query for every agency."""
    if not {"fevs_item_scores", "dim_fevs_item"} <= present:
        return None
    by_agency: dict[str, list[dict]] = {}
    for r in rows(con, """WITH members AS (
                             SELECT DISTINCT trim(ix) AS index_code, question_id FROM dim_fevs_item,
                                    unnest(string_split(index_codes, ',')) AS t(ix) WHERE question_id IS NOT NULL)
                         SELECT s.agency_code, m.index_code, s.question_id, s.survey_year, s.item, s.pct_positive,
                                s.suppressed, d.wording
                         FROM fevs_item_scores s JOIN members m USING (question_id)
                         JOIN dim_fevs_item d ON d.survey_year = s.survey_year AND d.item = s.item
                         WHERE s.org_level = 'agency'
                         ORDER BY s.agency_code, m.index_code, s.question_id, s.survey_year"""):
        by_agency.setdefault(r["agency_code"], []).append(r)
    return {code: _trends(found) for code, found in by_agency.items()}


def _trends(found: list[dict]) -> list[dict]:
    out = []
    for index_code, title in TREND_INDICES:
        mine = [r for r in found if r["index_code"] == index_code]
        if not mine:
            continue
        years = sorted({r["survey_year"] for r in mine})
        questions: dict[str, dict] = {}
        for r in mine:
            q = questions.setdefault(r["question_id"], {"wording": r["wording"], "by_year": {}})
            q["by_year"][r["survey_year"]] = (r["pct_positive"], r["suppressed"], r["item"])
        lines = [{"name": _short(q["wording"]), "x": years,
                  "y": [q["by_year"][y][0] if y in q["by_year"] and not q["by_year"][y][1] else None for y in years]}
                 for q in questions.values()]
        out.append({"key": f"items-{index_code}", "title": f"{title}: the items behind the index", "years": years,
                    "questions": list(questions.values()), "figure": charts.lines(lines, "% positive (0-100)")})
    return out


def _short(wording: str, n: int = 48) -> str:
    return wording if len(wording) <= n else wording[: n - 1].rstrip() + "…"
