"""Workforce assets: OPM Federal Workforce Data / FedScope → typed monthly Parquet → fiscal-year metrics."""

import json
import time

import pyarrow as pa
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from warehouse import compute
from warehouse.contracts import load as load_contract

from assets.workforce.spec import PUBLISH_WORKFORCE_AGENCIES, PUBLISH_WORKFORCE_METRICS, RAW_WORKFORCE_ACTIONS, RAW_WORKFORCE_EMPLOYMENT, WORKFORCE_MONTHLY
from assets.publication import publisher
from assets.common import (BATCH_ROWS, PROVENANCE_META, SINGLE_RUN, add_provenance, batches_by_rows, layout_of, map_partitions,
                     merge_provenance, nothing_to_publish, partition_keys, partition_threads, preview, provenance_record,
                     publish_result, range_result, read_provenance, run_partition_keys, split_partitions, staged_partitions, write_stage)
from assets.workforce.spec import WORKFORCE_MONTHS
from assets.workforce.files import agency_lookup, available_months, find_agency_lookup, month_files, month_paths, parse_agency_lookup
from assets.workforce.readers import SOURCE, codes, empty_actions, parse_actions, parse_employment, unknown_columns

GROUP = "workforce"
PARTITION_COL = "month"


def codes_table() -> pa.Table:
    return pa.Table.from_pylist([{"code_type": t, "code": c, "category": r["category"]}
                                 for t, rows in codes().items() for c, r in rows.items()])


@asset(key=RAW_WORKFORCE_EMPLOYMENT, partitions_def=WORKFORCE_MONTHS, group_name=GROUP,
       kinds={"polars", "parquet"}, required_resource_keys={"cxex"}, backfill_policy=SINGLE_RUN)
def workforce_employment(context: AssetExecutionContext) -> MaterializeResult:
    """OPM's month-end employment snapshot (Federal Workforce Data or a FedScope cube), typed.

    Reads landing/workforce/<yyyymm>/ (or the generated sample). Age and service become FedScope's
    bracket codes whichever layout the file came in; suppressed counts are null and flagged.
    """
    layout = layout_of(context)
    months = partition_keys(context)
    threads = partition_threads([_input_bytes(layout, m, ("employment",)) for m in months])
    return range_result(map_partitions(months, lambda m: _workforce_employment(layout, m), threads))


def _input_bytes(layout, month: str, kinds: tuple[str, ...]) -> int:
    """Bytes of the month's files of `kinds` (a national month's snapshot: 87 MB; its action files, and
    a sample month's files, a few hundred KB), found without hashing them (each month's work does that)."""
    found, _, _ = month_paths(layout, month)
    return sum(found[kind].stat().st_size for kind in kinds if kind in found)


def _workforce_employment(layout, month: str) -> dict:
    started = time.perf_counter()
    mf = month_files(layout, month)
    table = parse_employment(mf.employment, mf.layout)  # empty when only an action cube covers the month
    out = layout.raw("workforce_employment", PARTITION_COL, month)
    src = [mf.employment] if mf.employment else mf.files
    write_stage(table, "workforce_employment", out, {PROVENANCE_META: json.dumps(provenance_record(SOURCE, src))})
    return {
        "rows": table.num_rows, "layout": mf.layout, "source_file": (mf.employment or src[0]).relative,
        "source_is_sample": src[0].is_sample,
        "headcount": int(pa.compute.sum(table.column("count")).as_py() or 0),
        "suppressed_cells": int(pa.compute.sum(table.column("count_suppressed")).as_py() or 0),
        "seconds": round(time.perf_counter() - started, 3), "path": MetadataValue.path(str(out)),
        # columns neither layout knows: not read, but named, never silently dropped
        "unknown_columns": MetadataValue.json(unknown_columns(mf.employment.path, mf.layout, "employment") if mf.employment else []),
    }


@asset(key=RAW_WORKFORCE_ACTIONS, partitions_def=WORKFORCE_MONTHS, group_name=GROUP,
       kinds={"polars", "parquet"}, required_resource_keys={"cxex"}, backfill_policy=SINGLE_RUN)
def workforce_actions(context: AssetExecutionContext) -> MaterializeResult:
    """The month's accession and separation files, typed into one table of personnel actions.

    `file_yyyymm` is the file's month, `effective_yyyymm` the action's effective month (actions are
    counted in the fiscal year they took effect). A month with no action files yields no rows.
    """
    layout = layout_of(context)
    months = partition_keys(context)
    threads = partition_threads([_input_bytes(layout, m, ("accession", "separation")) for m in months])
    return range_result(map_partitions(months, lambda m: _workforce_actions(layout, m), threads))


def _workforce_actions(layout, month: str) -> dict:
    mf = month_files(layout, month)
    parts = [parse_actions(f, mf.layout, kind, month) for kind, f in (("accession", mf.accession), ("separation", mf.separation)) if f]
    table = pa.concat_tables(parts) if parts else empty_actions()
    files = [f for f in (mf.accession, mf.separation) if f] or mf.files
    out = layout.raw("workforce_actions", PARTITION_COL, month)
    write_stage(table, "workforce_actions", out, {PROVENANCE_META: json.dumps(provenance_record(SOURCE, files))})
    counts = {}
    for r in table.group_by(["action"]).aggregate([("count", "sum")]).to_pylist():
        counts[r["action"] + "s"] = int(r["count_sum"] or 0)
    return {"rows": table.num_rows, **counts, "path": MetadataValue.path(str(out)),
            "source_files": MetadataValue.json([f.relative for f in files]),
            "unknown_columns": MetadataValue.json(sorted({c for kind, f in (("accession", mf.accession), ("separation", mf.separation))
                                                          if f for c in unknown_columns(f.path, mf.layout, kind)}))}


@asset(key=WORKFORCE_MONTHLY, deps=[RAW_WORKFORCE_EMPLOYMENT, RAW_WORKFORCE_ACTIONS],
       partitions_def=WORKFORCE_MONTHS, group_name=GROUP, kinds={"duckdb", "parquet"}, required_resource_keys={"cxex"},
       backfill_policy=SINGLE_RUN)
def workforce_monthly(context: AssetExecutionContext) -> MaterializeResult:
    """One validated month aggregated per organisation (government, agency, sub-element).

    Headcount, supervisory mix, estimated retirement eligibility and median length of service from
    the snapshot; accessions and separations by category and effective month from the action files.
    """
    layout, codes_ = layout_of(context), codes_table()
    emp_parts: dict[str, pa.Table] = {}
    act_parts: dict[str, pa.Table] = {}
    # the run's months in one query per table (its groups are per month), in batches of at most
    # BATCH_ROWS employment rows (a national month is a batch of its own); then staged per month
    for months in batches_by_rows(run_partition_keys(context),
                                  lambda m: layout.raw("workforce_employment", PARTITION_COL, m), BATCH_ROWS):
        emp, acts = compute.workforce_month([layout.raw("workforce_employment", PARTITION_COL, m) for m in months],
                                            [layout.raw("workforce_actions", PARTITION_COL, m) for m in months], codes_)
        emp_parts |= split_partitions(emp, "snapshot_yyyymm", months)
        act_parts |= split_partitions(acts, "file_yyyymm", months)
    out = {m: _stage_workforce_monthly(layout, m, emp_parts[m], act_parts[m]) for m in partition_keys(context)}
    return range_result(out)


def _stage_workforce_monthly(layout, month: str, emp: pa.Table, acts: pa.Table) -> dict:
    emp_path = layout.raw("workforce_employment", PARTITION_COL, month)
    act_path = layout.raw("workforce_actions", PARTITION_COL, month)
    emp_out = layout.staging("workforce_employment_monthly", PARTITION_COL, month)
    act_out = layout.staging("workforce_actions_monthly", PARTITION_COL, month)
    prov = {PROVENANCE_META: json.dumps({"employment": read_provenance(emp_path), "actions": read_provenance(act_path)})}
    write_stage(emp, "workforce_employment_monthly", emp_out, prov)
    write_stage(acts, "workforce_actions_monthly", act_out, prov)
    gov = next((r for r in emp.to_pylist() if r["org_level"] == "government"), {})
    return {
        "headcount": int(gov.get("headcount") or 0), "organisations": emp.num_rows, "action_rows": acts.num_rows,
        "preview": preview(emp.select(["org_level", "agency_code", "headcount", "supervisors", "median_los_years"])),
    }


def staged_months(layout) -> list[str]:
    """Months that are both available now (landed, or the sample) and staged by a validated run."""
    months, _ = available_months(layout)
    return list(staged_partitions(layout, "workforce_employment_monthly", PARTITION_COL, months, "workforce_actions_monthly"))


def _staged_provenance(layout, months: list[str]) -> dict:
    """One record for the metrics: every month's files, sample or not."""
    records = []
    for m in months:
        rec = read_provenance(layout.staging("workforce_employment_monthly", PARTITION_COL, m))
        records += [rec["employment"], rec["actions"]]
    merged = merge_provenance(SOURCE, records)
    merged["source_file"] = (f"{next(iter(merged['files'])).rsplit('/', 2)[0]}/{{{months[0]}..{months[-1]}}} "
                             f"({len(merged['files'])} files; per-file checksums in the raw Parquet metadata)")
    return merged


@publisher(key=PUBLISH_WORKFORCE_METRICS, deps=[WORKFORCE_MONTHLY], group_name="publish",
       kinds={"duckdb", "parquet"}, required_resource_keys={"cxex"})
def publish_workforce_metrics(context: AssetExecutionContext) -> MaterializeResult:
    """Workforce health per fiscal year × organisation, with every numerator and denominator.

    Average on-board headcount; quit, separation, retirement, transfer-out and new-hire rates per 100
    on board (complete fiscal years only); first-year attrition; supervisor ratio; estimated
    retirement-eligible share; median length of service. Definitions: docs/methodology.md.
    """
    layout = layout_of(context)
    months = staged_months(layout)
    if not months:
        return nothing_to_publish(context, "workforce_metrics", "no validated workforce month is staged", "fiscal_year")
    emp = [str(layout.staging("workforce_employment_monthly", PARTITION_COL, m)) for m in months]
    act = [str(layout.staging("workforce_actions_monthly", PARTITION_COL, m)) for m in months]
    agencies = agency_lookup(layout)  # DTagy if landed; FWD names come from the files
    table = compute.workforce_metrics(emp, act, agencies, context.resources.cxex.first_year_min_at_risk)
    table = add_provenance(table, _staged_provenance(layout, months), context.run_id)
    return publish_result(context, load_contract("workforce_metrics"), table, "fiscal_year")


@publisher(key=PUBLISH_WORKFORCE_AGENCIES, group_name="publish", kinds={"parquet"}, required_resource_keys={"cxex"})
def publish_workforce_agencies(context: AssetExecutionContext) -> MaterializeResult:
    """OPM's agency and sub-element codes and names (FedScope DTagy lookup), as the metrics use them."""
    layout = layout_of(context)
    src = find_agency_lookup(layout)
    table = add_provenance(parse_agency_lookup(src), provenance_record(SOURCE, [src]), context.run_id)
    return publish_result(context, load_contract("workforce_agencies"), table, "agency_code")
