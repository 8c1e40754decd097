"""FEVS assets: the public release data file → typed Parquet → item and index scores → publish."""


import json
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from warehouse import PIPELINE_VERSION, reference, sql
from warehouse.contracts import ARROW_TYPES, load as load_contract
from warehouse.layout import DataLayout
from warehouse.publish import publish_table, with_constant_columns, write_parquet_atomic

from . import keys
from .partitions import FEVS_YEARS
from .sources.fevs_prdf import SOURCE, find_fevs_file, parse_prdf, scored_item_columns

GROUP = "fevs"
PARTITION_COL = "survey_year"
PROVENANCE_META = "cxex.provenance"


def _layout(context) -> DataLayout:
    return context.resources.cxex.layout


def _preview(table: pa.Table, rows: int = 8) -> MetadataValue:
    head = table.slice(0, rows).to_pylist()
    if not head:
        return MetadataValue.md("*(no rows)*")
    cols = list(head[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join("" if r[c] is None else (f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c])) for c in cols) + " |" for r in head]
    return MetadataValue.md("\n".join(lines))


def read_provenance(raw_path: Path) -> dict:
    meta = pq.read_schema(raw_path).metadata or {}
    return json.loads(meta[PROVENANCE_META.encode()])


@asset(
    key=keys.RAW_FEVS_RESPONSES,
    partitions_def=FEVS_YEARS,
    group_name=GROUP,
    kinds={"polars", "parquet"},
    required_resource_keys={"cxex"},
)
def fevs_responses(context: AssetExecutionContext) -> MaterializeResult:
    """OPM FEVS public release data file for one survey year, parsed to typed Parquet.

    Reads the one file in landing/fevs/<year>/ (CSV, .csv.gz or a zip holding the CSV), or the
    generated sample when nothing has landed. Answers become Int8 (1-5, X = 0, blank = null);
    `source_row` keeps the file's row number for error messages.
    """
    layout = _layout(context)
    year = int(context.partition_key)
    started = time.perf_counter()
    src = find_fevs_file(layout, year)
    parsed = parse_prdf(src, year)
    provenance = {
        "source": SOURCE, "source_file": src.relative, "source_sha256": src.sha256,
        "source_is_sample": src.is_sample, "url": src.url,
        "source_retrieved_at": src.retrieved_at.isoformat() if src.retrieved_at else None,
    }
    out = layout.raw("fevs_responses", PARTITION_COL, str(year))
    write_parquet_atomic(parsed.table, out, {PROVENANCE_META: json.dumps(provenance)})
    if src.is_sample:
        context.log.info(f"FEVS {year}: no file in {layout.landing('fevs', str(year))}; using the generated sample")
    return MaterializeResult(metadata={
        "rows": parsed.table.num_rows,
        "source_file": src.relative,
        "source_sha256": src.sha256,
        "source_is_sample": src.is_sample,
        "scored_items": len(parsed.scored_items),
        "unscored_items": MetadataValue.json(list(parsed.unscored_items)),
        "path": MetadataValue.path(str(out)),
        "seconds": round(time.perf_counter() - started, 3),
    })


def _provenance_columns(raw_path: Path, run_id: str) -> tuple[dict, dict]:
    p = read_provenance(raw_path)
    values = {
        "source": p["source"], "source_file": p["source_file"], "source_sha256": p["source_sha256"],
        "source_is_sample": p["source_is_sample"],
        "source_retrieved_at": datetime.fromisoformat(p["source_retrieved_at"]) if p.get("source_retrieved_at") else None,
        "pipeline_version": PIPELINE_VERSION, "run_id": run_id,
    }
    types = {c.name: ARROW_TYPES[c.type] for c in load_contract("fevs_item_scores").columns if c.name in values}
    return values, types


def compute_item_scores(raw_path: Path, year: int, min_n: int) -> pa.Table:
    items = scored_item_columns(pq.read_schema(raw_path))
    if not items:
        raise ValueError(f"{raw_path}: no scored item columns")
    query = sql.load("fevs_item_scores").replace("{item_columns}", ", ".join(f'"{c}"' for c in items))
    with duckdb.connect() as con:
        return con.sql(query, params={"raw_path": str(raw_path), "survey_year": year, "min_n": min_n}).to_arrow_table()


def index_items_table(year: int) -> pa.Table:
    """index_items(index_code, index_name, leaf_code, item) for `year`, from warehouse/reference/."""
    defs = reference.index_definitions()
    indices = reference.indices_for_year(year)  # raises for a year the map does not cover
    leaf = reference.item_map()[year]
    rows = []
    for code in indices:
        d = defs[code]
        for lc in (d.components or (code,)):
            rows += [{"index_code": code, "index_name": d.name, "leaf_code": lc, "item": i} for i in leaf[lc]]
    return pa.Table.from_pylist(rows)


def compute_index_scores(item_scores_path: Path, raw_path: Path, year: int, min_n: int) -> pa.Table:
    index_items = index_items_table(year)
    items = sorted(set(index_items.column("item").to_pylist()) & set(scored_item_columns(pq.read_schema(raw_path))),
                   key=lambda c: int(c[1:]))
    query = sql.load("ex_index_scores").replace("{item_columns}", ", ".join(f'"{c}"' for c in items))
    with duckdb.connect() as con:
        con.register("index_items", index_items)
        return con.sql(query, params={"item_scores_path": str(item_scores_path), "raw_path": str(raw_path),
                                      "survey_year": year, "min_n": min_n}).to_arrow_table()


@asset(
    key=keys.FEVS_ITEM_SCORES,
    deps=[keys.RAW_FEVS_RESPONSES],
    partitions_def=FEVS_YEARS,
    group_name=GROUP,
    kinds={"duckdb", "parquet"},
    required_resource_keys={"cxex"},
)
def fevs_item_scores(context: AssetExecutionContext) -> MaterializeResult:
    """Weighted percent positive/neutral/negative per item, governmentwide, by agency and by LEVEL1.

    POSTWT-weighted, X and blanks excluded from numerator and denominator (OPM's convention);
    cells of fewer respondents than the suppression threshold are published as null, flagged.
    """
    layout, year = _layout(context), int(context.partition_key)
    raw = layout.raw("fevs_responses", PARTITION_COL, str(year))
    started = time.perf_counter()
    table = compute_item_scores(raw, year, context.resources.cxex.min_respondents)
    values, types = _provenance_columns(raw, context.run_id)
    table = with_constant_columns(table, values, types)
    out = layout.staging("fevs_item_scores", PARTITION_COL, str(year))
    write_parquet_atomic(table, out)
    suppressed = sum(table.column("suppressed").to_pylist())
    return MaterializeResult(metadata={
        "rows": table.num_rows, "suppressed_cells": suppressed,
        "seconds": round(time.perf_counter() - started, 3),
        "preview": _preview(table.select(["org_level", "agency_code", "item", "respondents", "pct_positive", "suppressed"])),
        "path": MetadataValue.path(str(out)),
    })


@asset(
    key=keys.EX_INDEX_SCORES,
    deps=[keys.FEVS_ITEM_SCORES],
    partitions_def=FEVS_YEARS,
    group_name=GROUP,
    kinds={"duckdb", "parquet"},
    required_resource_keys={"cxex"},
)
def ex_index_scores(context: AssetExecutionContext) -> MaterializeResult:
    """OPM's EX indices (EEI and subindices, Global Satisfaction, Performance Confidence, Employee Experience).

    Each index is the plain mean of its items' percent positive, EEI the plain mean of its three
    subindices, for every year whose survey carried the items (warehouse/reference/fevs_item_map.csv).
    """
    layout, year = _layout(context), int(context.partition_key)
    raw = layout.raw("fevs_responses", PARTITION_COL, str(year))
    items_path = layout.staging("fevs_item_scores", PARTITION_COL, str(year))
    started = time.perf_counter()
    table = compute_index_scores(items_path, raw, year, context.resources.cxex.min_respondents)
    values, types = _provenance_columns(raw, context.run_id)
    table = with_constant_columns(table, values, types)
    out = layout.staging("ex_index_scores", PARTITION_COL, str(year))
    write_parquet_atomic(table, out)
    gov = {r["index_code"]: r["score"] for r in table.to_pylist() if r["org_level"] == "government"}
    return MaterializeResult(metadata={
        "rows": table.num_rows,
        "suppressed_cells": sum(table.column("suppressed").to_pylist()),
        **{f"governmentwide_{k}": round(v, 2) for k, v in gov.items() if v is not None},
        "seconds": round(time.perf_counter() - started, 3),
        "path": MetadataValue.path(str(out)),
    })


def _publish_staged(context: AssetExecutionContext, table_name: str) -> MaterializeResult:
    layout = _layout(context)
    files = sorted(Path(p) for p in Path(layout.root / "staging" / table_name).glob("*/data.parquet"))
    if not files:
        raise FileNotFoundError(f"nothing staged for {table_name} under {layout.root / 'staging' / table_name}; materialize its partitions first")
    contract = load_contract(table_name)
    table = pa.concat_tables([pq.read_table(f).cast(contract.schema) for f in files])
    pub = publish_table(layout.publish_root, contract, table, context.run_id)
    years = sorted(set(table.column("survey_year").to_pylist()))
    samples = sorted(set(r["survey_year"] for r in table.select(["survey_year", "source_is_sample"]).to_pylist() if r["source_is_sample"]))
    return MaterializeResult(metadata={
        "rows": pub.rows, "version": pub.version, "sha256": pub.sha256, "contract_version": pub.contract_version,
        "survey_years": MetadataValue.json(years), "sample_years": MetadataValue.json(samples),
        "path": MetadataValue.path(pub.path),
    })


@asset(key=keys.PUBLISH_FEVS_ITEM_SCORES, deps=[keys.FEVS_ITEM_SCORES], group_name="publish",
       kinds={"parquet"}, required_resource_keys={"cxex"})
def publish_fevs_item_scores(context: AssetExecutionContext) -> MaterializeResult:
    """fevs_item_scores for every staged survey year, checked against its contract and swapped in atomically."""
    return _publish_staged(context, "fevs_item_scores")


@asset(key=keys.PUBLISH_EX_INDEX_SCORES, deps=[keys.EX_INDEX_SCORES], group_name="publish",
       kinds={"parquet"}, required_resource_keys={"cxex"})
def publish_ex_index_scores(context: AssetExecutionContext) -> MaterializeResult:
    """ex_index_scores for every staged survey year, checked against its contract and swapped in atomically."""
    return _publish_staged(context, "ex_index_scores")
