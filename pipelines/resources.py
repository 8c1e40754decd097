"""Resources shared by every asset."""

from __future__ import annotations

import os

from dagster import ConfigurableResource
from pydantic import field_validator

from warehouse.layout import DEFAULT_DATA_DIR, DataLayout, suppression_threshold


class CxexResource(ConfigurableResource):
    """Where the data directory is and how strict publication is.

    Defaults come from the environment when the definitions load: CXEX_DATA_DIR (./data),
    CXEX_MIN_RESPONDENTS (10, never lower) and CXEX_PUBLISH_URL (where tables are published:
    <data_dir>/publish unless set, e.g. s3://bucket/cxex). Tests pass their own temporary data_dir.
    """

    data_dir: str = DEFAULT_DATA_DIR
    min_respondents: int = 10
    publish_url: str = ""  # empty: <data_dir>/publish; else a folder or an fsspec URL such as s3://bucket/cxex

    @field_validator("min_respondents")
    @classmethod
    def _at_least_floor(cls, v: int) -> int:
        return suppression_threshold(v)

    @property
    def layout(self) -> DataLayout:
        from pathlib import Path

        return DataLayout(Path(self.data_dir).resolve())

    @property
    def store(self):
        """Where tables are published (warehouse/publish.py: LocalStore or ObjectStore)."""
        from warehouse.publish import open_store

        layout = self.layout
        return open_store(self.publish_url, layout.publish_root, layout.root)

    @classmethod
    def from_env(cls) -> "CxexResource":
        return cls(data_dir=os.environ.get("CXEX_DATA_DIR", DEFAULT_DATA_DIR),
                   min_respondents=suppression_threshold(),
                   publish_url=os.environ.get("CXEX_PUBLISH_URL", ""))


class HttpResource(ConfigurableResource):
    """The shared HTTP client (assets/sources/download.py): retries with exponential backoff,
    timeouts, resumable transfers, checksums, a size limit, and a cache of validators so a re-run
    sends conditional requests and fetches nothing that has not changed.

    `cache_dir` defaults to $CXEX_DATA_DIR/cache/http. Configure in the UI's launchpad or in code.
    """

    cache_dir: str = ""
    retries: int = 4
    backoff_seconds: float = 2.0
    timeout_seconds: float = 60.0
    max_bytes: int = 4 * 1024**3
    remote_sources_file: str = ""  # default: warehouse/reference/remote_sources.csv or $CXEX_REMOTE_SOURCES

    def client(self, layout: DataLayout | None = None):
        from pathlib import Path

        from assets.sources.download import HttpClient

        cache = Path(self.cache_dir) if self.cache_dir else (layout or DataLayout.from_env()).http_cache
        return HttpClient(cache, self.retries, self.backoff_seconds, self.timeout_seconds, self.max_bytes)

    def sources(self):
        from warehouse.reference import remote_sources

        return remote_sources(self.remote_sources_file or None)
