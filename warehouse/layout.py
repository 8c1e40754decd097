"""Where every file of a cxex data directory lives, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .settings import MIN_SUPPRESSION_THRESHOLD, SETTINGS  # noqa: F401  (re-exported)

DEFAULT_DATA_DIR = SETTINGS["data_dir"][1]


@dataclass(frozen=True)
class DataLayout:
    """The data directory: landing (as published) → raw (typed) → staging → publish + catalog.

    `use_sample` ("auto" or "never") is the one rule for which partitions exist: with "auto" the
    generated sample fills every partition nothing has landed for; with "never" only landed files count.
    Every source's readers, `make run` and publication ask the layout, so they agree.
    """

    root: Path
    use_sample: str = "auto"

    @classmethod
    def from_env(cls) -> "DataLayout":
        """The layout the environment names (command-line tools outside Dagster)."""
        from .settings import read_env

        s = read_env()
        return cls(Path(s["data_dir"]).resolve(), s["use_sample"])

    @property
    def sample_allowed(self) -> bool:
        return self.use_sample != "never"

    def landing(self, source: str, partition: str | None = None) -> Path:
        p = self.root / "landing" / source
        return p / partition if partition else p

    def samples(self, source: str, partition: str | None = None) -> Path:
        p = self.root / "samples" / source
        return p / partition if partition else p

    def raw(self, table: str, partition_col: str, partition: str) -> Path:
        return self.root / "raw" / table / f"{partition_col}={partition}" / "data.parquet"

    def staging(self, table: str, partition_col: str, partition: str) -> Path:
        return self.root / "staging" / table / f"{partition_col}={partition}" / "data.parquet"

    def staging_glob(self, table: str) -> str:
        return str(self.root / "staging" / table / "*" / "data.parquet")

    def validation_results(self, asset: str, partition_col: str, partition: str) -> Path:
        return self.root / "quality" / "validation_results" / asset / f"{partition_col}={partition}"

    @property
    def validation_glob(self) -> str:
        return str(self.root / "quality" / "validation_results" / "*" / "*" / "*.parquet")

    @property
    def check_verdicts(self) -> Path:
        """Each asset check's latest verdict, a file per check (warehouse/check_verdicts.py)."""
        return self.root / "quality" / "check_verdicts"

    @property
    def publish_root(self) -> Path:
        return self.root / "publish"

    @property
    def http_cache(self) -> Path:
        """Validators (ETag, Last-Modified) of every download and unfinished `.part` transfers."""
        return self.root / "cache" / "http"

    @property
    def warehouse_file(self) -> Path:
        return self.root / "warehouse.duckdb"
