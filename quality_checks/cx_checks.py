"""Blocking asset checks on the typed A-11 and GSA CSS partitions."""

import pyarrow.parquet as pq
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from assets import keys
from assets.common import read_provenance
from assets.cx import A11_TABLES, QUARTER_COL, YEAR_COL
from assets.partitions import parse_fiscal_quarter

from .cx_suite import a11_expectations, css_expectations, registry_expectations
from .gx_runner import SuiteOutcome, run_suite
from .results import check_result


def _quarter(context: AssetCheckExecutionContext):
    return context.resources.cxex.layout, context.op_execution_context.partition_key


@asset_check(asset=keys.RAW_A11, name="a11_cx_expectations", blocking=True, required_resource_keys={"cxex"},
             description="GX: every provider named; respondents ≤ surveys offered ≤ customers; one row per collection "
                         "detail; mean scores 1-5; per-point counts sum to the responses; survey types thumbs_up_down / "
                         "likert_scale with answers 0/1 or 1-5; quarter and fiscal year match the partition; no free-text "
                         "column in the typed data.")
def a11_cx_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    layout, key = _quarter(context)
    fy, q = parse_fiscal_quarter(key)
    suites = a11_expectations(fy, q)
    outcomes = []
    for name in A11_TABLES:
        frame = pq.read_table(layout.raw(name, QUARTER_COL, key))
        out = run_suite(frame, f"{name}_{key}", suites[name])
        outcomes += [o.__class__(**{**o.__dict__, "id": f"{name}/{o.id}", "column": o.column and f"{name}.{o.column}"})
                     for o in out.outcomes]
    merged = SuiteOutcome(f"a11_cx_{key}", all(o.success for o in outcomes), outcomes)
    prov = read_provenance(layout.raw("a11_volumes", QUARTER_COL, key))
    return check_result(context, merged, asset=keys.RAW_A11.to_user_string(), table="a11_cx", partition_col=QUARTER_COL,
                        partition=key, source_file=prov["source_file"])


@asset_check(asset=keys.RAW_A11, name="a11_cx_service_registry", blocking=False, required_resource_keys={"cxex"},
             description="Warning: every A-11 service provider maps to an agency in warehouse/reference/a11_service_registry.csv; "
                         "rows of an unknown (or multi-agency) one are kept with a null agency code and stay out of "
                         "agency indices.")
def a11_cx_service_registry(context: AssetCheckExecutionContext) -> AssetCheckResult:
    layout, key = _quarter(context)
    frame = pq.read_table(layout.raw("a11_volumes", QUARTER_COL, key))
    outcome = run_suite(frame, f"a11_cx_registry_{key}", registry_expectations())
    unknown = sorted({r["service_provider_id"] for r in frame.select(["service_provider_id", "agency_code"]).to_pylist()
                      if r["agency_code"] is None and r["service_provider_id"]})
    result = check_result(context, outcome, asset=keys.RAW_A11.to_user_string(), table="a11_cx_registry",
                          partition_col=QUARTER_COL, partition=key, source_file=read_provenance(
                              layout.raw("a11_volumes", QUARTER_COL, key))["source_file"], severity=AssetCheckSeverity.WARN)
    if unknown:
        result = AssetCheckResult(passed=result.passed, severity=AssetCheckSeverity.WARN,
                                  metadata={**result.metadata, "unknown_providers": MetadataValue.json(unknown)},
                                  description=f"service provider(s) with no agency in the registry: {', '.join(unknown)}; "
                                              + (result.description or ""))
    return result


@asset_check(asset=keys.RAW_GSA_CSS, name="gsa_css_expectations", blocking=True, required_resource_keys={"cxex"},
             description="GX: fiscal year matches the partition, agency codes well formed, functions known, "
                         "means on the 1-7 scale, non-negative respondents, one row per agency and function.")
def gsa_css_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    layout = context.resources.cxex.layout
    year = context.op_execution_context.partition_key
    raw = layout.raw("gsa_css", YEAR_COL, year)
    outcome = run_suite(pq.read_table(raw), f"gsa_css_{year}", css_expectations(int(year)))
    return check_result(context, outcome, asset=keys.RAW_GSA_CSS.to_user_string(), table="gsa_css",
                        partition_col=YEAR_COL, partition=year, source_file=read_provenance(raw)["source_file"] or "(none)")
