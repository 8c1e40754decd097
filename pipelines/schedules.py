"""Schedules: one per source, built from its spec (assets/<source>/spec.py `schedule`: the publisher's
release cadence and which partition a tick asks for), and the daily observation of the remote files. All
are STOPPED by default: turn them on in the UI (Automation → Schedules) or with
`dagster schedule start -w workspace.yaml <name>`.

- workforce_monthly_schedule: the 20th of each month at 06:00 UTC, the month before (OPM's monthly files).
- a11_quarterly_schedule: A-11 Section 280 data is due 30 days after a quarter ends, so on 30 January,
  30 April, 30 July and 30 October (06:00 Eastern), for the fiscal quarter that just ended.
- fevs_yearly_schedule: 1 June, the previous survey year (OPM publishes the PRDF in the spring).
- css_yearly_schedule: 1 December, the fiscal year that ended on 30 September.
- observe_remote_sources_schedule: daily, observe the remote files' ETag / Last-Modified.
CXEX_SCHEDULE_CRONS can give any of them another cron (warehouse/settings.py `schedule_cron`).

A tick whose partition does not exist (a FEVS year without an item map; an A-11 quarter or CSS year
no file has brought yet: those partition sets grow with the data, assets/cx/spec.py) is skipped
with the reason shown in the UI.
"""

from __future__ import annotations

from dagster import (AssetSelection, DefaultScheduleStatus, DynamicPartitionsDefinition, RunRequest, ScheduleEvaluationContext,
                     SkipReason, define_asset_job, schedule)

from assets import keys
from assets.partitions import partition_keys_now
from warehouse.settings import schedule_cron

from .jobs import SOURCE_JOBS, SOURCES

STOPPED = DefaultScheduleStatus.STOPPED
TZ = "America/New_York"

observe_remote_sources = define_asset_job(
    "observe_remote_sources", selection=AssetSelection.keys(keys.SOURCE_REMOTE_FILES),
    description="Observe every remote source file's ETag / Last-Modified (no download).")


def _request(context, partitions, key: str, what: str):
    if key not in partition_keys_now(partitions, context.instance):
        grows = isinstance(partitions, DynamicPartitionsDefinition)
        return SkipReason(f"{what} {key} is not a partition (yet): nothing to run"
                          + ("; it becomes one when a file with its rows lands (landing_files sensor) or `make run` reads one"
                             if grows else ""))
    return RunRequest(partition_key=key, run_key=key, tags={"cxex/trigger": "schedule"})


def source_schedule(spec):
    """The schedule of a source's spec: at its cron, in its timezone, the partition its spec names for the tick."""
    when = spec.schedule

    name = f"{spec.job}_schedule"

    @schedule(job=SOURCE_JOBS[spec.job], cron_schedule=schedule_cron(name, when.cron), execution_timezone=when.timezone,
              default_status=STOPPED, name=name, description=when.description)
    def _tick(context: ScheduleEvaluationContext):
        return _request(context, spec.partitions_def, when.partition_for(context.scheduled_execution_time), spec.label)

    return _tick


@schedule(job=observe_remote_sources, cron_schedule=schedule_cron("observe_remote_sources_schedule", "0 5 * * *"),
          execution_timezone=TZ, default_status=STOPPED, name="observe_remote_sources_schedule",
          description="Daily: ask each remote source for its ETag / Last-Modified; downloads follow only on a change.")
def observe_remote_sources_schedule(context: ScheduleEvaluationContext):
    return RunRequest(run_key=None, tags={"cxex/trigger": "schedule"})


SCHEDULES = [*(source_schedule(s) for s in SOURCES.values() if s.schedule), observe_remote_sources_schedule]
