"""One spec per source: what `make run`, the jobs and the summary read about it, declared beside its assets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dagster import AssetKey


@dataclass(frozen=True)
class SourceSpec:
    """A source: its name (`make run SOURCE=`), label, job, the partitions it has data for now, its assets."""
    name: str
    label: str
    job: str  # the partitioned job over `assets` (pipelines/jobs.py builds it)
    partitions_def: object  # its assets' partitions
    description: str
    assets: tuple[AssetKey, ...]  # the partitioned assets its job runs, the raw one first
    available: Callable  # layout -> partition keys with data now (landed, or the sample where allowed)
    published: tuple[AssetKey, ...]  # its publish/ assets

    @property
    def raw_node(self) -> str:
        """The op name of its raw asset (whose materializations name the files read)."""
        return "__".join(self.assets[0].path)
