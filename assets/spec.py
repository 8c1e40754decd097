"""One spec per source, declared in its folder (`assets/<source>/spec.py`): everything the rest of cxex
reads about it. The jobs and `make run` (pipelines/jobs.py, run.py), the landing sensor (assets/landing.py),
the schedules (pipelines/schedules.py), the freshness windows (assets/policies.py), the fetch destinations
and the generated publishers (assets/staged.py) are built from the specs, so adding a source is a folder with a `spec.py` (see
docs/architecture.md, "Adding a source").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dagster import AssetKey

DAY = timedelta(days=1)


@dataclass(frozen=True)
class ScheduleSpec:
    """When the publisher releases a period, and which partition a tick at `when` asks for."""
    cron: str
    timezone: str
    partition_for: Callable[[datetime], str]
    description: str


@dataclass(frozen=True)
class SourceSpec:
    """A source: its name (`make run SOURCE=`), label, job, partitions, assets, what is published, where its
    files land, how fresh its tables should be, when it is scheduled and where its sample comes from."""
    name: str
    label: str
    job: str  # the partitioned job over `assets` (pipelines/jobs.py builds it)
    partitions_def: object  # its assets' partitions
    description: str
    assets: tuple[AssetKey, ...]  # the partitioned assets its job runs, the raw one first
    available: Callable  # layout -> partition keys with data now (landed, or the sample where allowed)
    published: tuple[AssetKey, ...]  # its publish/ assets
    partition_col: str = ""  # the column its staged and published tables are partitioned by
    landing: str = ""  # its folder under landing/ (several sources may share one: cx/)
    landed: Callable[[Path, tuple[str, ...]], list[str] | None] | None = None  # (file, path parts under its folder) -> keys
    remote: tuple[tuple[str, str], ...] = ()  # (kind in remote_sources.csv, where its files land under landing/)
    api: str = ""  # a module that observes and fetches its remote rows that are API endpoints, not files
    freshness: tuple[timedelta, timedelta] = (45 * DAY, 75 * DAY)  # warn, fail: release cadence plus publication lag
    schedule: ScheduleSpec | None = None
    sample: str = ""  # the module that generates its embedded sample
    order: int = 50  # where it comes in `make run`'s output

    @property
    def raw_node(self) -> str:
        """The op name of its raw asset (whose materializations name the files read)."""
        return "__".join(self.assets[0].path)


@dataclass(frozen=True)
class DomainSpec:
    """Tables computed from what the sources published (cross-agency): what is published and how fresh."""
    name: str
    published: tuple[AssetKey, ...]
    freshness: tuple[timedelta, timedelta] = (45 * DAY, 75 * DAY)
