"""Blocking asset checks on the typed A-11 and GSA CSS partitions."""

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, MetadataValue

from assets.check_verdicts import asset_check  # Dagster's, its verdict recorded for the report
from assets.cx.spec import RAW_A11, RAW_GSA_CSS
from assets.common import partition_keys, read_provenance
from assets.cx.assets import A11_TABLES, QUARTER_COL, YEAR_COL
from assets.cx.spec import parse_fiscal_quarter

from quality_checks.cx.suite import a11_expectations, css_expectations, registry_expectations
from quality_checks.gx_runner import run_suite
from quality_checks.ranges import PARTITION, read_range, validate_range
from quality_checks.results import check_result, combine_results


@asset_check(asset=RAW_A11, name="a11_cx_expectations", blocking=True, required_resource_keys={"cxex"},
             description="GX: every provider named; respondents ≤ surveys offered ≤ customers; one row per collection "
                         "detail; mean scores 1-5; per-point counts sum to the responses; survey types thumbs_up_down / "
                         "likert_scale with answers 0/1 or 1-5; quarter and fiscal year match the partition; no free-text "
                         "column in the typed data.")
def a11_cx_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    suites = a11_expectations()
    results = [validate_range(context, asset=RAW_A11.to_user_string(), table=name, partition_col=QUARTER_COL,
                              specs=suites[name], suite=name, derive=_derive, check_table="a11_cx", prefix=name)
               for name in A11_TABLES]
    return combine_results(results)


def _derive(data: pa.Table) -> pa.Table:
    keys_ = data.column(PARTITION).to_pylist()
    fq = [parse_fiscal_quarter(k) for k in keys_]
    return (data.append_column("_partition_fiscal_year", pa.array([y for y, _ in fq], pa.int16()))
                .append_column("_partition_quarter", pa.array([q for _, q in fq], pa.int8())))


@asset_check(asset=RAW_A11, name="a11_cx_service_registry", blocking=False, required_resource_keys={"cxex"},
             description="Warning: every A-11 service provider maps to an agency in warehouse/reference/a11_service_registry.csv; "
                         "rows of an unknown (or multi-agency) one are kept with a null agency code and stay out of "
                         "agency indices.")
def a11_cx_service_registry(context: AssetCheckExecutionContext) -> AssetCheckResult:
    keys_ = partition_keys(context)
    frame, _ = read_range(context.resources.cxex.layout, "a11_volumes", QUARTER_COL, keys_)
    result = validate_range(context, asset=RAW_A11.to_user_string(), table="a11_volumes", partition_col=QUARTER_COL,
                            specs=registry_expectations(), suite="a11_cx_registry", check_table="a11_cx_registry",
                            severity=AssetCheckSeverity.WARN)
    unknown = sorted({r["service_provider_id"] for r in frame.select(["service_provider_id", "agency_code"]).to_pylist()
                      if r["agency_code"] is None and r["service_provider_id"]})
    if unknown:
        result = AssetCheckResult(passed=result.passed, severity=AssetCheckSeverity.WARN,
                                  metadata={**result.metadata, "unknown_providers": MetadataValue.json(unknown)},
                                  description=f"service provider(s) with no agency in the registry: {', '.join(unknown)}; "
                                              + (result.description or ""))
    return result


@asset_check(asset=RAW_GSA_CSS, name="gsa_css_expectations", blocking=True, required_resource_keys={"cxex"},
             description="GX: fiscal year matches the partition, agency codes well formed, functions known, "
                         "means on the 1-7 scale, non-negative respondents, one row per agency and function.")
def gsa_css_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    layout = context.resources.cxex.layout
    results = []
    for year in partition_keys(context):  # a few years: one suite each
        raw = layout.raw("gsa_css", YEAR_COL, year)
        outcome = run_suite(pq.read_table(raw), f"gsa_css_{year}", css_expectations(int(year)))
        results.append(check_result(context, outcome, asset=RAW_GSA_CSS.to_user_string(), table="gsa_css",
                                    partition_col=YEAR_COL, partition=year,
                                    source_file=read_provenance(raw)["source_file"] or "(none)"))
    return combine_results(results)
