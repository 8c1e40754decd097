"""Asset checks on the typed monthly workforce files: blocking rules, and warnings that never block."""

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity

from assets.check_verdicts import asset_check  # Dagster's, its verdict recorded for the report
from assets.workforce.spec import RAW_WORKFORCE_ACTIONS, RAW_WORKFORCE_EMPLOYMENT
from assets.common import partition_keys
from assets.workforce.files import agency_lookup, month_files
from assets.workforce.assets import PARTITION_COL
from warehouse.db import cursor

from quality_checks.gx_runner import run_suite
from quality_checks.ranges import PARTITION, validate_range, yyyymm_index
from quality_checks.results import check_result, combine_results, covering
from quality_checks.workforce.suite import actions_expectations, employment_expectations, known_codes_expectations, snapshot_count_expectations

HEADCOUNT_CHANGE_BAND = 0.10  # month-over-month change per agency beyond ±10 % is flagged


def _derive(data: pa.Table) -> pa.Table:
    """Columns the range-agnostic suites compare rows with (quality_checks/workforce/suite.py)."""
    month = pc.cast(data.column(PARTITION), pa.int64())
    data = data.append_column("_partition_yyyymm", month)
    if "effective_yyyymm" in data.column_names:
        data = data.append_column("_months_before_file",
                                  pc.subtract(yyyymm_index(month), yyyymm_index(data.column("effective_yyyymm"))))
    return data


def _validate(context, asset_key, table_name, specs, suite, severity=AssetCheckSeverity.ERROR) -> AssetCheckResult:
    return validate_range(context, asset=asset_key.to_user_string(), table=table_name, partition_col=PARTITION_COL,
                          specs=specs, suite=suite, derive=_derive, derive_reads=("effective_yyyymm",), severity=severity)


@asset_check(asset=RAW_WORKFORCE_EMPLOYMENT, name="workforce_employment_expectations", blocking=True,
             required_resource_keys={"cxex"},
             description="GX: required columns, snapshot month matches the partition, well-formed agency and "
                         "sub-element codes, non-negative counts (suppressed = null allowed), age/service brackets known.")
def workforce_employment_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    layout = context.resources.cxex.layout
    keys_ = partition_keys(context)
    rows = _validate(context, RAW_WORKFORCE_EMPLOYMENT, "workforce_employment", employment_expectations(),
                     "workforce_employment")
    # rows per month: a month with a snapshot file has some; one covered only by an action cube, none
    summary = pa.table({"_partition": keys_,
                        "rows": [pq.read_metadata(layout.raw("workforce_employment", PARTITION_COL, m)).num_rows for m in keys_],
                        "has_snapshot": [month_files(layout, m).employment is not None for m in keys_]})
    counts = check_result(context, run_suite(summary, "workforce_employment_snapshots", snapshot_count_expectations()),
                          asset=RAW_WORKFORCE_EMPLOYMENT.to_user_string(), table="workforce_employment",
                          partition_col=PARTITION_COL, partition=keys_[0] if len(keys_) == 1 else f"{keys_[0]}..{keys_[-1]}",
                          source_file="landing/workforce/ (one row per month)")
    return combine_results([rows, covering(counts, keys_)])


@asset_check(asset=RAW_WORKFORCE_ACTIONS, name="workforce_actions_expectations", blocking=True,
             required_resource_keys={"cxex"},
             description="GX: action types known, category codes well-formed, effective month not after the file "
                         "month nor more than 36 months before it, non-negative counts.")
def workforce_actions_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    return _validate(context, RAW_WORKFORCE_ACTIONS, "workforce_actions", actions_expectations(),
                     "workforce_actions")


def _subelements(context) -> list[str]:
    lookup = agency_lookup(context.resources.cxex.layout)  # empty for FWD without a DTagy: nothing to check against
    return sorted(lookup.column("agency_subelement_code").to_pylist())


@asset_check(asset=RAW_WORKFORCE_EMPLOYMENT, name="workforce_employment_codes_known", blocking=False,
             required_resource_keys={"cxex"},
             description="Warning, never blocking: sub-element and supervisory codes missing from the lookup "
                         "tables are listed; their rows stay in the data (in_lookup = false in the metrics).")
def workforce_employment_codes_known(context: AssetCheckExecutionContext) -> AssetCheckResult:
    return _validate(context, RAW_WORKFORCE_EMPLOYMENT, "workforce_employment",
                     known_codes_expectations(_subelements(context), actions=False), "workforce_employment_codes",
                     severity=AssetCheckSeverity.WARN)


@asset_check(asset=RAW_WORKFORCE_ACTIONS, name="workforce_actions_codes_known", blocking=False,
             required_resource_keys={"cxex"},
             description="Warning, never blocking: accession/separation category codes and sub-elements missing "
                         "from the lookups are listed; their rows are kept (category 'unknown').")
def workforce_actions_codes_known(context: AssetCheckExecutionContext) -> AssetCheckResult:
    return _validate(context, RAW_WORKFORCE_ACTIONS, "workforce_actions",
                     known_codes_expectations(_subelements(context), actions=True), "workforce_actions_codes",
                     severity=AssetCheckSeverity.WARN)


def _previous_snapshot(layout, month: str, lookback: int = 3):
    """The latest earlier month (up to `lookback` back: FedScope snapshots are quarterly) with a
    non-empty typed snapshot, as (yyyymm, path); (None, None) when there is none."""
    y, m = int(month[:4]), int(month[4:])
    for _ in range(lookback):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        path = layout.raw("workforce_employment", PARTITION_COL, f"{y}{m:02d}")
        if path.exists() and pq.read_metadata(path).num_rows:
            return f"{y}{m:02d}", path
    return None, None


@asset_check(asset=RAW_WORKFORCE_EMPLOYMENT, name="workforce_headcount_change", blocking=False,
             required_resource_keys={"cxex"},
             description="Warning, never blocking: agencies whose headcount moved more than ±10 % since the "
                         "previous snapshot (up to 3 months back: FedScope's are quarterly) (a reorganisation, or a truncated file).")
def workforce_headcount_change(context: AssetCheckExecutionContext) -> AssetCheckResult:
    layout = context.resources.cxex.layout
    flagged, compared = [], []
    for month in partition_keys(context):
        prev, prev_path = _previous_snapshot(layout, month)
        cur_path = layout.raw("workforce_employment", PARTITION_COL, month)
        if prev_path is None or not pq.read_metadata(cur_path).num_rows:
            continue
        compared.append(f"{month}/{prev}")
        with cursor() as con:
            rows = con.execute("""
                WITH c AS (SELECT agency_code, sum(count) AS n FROM read_parquet(?) GROUP BY 1),
                     p AS (SELECT agency_code, sum(count) AS n FROM read_parquet(?) GROUP BY 1)
                SELECT agency_code, p.n AS before, c.n AS after, (c.n - p.n) / p.n AS change
                FROM c JOIN p USING (agency_code)
                WHERE p.n > 0 AND abs(c.n - p.n) / p.n > ?
                ORDER BY abs(change) DESC""", [str(cur_path), str(prev_path), HEADCOUNT_CHANGE_BAND]).fetchall()
        flagged += [{"month": month, "agency_code": a, "before": int(b), "after": int(c), "change_pct": round(100 * ch, 1)}
                    for a, b, c, ch in rows]
    if not compared:
        return AssetCheckResult(passed=True, severity=AssetCheckSeverity.WARN,
                                description="no earlier snapshot (up to three months back) to compare with",
                                metadata={"compared_with": "none"})
    return AssetCheckResult(
        passed=not flagged, severity=AssetCheckSeverity.WARN,
        description=(f"{len(flagged)} agency-months moved more than ±{HEADCOUNT_CHANGE_BAND:.0%} since the month before: "
                     + ", ".join(f"{f['agency_code']} {f['month']} {f['change_pct']:+}%" for f in flagged[:5])) if flagged
                    else f"every agency within ±{HEADCOUNT_CHANGE_BAND:.0%} of the month before ({len(compared)} months compared)",
        metadata={"compared_with": ", ".join(compared), "flagged": flagged},
    )
