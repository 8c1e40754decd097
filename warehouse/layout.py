"""Where every file of a cxex data directory lives, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "./data"
MIN_SUPPRESSION_THRESHOLD = 10  # FEVS practice: never show a cell of fewer than 10 respondents


@dataclass(frozen=True)
class DataLayout:
    """The data directory: landing (as published) → raw (typed) → staging → publish + catalog."""

    root: Path

    @classmethod
    def from_env(cls) -> "DataLayout":
        return cls(Path(os.environ.get("CXEX_DATA_DIR", DEFAULT_DATA_DIR)).resolve())

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
    def publish_root(self) -> Path:
        return self.root / "publish"

    @property
    def http_cache(self) -> Path:
        """Validators (ETag, Last-Modified) of every download and unfinished `.part` transfers."""
        return self.root / "cache" / "http"

    def landing_for(self, source: str, partition: str) -> Path:
        """Where a remote file of `source` lands (see warehouse/reference/remote_sources.csv)."""
        if source in ("fevs", "workforce"):
            return self.landing(source, partition)
        return self.landing("cx", source)  # a11_v1, a11_v2, gsa_css: the period is inside the file

    @property
    def warehouse_file(self) -> Path:
        return self.root / "warehouse.duckdb"


def suppression_threshold(value: str | int | None = None) -> int:
    """The minimum respondents behind a published cell: CXEX_MIN_RESPONDENTS, never below 10."""
    raw = value if value is not None else os.environ.get("CXEX_MIN_RESPONDENTS", MIN_SUPPRESSION_THRESHOLD)
    try:
        n = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"CXEX_MIN_RESPONDENTS must be a whole number, got {raw!r}") from None
    if n < MIN_SUPPRESSION_THRESHOLD:
        raise ValueError(
            f"CXEX_MIN_RESPONDENTS={n} is below the FEVS suppression floor of {MIN_SUPPRESSION_THRESHOLD}"
        )
    return n
