"""Blocking asset checks on the typed FEVS respondent file."""


import json
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from assets import keys
from assets.common import read_provenance
from assets.fevs import PARTITION_COL
from assets.sources.fevs_prdf import scored_item_columns
from warehouse.contracts import load as load_contract
from warehouse.publish import write_parquet_atomic

from .fevs_suite import fevs_expectations, suite_name
from .gx_runner import SuiteOutcome, run_suite

FEVS_RESPONSES_EXPECTATIONS = "fevs_responses_expectations"


def validation_rows(outcome: SuiteOutcome, *, run_id: str, asset: str, partition: str | None, source_file: str | None) -> pa.Table:
    now = datetime.now(timezone.utc)
    vid = f"{asset}|{partition}|{run_id}"
    rows = [{
        "validation_id": vid, "run_id": run_id, "validated_at": now, "asset": asset, "partition": partition,
        "suite": outcome.suite, "source_file": source_file, "expectation_id": o.id, "expectation_type": o.type,
        "column_name": o.column, "success": o.success, "element_count": o.element_count,
        "unexpected_count": o.unexpected_count,
        "observed_value": None if o.observed_value is None else json.dumps(o.observed_value),
        "sample_values": json.dumps(o.sample_values) if o.sample_values else None,
        "sample_rows": json.dumps(o.sample_rows) if o.sample_rows else None,
    } for o in outcome.outcomes]
    return pa.Table.from_pylist(rows, schema=load_contract("validation_results").schema)


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
    partition = context.op_execution_context.partition_key
    raw = layout.raw("fevs_responses", PARTITION_COL, partition)
    source_file = read_provenance(raw)["source_file"]
    table = pq.read_table(raw)
    specs = fevs_expectations(int(partition), scored_item_columns(table.schema))
    outcome = run_suite(table.to_pandas(), suite_name(int(partition)), specs)
    results = validation_rows(outcome, run_id=context.op_execution_context.run_id, asset=keys.RAW_FEVS_RESPONSES.to_user_string(),
                              partition=partition, source_file=source_file)
    write_parquet_atomic(results, layout.validation_results("fevs_responses", PARTITION_COL, partition) / f"{context.op_execution_context.run_id}.parquet")

    failures = outcome.failures
    metadata = {
        "source_file": source_file,
        "expectations": len(outcome.outcomes),
        "failed_expectations": len(failures),
    }
    if failures:
        first = failures[0]
        metadata.update({
            "column": first.column or "(table)",
            "unexpected_count": first.unexpected_count if first.unexpected_count is not None else 0,
            "sample_values": MetadataValue.json(first.sample_values),
            "sample_rows": MetadataValue.json(first.sample_rows),
            "failures": MetadataValue.md("\n".join(f"- `{source_file}`: {f.describe()}" for f in failures[:50])),
        })
        description = f"{source_file}: " + "; ".join(f.describe() for f in failures[:3])
        if len(failures) > 3:
            description += f"; and {len(failures) - 3} more failed expectation(s)"
    else:
        description = f"{source_file}: all {len(outcome.outcomes)} expectations passed"
    return AssetCheckResult(passed=not failures, severity=AssetCheckSeverity.ERROR, metadata=metadata,
                            description=description)
