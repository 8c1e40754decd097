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


def _failure_messages(result) -> list[str]:
    msgs = []
    for ev in result.all_events:
        if ev.event_type_value == "ASSET_CHECK_EVALUATION":
            data = ev.event_specific_data
            if not data.passed:
                msgs.append(f"check {data.check_name} failed: {data.description}")
        elif ev.is_step_failure:
            err = ev.event_specific_data.error
            while err is not None and err.cause is not None:
                err = err.cause  # the user code's own exception, not Dagster's wrapper
            if err and "blocking asset check failed" not in err.message:
                msgs.append(f"step {ev.step_key} failed: {err.message.strip()}")
    return msgs


def summary(data_dir: Path) -> str:
    import duckdb

    from warehouse.layout import DataLayout
    from warehouse.publish import read_manifest

    layout = DataLayout(data_dir)
    manifest = read_manifest(layout.publish_root)
    lines = [f"Published tables ({layout.publish_root}):"]
    for name, t in sorted(manifest["tables"].items()):
        lines.append(f"  {name:<20} {t['rows']:>9,} rows  version {t['version']}")
    lines.append(f"Analysts' catalog: duckdb -readonly {layout.warehouse_file}")
    con = duckdb.connect(str(layout.warehouse_file), read_only=True)
    try:
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
    finally:
        con.close()
    label = " (SAMPLE data: synthetic, not OPM's figures)" if any_sample else ""
    lines.append(f"Employee Engagement Index, {year}{label}: governmentwide {gov[0]:.1f}")
    if ranked:
        lines.append("  top:    " + ", ".join(f"{a} {s}" for a, s, _ in ranked[:3]))
        lines.append("  bottom: " + ", ".join(f"{a} {s}" for a, s, _ in ranked[-3:]))
    lines.append(f"  {len(ranked)} agencies ranked; {n_supp} suppressed (fewer than the threshold of respondents)")
    return "\n".join(lines)


QUIET = {"loggers": {"console": {"config": {"log_level": os.environ.get("CXEX_LOG_LEVEL", "WARNING")}}}}


def main() -> int:
    from pipelines.definitions import build_definitions
    from pipelines.jobs import FEVS_YEARLY_JOB, PUBLISH_JOB
    from pipelines.partitions import FEVS_YEARS

    started = time.perf_counter()
    defs = build_definitions()  # reads CXEX_* now, not at first import
    instance = _instance()
    data_dir = defs.resources["cxex"].layout.root
    print(f"cxex: data directory {data_dir}")
    yearly = defs.resolve_job_def(FEVS_YEARLY_JOB)
    for year in FEVS_YEARS.get_partition_keys():
        t = time.perf_counter()
        result = yearly.execute_in_process(partition_key=year, instance=instance, raise_on_error=False, run_config=QUIET)
        if not result.success:
            print(f"cxex: FEVS {year} failed; nothing was published, the last good tables are untouched:", file=sys.stderr)
            for msg in _failure_messages(result) or ["see the run in the Dagster UI (make ui)"]:
                print(f"  {msg}", file=sys.stderr)
            return 1
        mats = result.asset_materializations_for_node("raw__fevs_responses")
        src = mats[0].metadata["source_file"].value if mats else "?"
        print(f"cxex: FEVS {year} validated and scored in {time.perf_counter() - t:.1f}s  ({src})")
    result = defs.resolve_job_def(PUBLISH_JOB).execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
    if not result.success:
        print("cxex: publication failed; the last good tables are untouched:", file=sys.stderr)
        for msg in _failure_messages(result):
            print(f"  {msg}", file=sys.stderr)
        return 1
    print(summary(data_dir))
    print(f"cxex: done in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
