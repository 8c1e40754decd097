"""FEVS assets: the public release data file → typed Parquet → item and index scores → publish."""


import json
import time
from functools import partial

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from warehouse.fevs_scores import compute_index_scores, compute_intent_to_leave, compute_item_scores, compute_item_shares
from warehouse.snapshot_files import write_parquet_atomic

from assets.fevs.spec import EX_INDEX_SCORES, FEVS_INTENT_TO_LEAVE, FEVS_ITEM_SCORES, FEVS_ITEM_SHARES, RAW_FEVS_RESPONSES
from assets.common import (PROVENANCE_META, SINGLE_RUN, add_provenance, layout_of, map_partitions, partition_keys,
                           partition_threads, preview, provenance_record, range_result, read_provenance, write_stage)
from assets.sources.files import landed_files
from assets.fevs.spec import FEVS_YEARS
from assets.fevs.prdf import SOURCE, find_fevs_file, parse_prdf

GROUP = "fevs"
PARTITION_COL = "survey_year"
# a survey year's computation in DuckDB from staged Parquet
yearly_sql_asset = partial(asset, partitions_def=FEVS_YEARS, group_name=GROUP, kinds={"duckdb", "parquet"},
                           required_resource_keys={"cxex"}, backfill_policy=SINGLE_RUN)


@asset(
    key=RAW_FEVS_RESPONSES,
    partitions_def=FEVS_YEARS,
    group_name=GROUP,
    kinds={"polars", "parquet"},
    required_resource_keys={"cxex"},
    backfill_policy=SINGLE_RUN,
)
def fevs_responses(context: AssetExecutionContext) -> MaterializeResult:
    """OPM FEVS public release data file for one survey year, parsed to typed Parquet.

    Reads the one file in landing/fevs/<year>/ (CSV, .csv.gz or a zip holding the CSV), or the
    generated sample when nothing has landed. Answers become Int8 (1-5, X = 0, blank = null);
    `source_row` keeps the file's row number for error messages.
    """
    layout = layout_of(context)
    years = partition_keys(context)
    threads = partition_threads([_landed_bytes(layout, year) for year in years])  # national years: two at once
    return range_result(map_partitions(years, lambda year: _fevs_responses(context, layout, int(year)), threads))


def _landed_bytes(layout, year: str) -> int:
    """Bytes landed for the year (a national PRDF: 160 MB as CSV; the sample's, none landed), found without hashing."""
    return sum(path.stat().st_size for path in landed_files(layout.landing("fevs", year)))


def _fevs_responses(context, layout, year: int) -> dict:
    started = time.perf_counter()
    src = find_fevs_file(layout, year)
    parsed = parse_prdf(src, year)
    provenance = provenance_record(SOURCE, [src])
    out = layout.raw("fevs_responses", PARTITION_COL, str(year))
    write_stage(parsed.table, "fevs_responses", out, {PROVENANCE_META: json.dumps(provenance)})
    if src.is_sample:
        context.log.info(f"FEVS {year}: no file in {layout.landing('fevs', str(year))}; using the generated sample")
    return {
        "rows": parsed.table.num_rows,
        "source_file": src.relative,
        "source_sha256": src.sha256,
        "source_is_sample": src.is_sample,
        "scored_items": len(parsed.scored_items),
        "unscored_items": MetadataValue.json(list(parsed.unscored_items)),
        "unknown_items": MetadataValue.json(list(parsed.unknown_items)),
        "unknown_columns": MetadataValue.json(list(parsed.unknown_columns)),  # kept as text, named here
        "path": MetadataValue.path(str(out)),
        "seconds": round(time.perf_counter() - started, 3),
    }


@yearly_sql_asset(key=FEVS_ITEM_SCORES, deps=[RAW_FEVS_RESPONSES])
def fevs_item_scores(context: AssetExecutionContext) -> MaterializeResult:
    """Weighted percent positive/neutral/negative per item, governmentwide, by agency and by LEVEL1.

    POSTWT-weighted, X and blanks excluded from numerator and denominator (OPM's convention);
    cells of fewer respondents than the suppression threshold are published as null, flagged.
    """
    layout = layout_of(context)
    return range_result({key: _fevs_item_scores(context, layout, int(key)) for key in partition_keys(context)})


def _fevs_item_scores(context, layout, year: int) -> dict:
    raw = layout.raw("fevs_responses", PARTITION_COL, str(year))
    started = time.perf_counter()
    table = compute_item_scores(raw, year, context.resources.cxex.min_respondents)
    table = add_provenance(table, read_provenance(raw), context.run_id)
    out = layout.staging("fevs_item_scores", PARTITION_COL, str(year))
    write_parquet_atomic(table, out)
    suppressed = sum(table.column("suppressed").to_pylist())
    return {
        "rows": table.num_rows, "suppressed_cells": suppressed,
        "seconds": round(time.perf_counter() - started, 3),
        "preview": preview(table.select(["org_level", "agency_code", "item", "respondents", "pct_positive", "suppressed"])),
        "path": MetadataValue.path(str(out)),
    }


@yearly_sql_asset(key=EX_INDEX_SCORES, deps=[FEVS_ITEM_SCORES])
def ex_index_scores(context: AssetExecutionContext) -> MaterializeResult:
    """OPM's EX indices (EEI and subindices, Global Satisfaction, Performance Confidence, Employee Experience).

    Each index is the plain mean of its items' percent positive, EEI the plain mean of its three
    subindices, for every year whose survey carried the items (warehouse/reference/fevs_item_map.csv).
    """
    layout = layout_of(context)
    return range_result({key: _ex_index_scores(context, layout, int(key)) for key in partition_keys(context)})


def _ex_index_scores(context, layout, year: int) -> dict:
    raw = layout.raw("fevs_responses", PARTITION_COL, str(year))
    items_path = layout.staging("fevs_item_scores", PARTITION_COL, str(year))
    started = time.perf_counter()
    table = compute_index_scores(items_path, raw, year, context.resources.cxex.min_respondents)
    table = add_provenance(table, read_provenance(raw), context.run_id)
    out = layout.staging("ex_index_scores", PARTITION_COL, str(year))
    write_parquet_atomic(table, out)
    gov = {r["index_code"]: r["score"] for r in table.to_pylist() if r["org_level"] == "government"}
    return {
        "rows": table.num_rows,
        "suppressed_cells": sum(table.column("suppressed").to_pylist()),
        **{f"governmentwide_{k}": round(v, 2) for k, v in gov.items() if v is not None},
        "seconds": round(time.perf_counter() - started, 3),
        "path": MetadataValue.path(str(out)),
    }


@yearly_sql_asset(key=FEVS_INTENT_TO_LEAVE, deps=[RAW_FEVS_RESPONSES])
def fevs_intent_to_leave(context: AssetExecutionContext) -> MaterializeResult:
    """Intent to leave (DLEAVING; 2020 DLEAVINGB): weighted shares of no / within / outside government / other.

    Governmentwide and by agency, each year's code order from warehouse/reference/fevs_survey_years.csv;
    cells of fewer respondents than the suppression threshold are published as null, flagged.
    """
    layout = layout_of(context)
    return range_result({key: _fevs_intent_to_leave(context, layout, int(key)) for key in partition_keys(context)})


def _fevs_intent_to_leave(context, layout, year: int) -> dict:
    return _stage_from_responses(context, layout, year, "fevs_intent_to_leave", compute_intent_to_leave)


def _stage_from_responses(context, layout, year: int, name: str, compute) -> dict:
    """A year's table computed from its typed responses (with their provenance), staged; its metadata."""
    raw = layout.raw("fevs_responses", PARTITION_COL, str(year))
    table = add_provenance(compute(raw, year, context.resources.cxex.min_respondents), read_provenance(raw), context.run_id)
    out = layout.staging(name, PARTITION_COL, str(year))
    write_parquet_atomic(table, out)
    return {"rows": table.num_rows, "path": MetadataValue.path(str(out)),
            "suppressed_cells": sum(table.column("suppressed").to_pylist())}


@yearly_sql_asset(key=FEVS_ITEM_SHARES, deps=[RAW_FEVS_RESPONSES])
def fevs_item_shares(context: AssetExecutionContext) -> MaterializeResult:
    """Answer shares of the category and yes/no items (never percent positive), governmentwide and by agency.

    POSTWT-weighted over the respondents who answered the item; cells of fewer respondents than the
    suppression threshold are published as null, flagged.
    """
    layout = layout_of(context)
    return range_result({key: _fevs_item_shares(context, layout, int(key)) for key in partition_keys(context)})


def _fevs_item_shares(context, layout, year: int) -> dict:
    return _stage_from_responses(context, layout, year, "fevs_item_shares", compute_item_shares)
