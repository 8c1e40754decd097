"""CX assets: OMB A-11 Section 280 (both eras) and GSA CSS → service, agency and internal CX scores."""

import json

import polars as pl
import pyarrow as pa
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from warehouse import compute
from warehouse.contracts import load as load_contract
from warehouse.contracts import load_stage
from warehouse.snapshot_files import write_parquet_atomic

from assets.cx.spec import available_quarters
from assets.cx.spec import CX_SERVICE_SCORES, INTERNAL_CX_SCORES, PUBLISH_CX_INDEX_SCORES, RAW_A11, RAW_GSA_CSS
from assets.publication import publisher
from assets.common import (PROVENANCE_META, SINGLE_RUN, add_provenance, layout_of, merge_provenance, nothing_to_publish,
                     partition_keys, preview, run_partition_keys, provenance_record, publish_result, range_result, read_provenance,
                     split_partitions, staged_partitions, write_stage)
from assets.cx.spec import A11_QUARTERS, CSS_YEARS, parse_fiscal_quarter
from assets.cx import files as cf
from assets.cx.layouts import SOURCE_A11, SOURCE_CSS
from assets.cx.readers import parse_css, to_arrow

GROUP = "cx"
QUARTER_COL, YEAR_COL = "fiscal_quarter", "fiscal_year"
A11_TABLES = ("a11_volumes", "a11_driver_results", "a11_responses")




def a11_quarters(files: cf.A11Files, keys_: list[str]) -> dict[str, dict[str, pl.DataFrame | None]]:
    """Every A-11 row of each of a run's fiscal quarters, both eras, service providers resolved through the
    registry: the files read and combined once for all of them (assets/cx/files.py a11_range_frames)."""
    frames = cf.a11_range_frames(files, [parse_fiscal_quarter(k) for k in keys_])
    return {k: frames[parse_fiscal_quarter(k)] for k in keys_}


# the raw tables' columns and types come from their contracts (warehouse/contracts/raw/)
SCHEMAS = {name: load_stage(name).polars_schema for name in ("a11_volumes", "a11_driver_results", "a11_responses")}


def _shape(name: str, df: pl.DataFrame | None) -> pa.Table:
    schema = SCHEMAS[name]
    if df is None:
        df = pl.DataFrame(schema=schema)
    df = df.select([pl.col(c).cast(t) if c in df.columns else pl.lit(None, t).alias(c) for c, t in schema.items()])
    return to_arrow(df)


@asset(key=RAW_A11, partitions_def=A11_QUARTERS, group_name=GROUP, kinds={"polars", "parquet"},
       required_resource_keys={"cxex"}, backfill_policy=SINGLE_RUN)
def a11_cx(context: AssetExecutionContext) -> MaterializeResult:
    """One fiscal quarter of OMB A-11 Section 280 customer feedback, both eras, typed.

    Era 1 (FY2019-FY2023, performance.gov dashboard): service volumes and per-driver results. Era 2
    (FY2024 Q2 on): collection volumes and individual responses. Services are joined to the registry
    (warehouse/reference/a11_service_registry.csv). Free text (question_4) is never stored.
    """
    layout = layout_of(context)
    files = cf.a11_files(layout)
    frames = a11_quarters(files, run_partition_keys(context))
    return range_result({key: _a11_cx(layout, files, key, frames[key]) for key in partition_keys(context)})


def _a11_cx(layout, files: cf.A11Files, key: str, parts: dict[str, pl.DataFrame | None]) -> dict:
    used = sorted({f for df in parts.values() if df is not None for f in df["source_file"].unique().to_list()})
    srcs = [f for f in files.all if f.relative in used]
    meta = {PROVENANCE_META: json.dumps(provenance_record(SOURCE_A11, srcs))}
    counts = {}
    for name in A11_TABLES:
        table = _shape(name, parts[name])
        write_stage(table, name, layout.raw(name, QUARTER_COL, key), meta)
        counts[name + "_rows"] = table.num_rows
    return {**counts, "source_files": MetadataValue.json(used), "source_is_sample": any(f.is_sample for f in srcs)}


@asset(key=CX_SERVICE_SCORES, deps=[RAW_A11], partitions_def=A11_QUARTERS, group_name=GROUP,
       kinds={"duckdb", "parquet"}, required_resource_keys={"cxex"}, backfill_policy=SINGLE_RUN)
def cx_service_scores(context: AssetExecutionContext) -> MaterializeResult:
    """Per service × fiscal quarter × driver: mean score, percent favourable, mention shares, 95 % intervals.

    Cells with fewer than CXEX_CX_MIN_RESPONSES (default 30) responses are published as null, flagged.
    """
    layout = layout_of(context)
    keys_ = run_partition_keys(context)
    paths = {name: [layout.raw(name, QUARTER_COL, key) for key in keys_] for name in A11_TABLES}
    # every quarter of the run in one query (its groups are per quarter), then staged per quarter
    table = compute.cx_service_scores(paths["a11_volumes"], paths["a11_driver_results"], paths["a11_responses"],
                                      context.resources.cxex.cx_min_responses)
    parts = split_partitions(table, QUARTER_COL, keys_)
    return range_result({key: _stage_cx_service_scores(context, layout, key, parts[key]) for key in partition_keys(context)})


def _stage_cx_service_scores(context, layout, key: str, table: pa.Table) -> dict:
    table = add_provenance(table, read_provenance(layout.raw("a11_volumes", QUARTER_COL, key)), context.run_id)
    write_parquet_atomic(table, layout.staging("cx_service_scores", QUARTER_COL, key))
    return {"rows": table.num_rows, "suppressed_cells": sum(table.column("suppressed").to_pylist()),
            "preview": preview(table.select(["service_id", "era", "driver", "responses", "mean_score", "pct_favourable"]))}


@asset(key=RAW_GSA_CSS, partitions_def=CSS_YEARS, group_name=GROUP, kinds={"polars", "parquet"},
       required_resource_keys={"cxex"}, backfill_policy=SINGLE_RUN)
def gsa_css(context: AssetExecutionContext) -> MaterializeResult:
    """GSA Mission-Support Customer Satisfaction Survey results for one fiscal year (optional source).

    No public machine-readable file exists: cxex defines a CSV contract (docs/methodology.md). With no
    file for the year the partition is empty, not an error.
    """
    layout = layout_of(context)
    return range_result({key: _gsa_css(layout, int(key)) for key in partition_keys(context)})


def _gsa_css(layout, year: int) -> dict:
    srcs = cf.css_files(layout)
    frames = [parse_css(s).filter(pl.col("fiscal_year") == year) for s in srcs]
    df = cf.concat_frames(frames)
    schema = load_stage("gsa_css").polars_schema
    df = df if df is not None else pl.DataFrame(schema=schema)
    used = [s for s in srcs if s.relative in set(df["source_file"].to_list())]
    meta = {PROVENANCE_META: json.dumps(provenance_record(SOURCE_CSS, used) if used else
                                        {"source": SOURCE_CSS, "source_file": "", "source_sha256": "",
                                         "source_is_sample": False, "source_retrieved_at": None, "files": {}})}
    write_stage(to_arrow(df.select([pl.col(c).cast(t) for c, t in schema.items()])), "gsa_css",
                layout.raw("gsa_css", YEAR_COL, str(year)), meta)
    return {"rows": df.height, "present": df.height > 0, "source_files": MetadataValue.json([u.relative for u in used])}


@asset(key=INTERNAL_CX_SCORES, deps=[RAW_GSA_CSS], partitions_def=CSS_YEARS, group_name=GROUP,
       kinds={"duckdb", "parquet"}, required_resource_keys={"cxex"}, backfill_policy=SINGLE_RUN)
def internal_cx_scores(context: AssetExecutionContext) -> MaterializeResult:
    """Internal CX per agency × function for one fiscal year: GSA CSS mean (1-7), 0-100 score, 95 % interval."""
    layout = layout_of(context)
    return range_result({key: _internal_cx_scores(context, layout, key) for key in partition_keys(context)})


def _internal_cx_scores(context, layout, year: str) -> dict:
    raw = layout.raw("gsa_css", YEAR_COL, year)
    table = compute.internal_cx_scores(raw, context.resources.cxex.cx_min_responses)
    out = layout.staging("internal_cx_scores", YEAR_COL, year)
    if table.num_rows == 0:
        out.unlink(missing_ok=True)  # absent means absent
        return {"rows": 0, "present": False}
    table = add_provenance(table, read_provenance(raw), context.run_id)
    write_parquet_atomic(table, out)
    return {"rows": table.num_rows, "preview": preview(table)}


@publisher(key=PUBLISH_CX_INDEX_SCORES, deps=[CX_SERVICE_SCORES], group_name="publish", kinds={"duckdb", "parquet"},
       required_resource_keys={"cxex"})
def publish_cx_index_scores(context: AssetExecutionContext) -> MaterializeResult:
    """CX indices per agency × fiscal year (drivers of era 1, trust across eras, era-2 mentions), with coverage."""
    layout = layout_of(context)
    files = staged_partitions(layout, "cx_service_scores", QUARTER_COL, available_quarters(layout))
    if not files:
        return nothing_to_publish(context, "cx_index_scores", "no validated A-11 quarter is staged", "fiscal_year")
    table = compute.cx_index_scores(list(files.values()), context.resources.cxex.cx_min_responses)
    prov = merge_provenance(SOURCE_A11, [read_provenance(layout.raw("a11_volumes", QUARTER_COL, k)) for k in files])
    table = add_provenance(table, prov, context.run_id)
    return publish_result(context, load_contract("cx_index_scores"), table, "fiscal_year")
