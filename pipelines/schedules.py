"""Schedules, one per release cadence. All are STOPPED by default: turn them on in the UI
(Automation → Schedules) or with `dagster schedule start -w workspace.yaml <name>`.

- workforce_monthly_schedule: the 20th of each month at 06:00 UTC, the month before (OPM's monthly files).
  A schedule built from a time-partitioned job runs in its partitions' timezone (UTC); the others
  run at their hour in America/New_York.
- a11_quarterly_schedule: A-11 Section 280 data is due 30 days after a quarter ends, so on
  30 January, 30 April, 30 July and 30 October, for the fiscal quarter that just ended.
- fevs_yearly_schedule: 1 June, the previous survey year (OPM publishes the PRDF in the spring).
- css_yearly_schedule: 1 December, the fiscal year that ended on 30 September.
- observe_remote_sources_schedule: daily, observe the remote files' ETag / Last-Modified.
  (CXEX_SCHEDULE_CRONS can give any of these but the first another cron: warehouse/settings.py.)

A tick whose partition does not exist (a FEVS year without an item map; an A-11 quarter or CSS year
no file has brought yet: those partition sets grow with the data, assets/partitions.py) is skipped
with the reason shown in the UI.
"""

from __future__ import annotations

from datetime import datetime

from dagster import (AssetSelection, DefaultScheduleStatus, DynamicPartitionsDefinition, RunRequest, ScheduleEvaluationContext,
                     SkipReason, build_schedule_from_partitioned_job, define_asset_job, schedule)

from assets import keys
from assets.partitions import A11_QUARTERS, CSS_YEARS, FEVS_YEARS, partition_keys_now
from warehouse.settings import schedule_cron

from .jobs import a11_quarterly, css_yearly, fevs_yearly, workforce_monthly

STOPPED = DefaultScheduleStatus.STOPPED
TZ = "America/New_York"

observe_remote_sources = define_asset_job(
    "observe_remote_sources", selection=AssetSelection.keys(keys.SOURCE_REMOTE_FILES),
    description="Observe every remote source file's ETag / Last-Modified (no download).")

workforce_monthly_schedule = build_schedule_from_partitioned_job(
    workforce_monthly, name="workforce_monthly_schedule", day_of_month=20, hour_of_day=6,
    default_status=STOPPED, description="The 20th of each month, 06:00 UTC (the monthly partitions' timezone; the other schedules run "
                                               "at 06:00 Eastern): the previous month's workforce data.")


def quarter_just_ended(when: datetime) -> str:
    """The fiscal quarter that ended most recently before `when` (FY starts 1 October)."""
    cal_q = (when.month - 1) // 3  # 0..3: the calendar quarter `when` is in; the one before it just ended
    year, q = (when.year - 1, 4) if cal_q == 0 else (when.year, cal_q)  # calendar quarter that ended
    fy = year + 1 if q == 4 else year  # Oct-Dec is Q1 of the next fiscal year
    fq = {4: 1, 1: 2, 2: 3, 3: 4}[q]
    return f"FY{fy}Q{fq}"


def _request(context, partitions, key: str, what: str):
    if key not in partition_keys_now(partitions, context.instance):
        grows = isinstance(partitions, DynamicPartitionsDefinition)
        return SkipReason(f"{what} {key} is not a partition (yet): nothing to run"
                          + ("; it becomes one when a file with its rows lands (landing_files sensor) or `make run` reads one"
                             if grows else ""))
    return RunRequest(partition_key=key, run_key=key, tags={"cxex/trigger": "schedule"})


@schedule(job=a11_quarterly, cron_schedule=schedule_cron("a11_quarterly_schedule", "0 6 30 1,4,7,10 *"),
          execution_timezone=TZ, default_status=STOPPED, name="a11_quarterly_schedule",
          description="30 days after each fiscal quarter ends (A-11 Section 280's deadline): that quarter.")
def a11_quarterly_schedule(context: ScheduleEvaluationContext):
    return _request(context, A11_QUARTERS, quarter_just_ended(context.scheduled_execution_time), "A-11 quarter")


@schedule(job=fevs_yearly, cron_schedule=schedule_cron("fevs_yearly_schedule", "0 6 1 6 *"),
          execution_timezone=TZ, default_status=STOPPED, name="fevs_yearly_schedule",
          description="1 June: the previous year's FEVS public release data file.")
def fevs_yearly_schedule(context: ScheduleEvaluationContext):
    return _request(context, FEVS_YEARS, str(context.scheduled_execution_time.year - 1), "FEVS survey year")


@schedule(job=css_yearly, cron_schedule=schedule_cron("css_yearly_schedule", "0 6 1 12 *"),
          execution_timezone=TZ, default_status=STOPPED, name="css_yearly_schedule",
          description="1 December: GSA CSS results for the fiscal year just ended.")
def css_yearly_schedule(context: ScheduleEvaluationContext):
    return _request(context, CSS_YEARS, str(context.scheduled_execution_time.year), "CSS fiscal year")


@schedule(job=observe_remote_sources, cron_schedule=schedule_cron("observe_remote_sources_schedule", "0 5 * * *"),
          execution_timezone=TZ, default_status=STOPPED, name="observe_remote_sources_schedule",
          description="Daily: ask each remote source for its ETag / Last-Modified; downloads follow only on a change.")
def observe_remote_sources_schedule(context: ScheduleEvaluationContext):
    return RunRequest(run_key=None, tags={"cxex/trigger": "schedule"})


SCHEDULES = [workforce_monthly_schedule, a11_quarterly_schedule, fevs_yearly_schedule, css_yearly_schedule,
             observe_remote_sources_schedule]
