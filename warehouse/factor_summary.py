"""`make run`'s headline for the factor screen and the assessment (read from the analysts' catalog)."""

from __future__ import annotations

FEATURED_OUTCOMES = ("internal_cx", "cx_index", "cx_trust")


def factor_summary(con, top: int = 3) -> list[str]:
    """The top robust pooled factors per outcome, and one agency's assessment for the latest year."""
    lines = []
    sample = con.execute("SELECT bool_or(source_is_sample) FROM ex_cx_factors").fetchone()[0]
    lines.append("Factors that go with better CX (pooled over years, robust: q < 0.05, stable sign, survives size control)"
                 + (" (SAMPLE data: the planted structure)" if sample else "") + ":")
    for outcome in FEATURED_OUTCOMES:
        rows = con.execute("""SELECT candidate, pearson_r, q_value, n_agencies, count(*) OVER () FROM ex_cx_factors
                              WHERE period = 'pooled' AND outcome = ? AND robust AND candidate_kind <> 'focus_area'
                              ORDER BY rank LIMIT ?""", [outcome, top]).fetchall()
        tested = con.execute("SELECT count(*) FROM ex_cx_factors WHERE period = 'pooled' AND outcome = ? AND pearson_r IS NOT NULL "
                             "AND candidate_kind <> 'focus_area'", [outcome]).fetchone()[0]  # focus areas: the advice's evidence
        if not tested:
            continue
        found = ", ".join(f"{c} (r {r:+.2f}, q {q:.1g})" for c, r, q, _, _ in rows) or "none"
        total = rows[0][4] if rows else 0
        lines.append(f"  {outcome}: {total} robust of {tested} tested; top: {found}")
    # the latest year's agency with the most to read: every outcome, then values on the factors
    pick = con.execute("""SELECT agency_code, year FROM agency_assessment
                          WHERE year = (SELECT max(year) FROM agency_assessment WHERE section = 'what_goes_with_better_cx')
                          GROUP BY ALL ORDER BY count(*) FILTER (WHERE section = 'where_we_stand') DESC, count(value) DESC,
                                                agency_code LIMIT 1""").fetchone()
    if pick:
        agency, year = pick
        lines.append(f"Assessment, {agency} FY{year} (agency_assessment):")
        for section, sentence in con.execute("""SELECT section, sentence FROM agency_assessment WHERE agency_code = ? AND year = ?
                                                ORDER BY section_order, item_order""", [agency, year]).fetchall():
            lines.append(f"  [{section}] {sentence}")
    return lines
