"""Blocking asset checks on the typed FEVS respondent file."""


import pyarrow.parquet as pq
from dagster import AssetCheckExecutionContext, AssetCheckResult, asset_check

from assets import keys
from assets.common import partition_keys, read_provenance
from assets.fevs import PARTITION_COL
from warehouse.fevs_scores import scored_item_columns
from .fevs_suite import fevs_expectations, suite_name
from .gx_runner import run_suite
from .results import check_result, combine_results

FEVS_RESPONSES_EXPECTATIONS = "fevs_responses_expectations"


@asset_check(
    asset=keys.RAW_FEVS_RESPONSES,
    name=FEVS_RESPONSES_EXPECTATIONS,
    blocking=True,
    required_resource_keys={"cxex"},
    description="GX suite: required columns and index items present, answers 1-5/X/blank, weights positive "
                "and finite, agency codes well-formed, plausible respondent count, unique respondent ids. "
                "Blocking: a failure stops the scores from being recomputed and keeps the published tables.",
)
def fevs_responses_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    layout = context.resources.cxex.layout
    results = []
    for partition in partition_keys(context):  # a year's items differ: one suite per year
        raw = layout.raw("fevs_responses", PARTITION_COL, partition)
        source_file = read_provenance(raw)["source_file"]
        table = pq.read_table(raw)
        specs = fevs_expectations(int(partition), scored_item_columns(table.schema), context.resources.cxex.fevs_respondent_bounds)
        outcome = run_suite(table, suite_name(int(partition)), specs)
        results.append(check_result(context, outcome, asset=keys.RAW_FEVS_RESPONSES.to_user_string(), table="fevs_responses",
                                    partition_col=PARTITION_COL, partition=partition, source_file=source_file))
    return combine_results(results)
