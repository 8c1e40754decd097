"""Run a list of expectations on a pandas frame with GX Core 1.x and summarise the outcome.

Expectations are given as plain specs (`ExpectationSpec("ExpectColumnValuesToBeInSet", {...})`)
so suites are data a test can read without importing GX. GX has no polars or DuckDB engine: the
frame is handed over as pandas (Arrow-backed where possible). Failures keep the column, the
unexpected count, sample values and the source-file rows (`source_row`) so messages can say
file, row and column.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from functools import lru_cache
from typing import Any

from quality_checks.expectations import ROW_ID_COLUMN, SAMPLE_SIZE, ExpectationOutcome, ExpectationSpec, SuiteOutcome, _snake

from .gx_import import great_expectations


@lru_cache(maxsize=None)


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _context():
    """One ephemeral GX context per process (each new one leaves a temporary docs folder behind)."""
    _quiet_gx()
    gx = great_expectations()  # lazy: GX is heavy to import (quality_checks/gx_import.py)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    _memoize_configuration()
    return ctx


# During one validation (`_validate_locked`): each Expectation's configuration, built once. GX 1.x
# rebuilds it on every read of the `Expectation.configuration` property (a pydantic `dict()` and a
# new ExpectationConfiguration), and reads it 50 to 60 times per expectation while planning and
# judging a validation: a third of a small validation's time (61 ms to 40 ms for a FEVS year's
# distinct-value suite). Keyed by id, holding the expectation so the id is not reused meanwhile;
# emptied after each validation, so nothing outlives the validation that built it.
_CONFIG_MEMO: dict[int, tuple] | None = None


def _memoize_configuration() -> None:
    """Make `Expectation.configuration` read from `_CONFIG_MEMO` while a validation runs (outside one
    it builds a fresh configuration as GX does). tests/test_gx_memo.py checks a validation's
    outcomes are the same with and without it."""
    from great_expectations.expectations.expectation import Expectation

    prop = Expectation.__dict__.get("configuration")
    if not isinstance(prop, property) or getattr(prop.fget, "cxex_memo", False):
        return  # already wrapped, or a GX whose configuration is no longer a property: left as GX has it
    build = prop.fget

    def configuration(self):
        memo = _CONFIG_MEMO
        if memo is None:
            return build(self)
        hit = memo.get(id(self))
        if hit is None or hit[0] is not self:
            hit = memo[id(self)] = (self, build(self))
        return hit[1]

    configuration.cxex_memo = True
    configuration.cxex_build = build
    Expectation.configuration = property(configuration, doc=prop.__doc__)


# Expectations whose verdict depends only on the set of distinct values in a column: they are run
# on a frame of each column's distinct values (a few rows) instead of every row, which makes
# validation cost independent of file size. Rows and counts are then recovered from the table.
VALUE_ONLY = {"ExpectColumnValuesToBeInSet", "ExpectColumnValuesToMatchRegex", "ExpectColumnValuesToBeBetween"}
STRUCTURE_ONLY = {"ExpectColumnToExist", "ExpectTableColumnsToMatchSet"}


def _columns_of(spec: ExpectationSpec, available: list[str]) -> list[str]:
    """Columns an expectation reads, those its row_condition names included."""
    k = spec.kwargs
    named = [c for c in (k.get("column"), k.get("column_A"), k.get("column_B"), *k.get("column_list", [])) if c]
    condition = k.get("row_condition") or ""
    return named + [c for c in available if c in condition]


def columns_needed(specs: list[ExpectationSpec], available: list[str]) -> list[str]:
    """Of `available` (a file's columns), those `specs` read row by row (and the row ids): what a
    caller need read from the file. Structural expectations read the schema only (run_suite's `schema`)."""
    named = {c for s in specs if s.type not in STRUCTURE_ONLY for c in _columns_of(s, available)} | {ROW_ID_COLUMN}
    return [c for c in available if c in named]


def run_suite(data, suite_name: str, specs: list[ExpectationSpec], schema=None) -> SuiteOutcome:
    """Validate `data` (a pyarrow Table, or a pandas frame) against `specs`; never raises on a failure.

    With a pyarrow Table, value-only expectations run on each column's distinct values, structural
    ones on the schema (`schema`: the whole file's, when `data` holds only the columns the other
    expectations read: columns_needed), and the rest on just the columns they need, as pandas frames.
    """
    import pyarrow as pa

    if not isinstance(data, pa.Table):
        return _validate(data, suite_name, specs)
    available = data.column_names  # (a new list at each read)
    names = set(available)
    value = [s for s in specs if s.type in VALUE_ONLY and s.column in names
             and not {"row_condition", "mostly"} & set(s.kwargs)]
    structure = [s for s in specs if s.type in STRUCTURE_ONLY]
    unique = [s for s in specs if s.type == "ExpectColumnValuesToBeUnique" and s.column in names
              and not {"row_condition", "mostly"} & set(s.kwargs)]
    local = [s for s in specs if s.type in ROW_LOCAL and all(c in names for c in _columns_of(s, []))
             and not set(s.kwargs) - ROW_LOCAL[s.type]]
    rows = [s for s in specs if s not in value and s not in structure and s not in unique and s not in local]
    outcomes: list[ExpectationOutcome] = []
    if structure:
        outcomes += _validate((schema or data.schema).empty_table().to_pandas(), suite_name, structure).outcomes
    if rows:
        cols = sorted({c for s in rows for c in _columns_of(s, available) if c in names} | {ROW_ID_COLUMN} & names)
        frame = data.select(cols).to_pandas() if cols else data.select(available[:1]).to_pandas()
        outcomes += _validate(frame, suite_name, rows).outcomes
    if value:
        outcomes += _validate_distinct(data, suite_name, value)
    outcomes += [_validate_unique(data, suite_name, s) for s in unique]
    outcomes += [_validate_row_local(data, suite_name, s) for s in local]
    return SuiteOutcome(suite_name, all(o.success for o in outcomes), outcomes)


# Expectations whose verdict on a row depends on that row's own values only (and the kwargs they may
# have for that to hold): GX validates each distinct combination of the values once, then the rows
# of the combinations it rejected (the first SAMPLE_SIZE of them: every such row is unexpected, so
# they are GX's sample of values and rows); counts come from the table. Over 2.1 million workforce
# rows a month that is two small GX validations instead of one over every row (0.4 s instead of
# 0.85 s for the month's blocking suite).
ROW_LOCAL = {"ExpectColumnValuesToNotBeNull": {"column"},
             "ExpectColumnPairValuesToBeEqual": {"column_A", "column_B"}}


def _validate_row_local(table, suite_name: str, spec: ExpectationSpec) -> ExpectationOutcome:
    import numpy as np
    import pyarrow as pa

    from warehouse.db import cursor, to_arrow

    cols = _columns_of(spec, [])
    combos = table.select(cols).group_by(cols, use_threads=False).aggregate([])  # nulls and NaNs are values too
    # each combination's index stands in for a row id, so GX names every combination it rejects
    combos = combos.append_column(ROW_ID_COLUMN, pa.array(range(combos.num_rows), pa.int64()))
    [o] = _validate(combos.to_pandas(), suite_name, [spec], complete=True, all_rows=True, verdict_first=True).outcomes
    if o.success:
        return ExpectationOutcome(o.id, o.type, o.column, True, table.num_rows, 0, o.observed_value, [], [])
    bad = combos.take(pa.array(o.sample_rows, pa.int64())).select(cols)  # the combinations GX rejected
    keep = cols + ([ROW_ID_COLUMN] if ROW_ID_COLUMN in table.column_names and ROW_ID_COLUMN not in cols else [])
    on = " AND ".join(f't."{c}" IS NOT DISTINCT FROM b."{c}"' for c in cols)
    rel = table.select(keep).append_column("__row", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    with cursor() as con:  # NaN equals NaN in DuckDB, as in the combinations
        con.register("t", rel)
        con.register("b", bad)
        hits = con.execute(f"SELECT count(*) FROM t SEMI JOIN b ON {on}").fetchall()[0][0]
        first = to_arrow(con, f"SELECT t.* EXCLUDE (__row) FROM t SEMI JOIN b ON {on} "
                              f"ORDER BY __row LIMIT {int(SAMPLE_SIZE)}")
    [r] = _validate(first.to_pandas(), suite_name, [spec]).outcomes
    return ExpectationOutcome(o.id, o.type, o.column, False, table.num_rows, int(hits), r.observed_value,
                              r.sample_values, r.sample_rows)


def _validate_unique(table, suite_name: str, spec: ExpectationSpec) -> ExpectationOutcome:
    """Uniqueness on the rows that matter. GX's pandas uniqueness over 625,000 ids takes about a
    minute; which rows repeat a value is known from the value counts. GX validates the first
    SAMPLE_SIZE rows holding a repeated value (those GX on every row would list first: a value's first
    row comes before any other row of its value, so they hold the first repeated values), plus one
    later row of each value that repeats nowhere among them, so GX sees every one of them repeat; or
    no row when nothing repeats. The true counts are recovered from the table. (A frame of the first
    1,000 such rows took 160 ms of GX per FEVS year of the sample; this one, about 20 rows, a tenth.)"""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table.column(spec.column)
    counts = pc.value_counts(column)  # chunk by chunk, no joined copy
    repeated = pc.filter(counts.field("values"), pc.and_(pc.greater(counts.field("counts"), 1),
                                                         pc.is_valid(counts.field("values"))))
    cols = [spec.column] + ([ROW_ID_COLUMN] if ROW_ID_COLUMN in table.column_names else [])
    if len(repeated) == 0:
        frame = table.select(cols).slice(0, 0)
        hits = 0
    else:
        rows = table.select(cols).filter(pc.is_in(column, value_set=repeated.slice(0, SAMPLE_SIZE)))
        first, rest = rows.slice(0, SAMPLE_SIZE), rows.slice(SAMPLE_SIZE)
        seen = pc.value_counts(first.column(spec.column).combine_chunks())
        once = pc.filter(seen.field("values"), pc.equal(seen.field("counts"), 1))
        later = rest.column(spec.column).combine_chunks()
        again = [pc.index(later, value).as_py() for value in once]  # each value's next row (it repeats)
        frame = pa.concat_tables([first, rest.take(pa.array(again, pa.int64()))])
        hits = int(pc.sum(pc.is_in(column, value_set=repeated).cast(pa.int64())).as_py() or 0)
    [o] = _validate(frame.to_pandas(), suite_name, [spec]).outcomes
    return ExpectationOutcome(o.id, o.type, o.column, o.success and hits == 0, len(column) - column.null_count, hits,
                              o.observed_value, o.sample_values, o.sample_rows)


def _validate_distinct(table, suite_name: str, specs: list[ExpectationSpec]) -> list[ExpectationOutcome]:
    """Value-only expectations on distinct values. Columns that share one expectation (the same type,
    arguments and Arrow type: a hundred FEVS items each expected in {0..5}) are stacked into one GX
    column and validated once; each column's unexpected values and rows are then recovered from it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # chunk by chunk (Arrow unifies dictionaries across chunks): joining the chunks first copied each column,
    # 40 % of the time on a range's concatenated files
    uniques = {c: pc.drop_null(pc.unique(table.column(c))) for c in sorted({s.column for s in specs})}
    groups: dict[tuple, list[ExpectationSpec]] = {}
    for s in specs:
        rest = json.dumps({k: v for k, v in s.kwargs.items() if k != "column"}, sort_keys=True, default=str)
        groups.setdefault((s.type, rest, str(uniques[s.column].type)), []).append(s)
    gx_specs, members, arrays = [], {}, {}
    for n, group in enumerate(groups.values()):
        name = group[0].column if len(group) == 1 else f"__values_{n}"
        values = uniques[group[0].column] if len(group) == 1 else pc.unique(pa.concat_arrays([uniques[s.column] for s in group]))
        arrays[name] = values
        members[name] = group
        gx_specs.append(ExpectationSpec(group[0].type, {**group[0].kwargs, "column": name}))
    height = max((len(a) for a in arrays.values()), default=0) or 1
    frame = pa.table({c: pa.concat_arrays([a, pa.nulls(height - len(a), a.type)]) for c, a in arrays.items()}).to_pandas()
    bad_values = {o.column: o.sample_values for o in _validate(frame, suite_name, gx_specs, complete=True, verdict_first=True).outcomes
                  if not o.success}
    out = []
    for name, group in members.items():
        for spec in group:
            column = table.column(spec.column)
            bad = bad_values.get(name)
            if bad is not None:
                bad = pc.filter(pa.array(bad).cast(column.type), pc.is_in(pa.array(bad).cast(column.type), value_set=uniques[spec.column]))
            if bad is None or len(bad) == 0:
                out.append(ExpectationOutcome(spec.id, _snake(spec.type), spec.column, True, len(column) - column.null_count, 0, None, [], []))
                continue
            hits = table.filter(pc.is_in(column, value_set=bad))
            rows = hits.column(ROW_ID_COLUMN).to_pylist()[:SAMPLE_SIZE] if ROW_ID_COLUMN in table.column_names else []
            out.append(ExpectationOutcome(
                spec.id, _snake(spec.type), spec.column, False, len(column) - column.null_count, hits.num_rows, None,
                [_plain(v) for v in hits.column(spec.column).to_pylist()[:SAMPLE_SIZE]], rows))
    return out


@lru_cache(maxsize=1)
def _batch_definition():
    """One GX pandas data source, asset and batch definition per process, shared by every suite (a
    batch is a frame; the suite is given at validation). Each data source or asset GX adds makes it
    serialize its whole project configuration to YAML (81 times in a make run with one per suite, 1.4 s)."""
    return (_context().data_sources.add_or_update_pandas("cxex_frames")
            .add_dataframe_asset("frame")
            .add_batch_definition_whole_dataframe("whole"))


_GX_LOCK = threading.RLock()  # GX's context is not thread-safe; make run validates two sources at once


def _validate(frame, suite_name: str, specs: list[ExpectationSpec], complete: bool = False,
              all_rows: bool = False, verdict_first: bool = False) -> SuiteOutcome:
    """One GX validation of a pandas frame (one at a time per process). `complete`: every unexpected
    value, not a sample; `all_rows`: with it, every unexpected row's `source_row` too.

    `verdict_first`: for callers that read only a passing expectation's verdict (the distinct-value and
    row-local frames, whose counts come from the table): GX judges every expectation with result
    format BOOLEAN_ONLY (half the time of COMPLETE on a FEVS year's distinct values: no unexpected
    lists or row indexes are gathered), and only the expectations that failed are validated again
    for their unexpected values and rows."""
    if verdict_first and len({s.id for s in specs}) == len(specs):
        verdicts = _validate_once(frame, suite_name, specs, complete, all_rows, verdict_only=True)
        failed = {o.id for o in verdicts.outcomes if not o.success}
        if not failed:
            return verdicts
        detail = _validate_once(frame, suite_name, [s for s in specs if s.id in failed], complete, all_rows)
        outcomes = [o for o in verdicts.outcomes if o.success] + detail.outcomes
        return SuiteOutcome(suite_name, all(o.success for o in outcomes), outcomes)
    return _validate_once(frame, suite_name, specs, complete, all_rows)


def _validate_once(frame, suite_name: str, specs: list[ExpectationSpec], complete: bool, all_rows: bool,
                   verdict_only: bool = False) -> SuiteOutcome:
    global _CONFIG_MEMO
    with _GX_LOCK:
        _CONFIG_MEMO = {}
        try:
            return _validate_locked(frame, suite_name, specs, complete, all_rows, verdict_only)
        finally:
            _CONFIG_MEMO = None


def _validate_locked(frame, suite_name: str, specs: list[ExpectationSpec], complete: bool,
                     all_rows: bool = False, verdict_only: bool = False) -> SuiteOutcome:
    gx = great_expectations()

    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=suite_name, expectations=[getattr(gx.expectations, s.type)(**s.kwargs) for s in specs])
    result_format: dict[str, Any]
    if verdict_only:
        result_format = {"result_format": "BOOLEAN_ONLY"}
    else:
        result_format = {"result_format": "COMPLETE" if complete else "SUMMARY",
                         # every row's index with all_rows (GX cuts even COMPLETE's index list to this count)
                         "partial_unexpected_count": max(len(frame), 1) if all_rows else SAMPLE_SIZE}
        if ROW_ID_COLUMN in frame.columns and (all_rows or not complete):
            result_format["unexpected_index_column_names"] = [ROW_ID_COLUMN]
    result = batch.validate(suite, result_format=result_format)
    outcomes = []
    for res in result.results:  # GX does not keep the suite's order
        cfg = res.expectation_config
        spec = ExpectationSpec(_camel(cfg.type), {k: cfg.kwargs[k] for k in ("column", "column_A") if cfg.kwargs.get(k)})
        r = res.result or {}
        rows = []
        for item in r.get("unexpected_index_list" if all_rows else "partial_unexpected_index_list") or []:
            if isinstance(item, dict) and ROW_ID_COLUMN in item:
                rows.append(int(item[ROW_ID_COLUMN]))
        listed = r.get("unexpected_list") if complete else r.get("partial_unexpected_list")
        values = [_plain(v) for v in (listed or [])]
        if not values and isinstance(r.get("details"), dict):  # column-set expectations: the unexpected columns
            values = [_plain(v) for v in ((r["details"].get("mismatched") or {}).get("unexpected") or [])]
        outcomes.append(ExpectationOutcome(
            id=spec.id, type=cfg.type, column=spec.column, success=bool(res.success),
            element_count=r.get("element_count"), unexpected_count=r.get("unexpected_count"),
            observed_value=_plain(r.get("observed_value")),
            sample_values=values if complete else values[:SAMPLE_SIZE], sample_rows=rows if all_rows else rows[:SAMPLE_SIZE],
        ))
    return SuiteOutcome(suite_name, all(o.success for o in outcomes), outcomes)


def _plain(v: Any) -> Any:
    """JSON-friendly scalar (numpy and pandas types to Python)."""
    if v is None:
        return None
    try:
        json.dumps(v)
        return v
    except TypeError:
        if hasattr(v, "item"):
            return v.item()
        return str(v)
