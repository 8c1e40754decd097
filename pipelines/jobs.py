"""Jobs: one per partitioning, so a run never mixes a survey year's steps with publication."""

from dagster import AssetSelection, define_asset_job

from assets import keys
from assets.partitions import FEVS_YEARS, WORKFORCE_MONTHS

FEVS_YEARLY_JOB = "fevs_yearly"
WORKFORCE_MONTHLY_JOB = "workforce_monthly"
PUBLISH_JOB = "publish"

fevs_yearly = define_asset_job(
    FEVS_YEARLY_JOB,
    selection=AssetSelection.keys(keys.RAW_FEVS_RESPONSES, keys.FEVS_ITEM_SCORES, keys.EX_INDEX_SCORES),
    partitions_def=FEVS_YEARS,
    description="One survey year: parse the PRDF, validate it (blocking GX checks), compute item and index scores.",
)
workforce_monthly = define_asset_job(
    WORKFORCE_MONTHLY_JOB,
    selection=AssetSelection.keys(keys.RAW_WORKFORCE_EMPLOYMENT, keys.RAW_WORKFORCE_ACTIONS, keys.WORKFORCE_MONTHLY),
    partitions_def=WORKFORCE_MONTHS,
    description="One month of OPM workforce data: parse, validate (blocking GX checks, non-blocking warnings), aggregate.",
)
publish = define_asset_job(
    PUBLISH_JOB,
    selection=AssetSelection.groups("publish"),
    description="Publish every staged table atomically and rebuild the analysts' DuckDB catalog.",
)
