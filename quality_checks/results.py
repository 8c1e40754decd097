"""Turning a GX outcome into a stored validation record and a Dagster check result."""

import json
from datetime import datetime, timezone

import pyarrow as pa
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from warehouse.contracts import load as load_contract
from warehouse.snapshot_files import prune_runs, write_parquet_atomic

from .expectations import SuiteOutcome


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


def check_result(context, outcome: SuiteOutcome, *, asset: str, table: str, partition_col: str, partition: str,
                 source_file: str, severity: AssetCheckSeverity = AssetCheckSeverity.ERROR) -> AssetCheckResult:
    """Store every expectation's result in quality/validation_results/ and summarise the failures."""
    layout = context.resources.cxex.layout
    run_id = context.op_execution_context.run_id
    results = validation_rows(outcome, run_id=run_id, asset=asset, partition=partition, source_file=source_file)
    folder = layout.validation_results(table, partition_col, partition)
    write_parquet_atomic(results, folder / f"{run_id}_{outcome.suite}.parquet")
    prune_runs(folder, context.resources.cxex.keep_validation_runs)  # retention; the latest: quality.validation_results_latest

    failures = outcome.failures
    metadata = {"source_file": source_file, "partition": partition, "expectations": len(outcome.outcomes),
                "failed_expectations": len(failures), "failed_partitions": MetadataValue.json([partition] if failures else [])}
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
    return AssetCheckResult(passed=not failures, severity=severity, metadata=metadata, description=description)


def combine_results(results: list[AssetCheckResult]) -> AssetCheckResult:
    """One check result for a range of partitions validated one by one: failures first, then passes."""
    if len(results) == 1:
        return results[0]
    failed = [r for r in results if not r.passed]
    shown = failed or results
    description = "; ".join(r.description for r in shown[:3])
    if len(shown) > 3:
        description += f"; and {len(shown) - 3} more partition(s)"
    metadata = dict(failed[0].metadata) if failed else {}
    metadata.update({"partition": f"{results[0].metadata['partition'].value}..{results[-1].metadata['partition'].value}",
                     "partitions_validated": len({p for r in results for p in _covered(r)}),
                     "validated_partitions": MetadataValue.json(sorted({p for r in results for p in _covered(r)})),
                     "failed_partitions": MetadataValue.json(sorted({p for r in failed for p in r.metadata["failed_partitions"].value})),
                     "expectations": sum(r.metadata["expectations"].value for r in results),
                     "failed_expectations": sum(r.metadata["failed_expectations"].value for r in results)})
    return AssetCheckResult(passed=not failed, severity=results[0].severity, metadata=metadata, description=description)


def _covered(r: AssetCheckResult) -> list[str]:
    """The partitions a result covers: a combined one lists them; a single one is its partition."""
    v = r.metadata.get("validated_partitions")
    return list(v.value) if v is not None else [r.metadata["partition"].value]


def covering(result: AssetCheckResult, partitions: list[str]) -> AssetCheckResult:
    """`result` as covering `partitions` (a check run once over a summary of several partitions)."""
    return AssetCheckResult(passed=result.passed, severity=result.severity, description=result.description,
                            metadata={**result.metadata, "validated_partitions": MetadataValue.json(partitions)})
