"""Workforce: OPM Federal Workforce Data (monthly) and FedScope (quarterly cubes, fiscal-year action
cubes), one partition per month (OPM's own yyyymm)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from dagster import AssetKey, MonthlyPartitionsDefinition

from assets.spec import DAY, ScheduleSpec, SourceSpec

# Workforce data is published monthly (FWD) or as quarterly snapshots and fiscal-year action cubes
# (FedScope, from FY1998); keys are OPM's own yyyymm. A time window: every month from October 1997
# to the current one is a partition, so next month's data needs no code change. Months without
# landed files (or sample) fail clearly rather than guess.
WORKFORCE_MONTHS = MonthlyPartitionsDefinition(start_date="199710", fmt="%Y%m", end_offset=0)

RAW_WORKFORCE_EMPLOYMENT = AssetKey(["raw", "workforce_employment"])
RAW_WORKFORCE_ACTIONS = AssetKey(["raw", "workforce_actions"])
WORKFORCE_MONTHLY = AssetKey(["warehouse", "workforce_monthly"])
PUBLISH_WORKFORCE_METRICS = AssetKey(["publish", "workforce_metrics"])
PUBLISH_WORKFORCE_AGENCIES = AssetKey(["publish", "workforce_agencies"])


def available(layout) -> list[str]:
    from .files import available_months

    return available_months(layout)[0]


def landed(path: Path, parts: tuple[str, ...]) -> list[str | None] | None:
    """landing/workforce/<yyyymm>/<file> feeds that month (a fiscal-year action cube: every month it
    covers); landing/workforce/lookups/ feeds the publication (None)."""
    if len(parts) != 2:
        return None
    if parts[0] == "lookups":
        return [None]
    if re.fullmatch(r"\d{6}", parts[0]) and parts[0] in WORKFORCE_MONTHS.get_partition_keys():
        from .files import cube_months, detect_kind

        lay, kind = detect_kind(path)
        if lay == "fedscope" and kind in ("accession", "separation"):
            return [m for m in cube_months(path) if m in WORKFORCE_MONTHS.get_partition_keys()]
        return [parts[0]]
    raise ValueError(f"{path}: folder {parts[0]} is not a workforce month (yyyymm from {WORKFORCE_MONTHS.start:%Y%m} to now)")


def month_before(when: datetime) -> str:
    return f"{when.year - 1}12" if when.month == 1 else f"{when.year}{when.month - 1:02d}"


SPEC = SourceSpec(
    "workforce", "workforce", "workforce_monthly", WORKFORCE_MONTHS,
    "One month of OPM workforce data: parse, validate (blocking GX checks, non-blocking warnings), aggregate.",
    (RAW_WORKFORCE_EMPLOYMENT, RAW_WORKFORCE_ACTIONS, WORKFORCE_MONTHLY),
    available,
    (PUBLISH_WORKFORCE_METRICS, PUBLISH_WORKFORCE_AGENCIES),
    partition_col="month", landing="workforce", landed=landed, remote=(("workforce", "workforce/{partition}"),),
    freshness=(45 * DAY, 75 * DAY),
    schedule=ScheduleSpec("0 6 20 * *", "UTC", month_before,
                          "The 20th of each month, 06:00 UTC: the previous month's workforce data."),
    sample="assets.workforce.sample", order=20)
