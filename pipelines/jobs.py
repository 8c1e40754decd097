"""Jobs: one per partitioning, so a run never mixes a survey year's steps with publication.

Executors: a partition's steps form a chain over one large file (parse → validate → score), so the
partitioned jobs run their steps in one process (`in_process_executor`); parallelism comes from
ranges in one run (single-run backfill policy) and separate runs from the run queue. The publish job's
steps are light (a Parquet copy, a small DuckDB query each): it runs in-process too, because a
multiprocess step costs a Python process importing Dagster, DuckDB and polars (~5 s on 2 cores)
for well under a second of work. Definitions' default executor is in-process, for ad-hoc
materializations from the UI.
"""

from dagster import AssetSelection, define_asset_job, in_process_executor

from assets import keys
from assets.partitions import A11_QUARTERS, CSS_YEARS, FEVS_YEARS, WORKFORCE_MONTHS

FEVS_YEARLY_JOB = "fevs_yearly"
WORKFORCE_MONTHLY_JOB = "workforce_monthly"
A11_QUARTERLY_JOB = "a11_quarterly"
CSS_YEARLY_JOB = "css_yearly"
PUBLISH_JOB = "publish"


def _partition_job(name: str, asset_keys: tuple, partitions_def, description: str):
    """A job over one source's partitioned assets, its steps in one process (see above)."""
    return define_asset_job(name, selection=AssetSelection.keys(*asset_keys), partitions_def=partitions_def,
                            executor_def=in_process_executor, description=description)


fevs_yearly = _partition_job(
    FEVS_YEARLY_JOB, (keys.RAW_FEVS_RESPONSES, keys.FEVS_ITEM_SCORES, keys.EX_INDEX_SCORES, keys.FEVS_INTENT_TO_LEAVE,
                      keys.FEVS_ITEM_SHARES),
    FEVS_YEARS,
    "One survey year: parse the PRDF, validate it (blocking GX checks), compute item and index scores and intent to leave.")
workforce_monthly = _partition_job(
    WORKFORCE_MONTHLY_JOB, (keys.RAW_WORKFORCE_EMPLOYMENT, keys.RAW_WORKFORCE_ACTIONS, keys.WORKFORCE_MONTHLY),
    WORKFORCE_MONTHS,
    "One month of OPM workforce data: parse, validate (blocking GX checks, non-blocking warnings), aggregate.")
a11_quarterly = _partition_job(
    A11_QUARTERLY_JOB, (keys.RAW_A11, keys.CX_SERVICE_SCORES), A11_QUARTERS,
    "One fiscal quarter of OMB A-11 Section 280 data (both eras): parse, validate (blocking), score.")
css_yearly = _partition_job(
    CSS_YEARLY_JOB, (keys.RAW_GSA_CSS, keys.INTERNAL_CX_SCORES), CSS_YEARS,
    "One fiscal year of GSA Mission-Support CSS results (optional source): parse, validate, score.")
publish = define_asset_job(
    PUBLISH_JOB,
    selection=AssetSelection.groups("publish", "cross_agency"),
    executor_def=in_process_executor,
    description="Publish every staged table atomically and rebuild the analysts' DuckDB catalog.",
)
