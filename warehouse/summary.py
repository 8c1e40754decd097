"""The summary `make run` prints: what was published, the checks that ran, and each source's headlines.

Every year is labelled by what it was computed from (`landed` file or generated `SAMPLE`), agencies
are named (the short names of dim_agency), and correlations that say the same thing once are printed
once (`internal_cx` and `internal_cx_index` are the same single component).
"""

from __future__ import annotations

from warehouse.report.quality import check_counts  # noqa: F401  (the quality page counts the same way)


def summary(cxex, checks=()) -> str:
    """What was published and its headlines, from the `cxex` resource's data directory and store."""
    from warehouse.catalog import connect

    layout, store = cxex.layout, cxex.store
    manifest = store.read_manifest()
    lines = [f"Published tables ({store}):"]
    for name, t in sorted(manifest["tables"].items()):
        lines.append(f"  {name:<20} {t['rows']:>9,} rows  version {t['version']}")
    if checks:
        c = check_counts(checks)
        lines.append(f"Checks: {c['run']} run, {c['passed']} passed, {c['warned']} warned, {c['failed']} failed")
    lines.append(f"Analysts' shell: make sql (the catalog {layout.warehouse_file}, read-only, from any folder or DuckDB tool; "
                 "make sql Q=\"select * from dim_agency\" FORMAT=csv prints every row)")
    from warehouse.report import site_index

    if index := site_index(store):
        lines.append(f"Report site: {index}")
    if not layout.warehouse_file.exists():  # nothing was ever published here
        return "\n".join(lines)
    con = connect(layout.warehouse_file, cxex.publish_url)  # one read-only connection for every headline
    try:
        views = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        names = _names(con, views)
        for view, headline in (("ex_index_scores", _fevs_summary), ("workforce_metrics", _workforce_summary),
                               ("cx_index_scores", _cx_summary), ("agency_scorecard", _scorecard_summary)):
            if view in views:
                lines += headline(con, names)
        if "agency_assessment" in views:
            from warehouse.factor_summary import factor_summary

            lines += factor_summary(con)
    finally:
        con.close()
    if any("SAMPLE data" in line for line in lines):
        lines.append("SAMPLE data: the bundled synthetic extracts, not the publishers' figures; land real files to replace them")
    return "\n".join(lines)


def _names(con, views: set[str]) -> dict[str, str]:
    """Agency code -> short name (dim_agency), the code itself where there is none."""
    if "dim_agency" not in views:
        return {}
    return dict(con.execute("SELECT agency_code, short_name FROM dim_agency").fetchall())


def source_label(con, table: str, year_col: str, years: list) -> str:
    """` (SAMPLE data ...)`, ` (landed files)` or a per-year mix, for the rows of `years` in `table`."""
    rows = con.execute(f"SELECT {year_col}, bool_or(source_is_sample) FROM {table} WHERE {year_col} IN "
                       f"(SELECT unnest(?)) GROUP BY 1 ORDER BY 1", [years]).fetchall()
    sample = [str(y) for y, s in rows if s]
    landed = [str(y) for y, s in rows if not s]
    if sample and not landed:
        return " (SAMPLE data)"
    if landed and not sample:
        return " (landed files)"
    return f" (SAMPLE data for {', '.join(sample)}; landed files for {', '.join(landed)})"


def _name(names: dict[str, str], code: str) -> str:
    return names.get(code, code)


def _scorecard_summary(con, names) -> list[str]:
    year = con.execute("SELECT max(year) FROM agency_scorecard WHERE ex_index IS NOT NULL").fetchone()[0]
    if year is None:
        return []
    top = con.execute("""SELECT agency_code, round(ex_index, 2), round(eei_delta_points, 1) FROM agency_scorecard
                         WHERE year = ? AND ex_index IS NOT NULL ORDER BY ex_rank LIMIT 5""", [year]).fetchall()
    link = con.execute("""SELECT cx_measure, n, round(pearson_r, 2), round(pearson_ci_low, 2), round(pearson_ci_high, 2)
                          FROM cx_ex_linkage WHERE year = ? AND ex_measure = 'ex_index' AND pearson_r IS NOT NULL
                          ORDER BY cx_measure""", [year]).fetchall()
    lines = [f"Agency scorecard FY{year}{source_label(con, 'agency_scorecard', 'year', [year])}, "
             "EX index (z, 0 = average agency): "
             + ", ".join(f"{_name(names, a)} {v:+}" for a, v, _ in top)]
    seen: dict[tuple, list[str]] = {}
    for measure, n, r, lo, hi in link:  # one line per distinct correlation; measures that coincide share it
        seen.setdefault((n, r, lo, hi), []).append(measure)
    for (n, r, lo, hi), measures in seen.items():
        lines.append(f"  EX index vs {' = '.join(measures)}: r = {r} (95% CI {lo} to {hi}, n = {n} agencies)")
    return lines


def _cx_summary(con, names) -> list[str]:
    row = con.execute("""SELECT max(fiscal_year), arg_max(era, fiscal_year) FROM cx_index_scores
                         WHERE index_code = 'cx_trust' AND NOT suppressed AND headline""").fetchone()
    if row[0] is None:
        return []
    ranked = con.execute("""SELECT agency_code, round(score, 1), scale FROM cx_index_scores
                            WHERE fiscal_year = ? AND index_code = 'cx_trust' AND NOT suppressed AND headline
                            ORDER BY score DESC, agency_code""", [row[0]]).fetchall()
    label = source_label(con, "cx_index_scores", "fiscal_year", [row[0]])
    measure = "percent favourable" if row[1] == "a11_v2" else "1-5 mean rescaled to 0-100"
    return [f"CX trust ({measure}), FY{row[0]}{label}: " + ", ".join(f"{_name(names, a)} {s} [{sc}]" for a, s, sc in ranked)]


def _fevs_summary(con, names) -> list[str]:
    years = [y for (y,) in con.execute("SELECT DISTINCT survey_year FROM ex_index_scores ORDER BY 1").fetchall()]
    year = years[-1]
    gov = con.execute("SELECT score FROM ex_index_scores WHERE survey_year = ? AND org_level = 'government' "
                      "AND index_code = 'eei'", [year]).fetchone()
    ranked = con.execute("""
        SELECT agency_code, round(score, 1), respondents FROM ex_index_scores
        WHERE survey_year = ? AND org_level = 'agency' AND index_code = 'eei'
          AND NOT suppressed AND agency_code <> 'XX'
        ORDER BY score DESC, agency_code""", [year]).fetchall()
    n_supp = con.execute("SELECT count(*) FROM ex_index_scores WHERE survey_year = ? AND org_level = 'agency' "
                         "AND index_code = 'eei' AND suppressed", [year]).fetchone()[0]
    lines = [f"Employee Engagement Index, {year}{source_label(con, 'ex_index_scores', 'survey_year', [year])}: "
             f"governmentwide {gov[0]:.1f}"]
    if ranked:
        lines.append("  top:    " + ", ".join(f"{_name(names, a)} {s}" for a, s, _ in ranked[:3]))
        lines.append("  bottom: " + ", ".join(f"{_name(names, a)} {s}" for a, s, _ in ranked[-3:]))
    lines.append(f"  {len(ranked)} agencies ranked; {n_supp} suppressed (fewer than the threshold of respondents)")
    if len(years) > 1:
        lines.append(f"  survey years {years[0]}-{years[-1]}: {source_label(con, 'ex_index_scores', 'survey_year', years).strip(' ()')}")
    return lines


def _workforce_summary(con, names) -> list[str]:
    lines = []
    fy = con.execute("SELECT max(fiscal_year) FROM workforce_metrics "
                     "WHERE headcount_basis IN ('monthly snapshots', 'quarterly snapshots')").fetchone()[0]
    if fy is not None:
        w = con.execute("""SELECT avg_headcount, quit_rate, separation_rate, first_year_attrition_rate, supervisor_ratio,
                                  retirement_eligible_share_est
                           FROM workforce_metrics WHERE fiscal_year = ? AND org_level = 'government'""", [fy]).fetchone()
        label = source_label(con, "workforce_metrics", "fiscal_year", [fy])
        fmt = lambda v, f: "n/a" if v is None else format(v, f)  # noqa: E731
        lines.append(f"Workforce, FY{fy}{label}: {w[0]:,.0f} on board on average; quit rate {fmt(w[1], '.1f')}%, "
                     f"separation rate {fmt(w[2], '.1f')}%, first-year attrition {fmt(w[3], '.1f')}%, "
                     f"{fmt(w[4], '.1f')} non-supervisors per supervisor, "
                     f"{fmt(w[5], '.1f')}% estimated retirement-eligible")
    return lines
