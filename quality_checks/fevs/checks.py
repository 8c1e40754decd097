"""Asset checks on the typed FEVS respondent file: blocking rules, and warnings that never block."""


import json
from functools import partial

import pyarrow.parquet as pq
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity

from assets.check_verdicts import asset_check  # Dagster's, its verdict recorded for the report
from assets.fevs.spec import RAW_FEVS_RESPONSES
from assets.common import PROVENANCE_META, partition_keys, read_provenance
from assets.fevs.assets import PARTITION_COL
from warehouse.fevs_scores import scored_item_columns
from quality_checks.fevs.suite import fevs_expectations, fevs_warning_expectations, plausible_floor, suite_name
from quality_checks.gx_runner import columns_needed, run_suite
from quality_checks.results import check_result, combine_results

FEVS_RESPONSES_EXPECTATIONS = "fevs_responses_expectations"
FEVS_RESPONSES_WARNINGS = "fevs_responses_warnings"
fevs_responses_check = partial(asset_check, asset=RAW_FEVS_RESPONSES, required_resource_keys={"cxex"})


@fevs_responses_check(
    name=FEVS_RESPONSES_EXPECTATIONS,
    blocking=True,
    description="GX suite: required columns and index items present, every declared scale item answered "
                "1-5/X/blank, intent to leave in the year's codes, weights positive and finite, agency codes "
                "well-formed, plausible respondent count. "
                "Blocking: a failure stops the scores from being recomputed and keeps the published tables.",
)
def fevs_responses_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    return _validate(context, lambda ctx, year, table: fevs_expectations(
        year, scored_item_columns(table.schema), _bounds(ctx, year, table), table.column_names), "")


def _bounds(context, year: int, table) -> tuple[int, int]:
    """The setting's bounds, the lower one raised to the year's plausible floor (the sample is exempt)."""
    lo, hi = context.resources.cxex.fevs_respondent_bounds
    is_sample = bool(json.loads(table.schema.metadata[PROVENANCE_META.encode()]).get("source_is_sample"))
    return max(lo, plausible_floor(year, context.resources.cxex.fevs_min_share, is_sample)), hi


@fevs_responses_check(
    name=FEVS_RESPONSES_WARNINGS,
    blocking=False,
    description="Warning, never blocking: repeated respondent ids (OPM's RandomID went through Excel and is not "
                "a key) and Q columns the item map does not declare for the year (kept as text, never scored).",
)
def fevs_responses_warnings(context: AssetCheckExecutionContext) -> AssetCheckResult:
    return _validate(context, lambda ctx, year, table: fevs_warning_expectations(year, table.column_names), "_warnings",
                     AssetCheckSeverity.WARN)


def _validate(context, specs_for, suffix: str, severity=AssetCheckSeverity.ERROR) -> AssetCheckResult:
    layout = context.resources.cxex.layout
    results = []
    for partition in partition_keys(context):  # a year's items differ: one suite per year
        raw = layout.raw("fevs_responses", PARTITION_COL, partition)
        source_file = read_provenance(raw)["source_file"]
        schema = pq.read_schema(raw)  # the specs follow the file's columns; only those they read are read
        specs = specs_for(context, int(partition), schema.empty_table())
        table = pq.read_table(raw, columns=columns_needed(specs, schema.names) or schema.names[:1])
        outcome = run_suite(table, suite_name(int(partition)) + suffix, specs, schema)
        results.append(check_result(context, outcome, asset=RAW_FEVS_RESPONSES.to_user_string(), table="fevs_responses",
                                    partition_col=PARTITION_COL, partition=partition, source_file=source_file,
                                    severity=severity))
    return combine_results(results)
