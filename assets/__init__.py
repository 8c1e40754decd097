"""Dagster assets: sources parsed to typed Parquet, DuckDB transformations, publication."""

import warnings

from dagster import BetaWarning

# BackfillPolicy.single_run() (ranges of partitions in one run) is marked beta; we rely on it knowingly.
warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")
