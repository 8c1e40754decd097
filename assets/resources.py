"""Resources shared by every asset: the typed home of cxex's settings.

`CxexResource` holds every threshold and switch as a typed field (the UI's launchpad shows and edits
them), filled from the environment by `CxexResource.from_env()` through warehouse/settings.py, which
validates each one before any work. Assets and checks read settings from here, never from the
environment.
"""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field, model_validator

from warehouse import settings
from warehouse.layout import DataLayout


class CxexResource(ConfigurableResource):
    """Where the data directory is, which inputs count, how strict publication is, where it goes.

    Each field's environment variable is in warehouse/settings.py (CXEX_DATA_DIR, CXEX_MIN_RESPONDENTS,
    CXEX_CX_MIN_RESPONSES, CXEX_MIN_COVERAGE, CXEX_USE_SAMPLE, CXEX_FEVS_MIN_RESPONDENTS, CXEX_FEVS_MAX_RESPONDENTS,
    CXEX_PUBLISH_URL, CXEX_LANDING_SETTLE_SECONDS, CXEX_FEVS_MIN_SHARE, CXEX_KEEP_VERSIONS,
    CXEX_KEEP_VALIDATION_RUNS, CXEX_MIN_PEERS, CXEX_FIRST_YEAR_MIN_AT_RISK); docs in the README's Configuration section.
    """

    data_dir: str = Field(default="./data", description="The data directory (CXEX_DATA_DIR).")
    min_respondents: int = Field(default=10, description="Fewest FEVS respondents behind a published cell (never below 10).")
    cx_min_responses: int = Field(default=30, description="Fewest responses behind a published CX cell (never below 10).")
    min_coverage: float = Field(default=0.5, description="Share of a family's weight an agency needs for a composite index, in (0, 1].")
    use_sample: str = Field(default="auto", description="auto: the generated sample fills partitions with nothing landed; "
                                                        "never: landed files only.")
    fevs_min_respondents: int = Field(default=10, description="Fewest respondents a FEVS year's file may hold "
                                                              "(raise it in production to catch truncated downloads).")
    fevs_max_respondents: int = Field(default=1_500_000, description="Most respondents a FEVS year's file may hold.")
    publish_url: str = Field(default="", description="Where tables are published: empty (<data_dir>/publish), an absolute "
                                                     "folder, or an object store URL (s3://, gs://, az:// ...).")
    landing_settle_seconds: float = Field(default=60.0, description="How long a landed file must stay unchanged before "
                                                                    "the landing sensor reads it.")
    fevs_min_share: float = Field(default=0.5, description="Plausible-size floor of a landed FEVS file: this share of "
                                                           "the rows OPM published for the year (0 turns it off; the "
                                                           "sample is exempt).")
    keep_versions: int = Field(default=3, description="Publication snapshots whose table versions are kept under "
                                                      "publish/.versions (at least 1; CXEX_KEEP_VERSIONS).")
    keep_validation_runs: int = Field(default=5, description="Validation runs kept per asset and partition under "
                                                             "quality/validation_results (at least 1; CXEX_KEEP_VALIDATION_RUNS).")
    min_peers: int = Field(default=3, description="Fewest agencies a comparison group (size group) needs for a percentile, "
                                                  "rank or quartile; below it the comparison is over all agencies "
                                                  "(at least 2; CXEX_MIN_PEERS).")
    first_year_min_at_risk: int = Field(default=20, description="Fewest people at risk (average on board with under a year "
                                                                "of service) behind a published first-year attrition rate "
                                                                "(CXEX_FIRST_YEAR_MIN_AT_RISK).")

    @model_validator(mode="before")
    @classmethod
    def _validated(cls, values):
        """Every field through warehouse/settings.py's checks: one rule, one message, whatever the caller."""
        if isinstance(values, dict):
            given = {k: v for k, v in values.items() if k in settings.SETTINGS}
            return {**values, **{k: v for k, v in settings.validate(given).items() if k in given or k not in values}}
        return values

    @property
    def layout(self) -> DataLayout:
        return DataLayout(Path(self.data_dir).resolve(), self.use_sample)

    @property
    def fevs_respondent_bounds(self) -> tuple[int, int]:
        return self.fevs_min_respondents, self.fevs_max_respondents

    @property
    def store(self):
        """Where tables are published (warehouse/publish.py: LocalStore or ObjectStore)."""
        from warehouse.publish import open_store

        layout = self.layout
        return open_store(self.publish_url, layout.publish_root, layout.root, self.keep_versions)

    @classmethod
    def from_env(cls, **overrides) -> "CxexResource":
        """The settings as the environment gives them (validated), with `overrides` on top."""
        return cls(**settings.read_env(**overrides))


class HttpResource(ConfigurableResource):
    """The shared HTTP client (assets/sources/download.py): retries with exponential backoff,
    timeouts, resumable transfers, checksums, a size limit, and a cache of validators so a re-run
    sends conditional requests and fetches nothing that has not changed.

    `cache_dir` defaults to <data_dir>/cache/http of the nested `cxex` resource. Configure in the UI's
    launchpad or in code.
    """

    cxex: CxexResource = Field(default_factory=CxexResource.from_env)
    cache_dir: str = ""
    retries: int = 4
    backoff_seconds: float = 2.0
    timeout_seconds: float = 60.0
    max_bytes: int = 4 * 1024**3
    remote_sources_file: str = ""  # default: warehouse/reference/remote_sources.csv or $CXEX_REMOTE_SOURCES

    def client(self, layout: DataLayout | None = None):
        from assets.sources.download import HttpClient

        cache = Path(self.cache_dir) if self.cache_dir else (layout or self.cxex.layout).http_cache
        return HttpClient(cache, self.retries, self.backoff_seconds, self.timeout_seconds, self.max_bytes)

    def sources(self):
        from assets.landing import remote_files

        return remote_files(self.remote_sources_file or None)
