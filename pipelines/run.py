"""`make run`: materialize every asset on the configured data directory and print a summary.

Runs each FEVS survey year as its own partitioned run of the `fevs_yearly` job, then the
`publish` job, all recorded in the Dagster instance at $DAGSTER_HOME (so `make ui` shows them).
Re-running is safe: inputs are re-read, outputs are replaced atomically, nothing is appended.
Exits non-zero, with the failing check's message, if any year fails; publication then does not run
and the previously published tables stay as they were.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


def _instance():
    from dagster import DagsterInstance

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return DagsterInstance.ephemeral()
    Path(home).mkdir(parents=True, exist_ok=True)
    cfg = Path(home) / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text("telemetry:\n  enabled: false\n")
    return DagsterInstance.get()


def summary(cxex) -> str:
    """What was published and its headlines, from the `cxex` resource's data directory and store."""
    from warehouse.catalog import connect

    layout, store = cxex.layout, cxex.store
    manifest = store.read_manifest()
    lines = [f"Published tables ({store}):"]
    for name, t in sorted(manifest["tables"].items()):
        lines.append(f"  {name:<20} {t['rows']:>9,} rows  version {t['version']}")
    lines.append(f"Analysts' catalog: duckdb -readonly {layout.warehouse_file}")
    con = connect(layout.warehouse_file, cxex.publish_url)  # one read-only connection for every headline
    try:
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        for view, headline in (("ex_index_scores", _fevs_summary), ("workforce_metrics", _workforce_summary),
                               ("cx_index_scores", _cx_summary), ("agency_scorecard", _scorecard_summary)):
            if view in views:
                lines += headline(con)
    finally:
        con.close()
    return "\n".join(lines)


def _scorecard_summary(con) -> list[str]:
    year = con.execute("SELECT max(year) FROM agency_scorecard WHERE ex_index IS NOT NULL").fetchone()[0]
    if year is None:
        return []
    top = con.execute("""SELECT agency_code, round(ex_index, 2), cx_rank FROM agency_scorecard
                         WHERE year = ? AND ex_index IS NOT NULL ORDER BY ex_rank LIMIT 5""", [year]).fetchall()
    link = con.execute("""SELECT cx_measure, n, round(pearson_r, 2), round(pearson_ci_low, 2), round(pearson_ci_high, 2)
                          FROM cx_ex_linkage WHERE year = ? AND ex_measure = 'ex_index' AND pearson_r IS NOT NULL
                          ORDER BY cx_measure""", [year]).fetchall()
    lines = [f"Agency scorecard {year}, EX index (z, 0 = average agency): " + ", ".join(f"{a} {v:+}" for a, v, _ in top)]
    for measure, n, r, lo, hi in link:
        lines.append(f"  EX index vs {measure}: r = {r} (95% CI {lo} to {hi}, n = {n} agencies)")
    return lines


def _cx_summary(con) -> list[str]:
    row = con.execute("""SELECT max(fiscal_year), bool_or(source_is_sample), arg_max(era, fiscal_year) FROM cx_index_scores
                         WHERE index_code = 'cx_trust' AND NOT suppressed AND headline""").fetchone()
    if row[0] is None:
        return []
    ranked = con.execute("""SELECT agency_code, round(score, 1), scale FROM cx_index_scores
                            WHERE fiscal_year = ? AND index_code = 'cx_trust' AND NOT suppressed AND headline
                            ORDER BY score DESC, agency_code""", [row[0]]).fetchall()
    label = " (SAMPLE data)" if row[1] else ""
    measure = "percent favourable" if row[2] == "a11_v2" else "1-5 mean rescaled to 0-100"
    return [f"CX trust ({measure}), FY{row[0]}{label}: " + ", ".join(f"{a} {s} [{sc}]" for a, s, sc in ranked)]


def _fevs_summary(con) -> list[str]:
    lines = []
    year, any_sample = con.execute(
        "SELECT max(survey_year), bool_or(source_is_sample) FROM ex_index_scores").fetchone()
    gov = con.execute("SELECT score FROM ex_index_scores WHERE survey_year = ? AND org_level = 'government' "
                      "AND index_code = 'eei'", [year]).fetchone()
    ranked = con.execute("""
        SELECT agency_code, round(score, 1), respondents FROM ex_index_scores
        WHERE survey_year = ? AND org_level = 'agency' AND index_code = 'eei'
          AND NOT suppressed AND agency_code <> 'XX'
        ORDER BY score DESC, agency_code""", [year]).fetchall()
    n_supp = con.execute("SELECT count(*) FROM ex_index_scores WHERE survey_year = ? AND org_level = 'agency' "
                         "AND index_code = 'eei' AND suppressed", [year]).fetchone()[0]
    label = " (SAMPLE data: synthetic, not OPM's figures)" if any_sample else ""
    lines.append(f"Employee Engagement Index, {year}{label}: governmentwide {gov[0]:.1f}")
    if ranked:
        lines.append("  top:    " + ", ".join(f"{a} {s}" for a, s, _ in ranked[:3]))
        lines.append("  bottom: " + ", ".join(f"{a} {s}" for a, s, _ in ranked[-3:]))
    lines.append(f"  {len(ranked)} agencies ranked; {n_supp} suppressed (fewer than the threshold of respondents)")
    return lines


def _workforce_summary(con) -> list[str]:
    lines = []
    fy = con.execute("SELECT max(fiscal_year) FROM workforce_metrics WHERE months_observed = 12").fetchone()[0]
    if fy is not None:
        w = con.execute("""SELECT avg_headcount, quit_rate, separation_rate, first_year_attrition_rate, supervisor_ratio,
                                  retirement_eligible_share_est, bool_or(source_is_sample) OVER ()
                           FROM workforce_metrics WHERE fiscal_year = ? AND org_level = 'government'""", [fy]).fetchone()
        label = " (SAMPLE data)" if w[6] else ""
        fmt = lambda v, f: "n/a" if v is None else format(v, f)  # noqa: E731
        lines.append(f"Workforce, FY{fy}{label}: {w[0]:,.0f} on board on average; quit rate {fmt(w[1], '.1f')}%, "
                     f"separation rate {fmt(w[2], '.1f')}%, first-year attrition {fmt(w[3], '.1f')}%, "
                     f"{fmt(w[4], '.1f')} non-supervisors per supervisor, "
                     f"{fmt(w[5], '.1f')}% estimated retirement-eligible")
    return lines


QUIET = {"loggers": {"console": {"config": {"log_level": os.environ.get("CXEX_LOG_LEVEL", "WARNING")}}}}


def main() -> int:
    from assets.cx import available_css_years, available_quarters
    from assets.sources.fevs_prdf import available_years
    from assets.sources.workforce_files import available_months
    from pipelines.alerts import failure_messages, warning_messages
    from pipelines.definitions import build_definitions
    from pipelines.jobs import A11_QUARTERLY_JOB, CSS_YEARLY_JOB, FEVS_YEARLY_JOB, PUBLISH_JOB, WORKFORCE_MONTHLY_JOB

    started = time.perf_counter()
    defs = build_definitions()  # reads CXEX_* now, not at first import
    instance = _instance()
    data_dir = defs.resources["cxex"].layout.root
    print(f"cxex: data directory {data_dir}")
    layout = defs.resources["cxex"].layout
    months, _ = available_months(layout)
    plan = [(FEVS_YEARLY_JOB, "FEVS", [str(y) for y in available_years(layout)], "raw__fevs_responses"),
            (WORKFORCE_MONTHLY_JOB, "workforce", months, "raw__workforce_employment"),
            (A11_QUARTERLY_JOB, "A-11 CX", available_quarters(layout), "raw__a11_cx"),
            (CSS_YEARLY_JOB, "GSA CSS", [str(y) for y in available_css_years(layout)], "raw__gsa_css")]
    for job_name, label, partitions, raw_node in plan:
        if not partitions:
            print(f"cxex: {label}: no data (nothing landed, and no sample used)")
            continue
        job, t = defs.resolve_job_def(job_name), time.perf_counter()
        sources = set()
        for key in partitions:
            result = job.execute_in_process(partition_key=key, instance=instance, raise_on_error=False, run_config=QUIET)
            if not result.success:
                print(f"cxex: {label} {key} failed; nothing was published, the last good tables are untouched:", file=sys.stderr)
                for msg in failure_messages(result.all_events) or ["see the run in the Dagster UI (make ui)"]:
                    print(f"  {msg}", file=sys.stderr)
                return 1
            for warning in warning_messages(result.all_events):
                print(f"cxex: {label} {key} warning: {warning}")
            mats = result.asset_materializations_for_node(raw_node)
            if mats:
                meta = mats[0].metadata
                files = meta["source_files"].value if "source_files" in meta else [meta["source_file"].value]  # noqa: SIM401
                sources |= {f.rsplit("/", 2)[0] if f.count("/") > 1 else f for f in files}
        print(f"cxex: {label}: {len(partitions)} partitions ({partitions[0]}..{partitions[-1]}) validated and computed "
              f"in {time.perf_counter() - t:.1f}s from {', '.join(sorted(sources))}")
    result = defs.resolve_job_def(PUBLISH_JOB).execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
    if not result.success:
        print("cxex: publication failed; the last good tables are untouched:", file=sys.stderr)
        for msg in failure_messages(result.all_events):
            print(f"  {msg}", file=sys.stderr)
        return 1
    print(summary(defs.resources["cxex"]))
    print(f"cxex: done in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
