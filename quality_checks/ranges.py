"""Validating a range of partitions with one GX run.

A run may cover many partitions (24 workforce months, 12 A-11 quarters). One GX validation per
partition and suite costs ~65 ms of GX overhead each; the partitions' typed files are instead
concatenated (each row tagged with its `_partition`) and validated once. Expectations that compare
a row with its partition (the snapshot month, the fiscal quarter) compare it with columns derived
from `_partition`, so one suite serves every partition. Failures are reported per partition, with
the partition's own file and the file's row numbers.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from dagster import AssetCheckResult, AssetCheckSeverity

from assets.common import BATCH_ROWS, batches_by_rows, partition_keys, read_provenance

from .expectations import ROW_ID_COLUMN, ExpectationOutcome, SuiteOutcome
from .gx_runner import columns_needed, run_suite
from .results import check_result, combine_results

PARTITION = "_partition"
GLOBAL_ROW = "_row"


def read_range(layout, table: str, partition_col: str, keys: list[str], columns: list[str] | None = None
               ) -> tuple[pa.Table, dict[str, str]]:
    """The typed files of `keys` (only `columns` of them, if given), concatenated with `_partition` and a
    global row id; and each key's source file."""
    frames, files = [], {}
    for key in keys:
        raw = layout.raw(table, partition_col, key)
        files[key] = read_provenance(raw)["source_file"] or "(none)"
        if columns is None:
            t = pq.read_table(raw)
        else:
            present = set(pq.read_schema(raw).names)  # a batch's files may differ in their columns
            t = pq.read_table(raw, columns=[c for c in columns if c in present])
        frames.append(t.append_column(PARTITION, pa.repeat(pa.scalar(key, pa.string()), t.num_rows)))
    data = pa.concat_tables(frames, promote_options="permissive") if len(frames) > 1 else frames[0]
    return data.append_column(GLOBAL_ROW, pa.array(np.arange(data.num_rows, dtype=np.int64))), files


def validate_range(context, *, asset: str, table: str, partition_col: str, specs, suite: str,
                   derive=None, derive_reads: tuple[str, ...] = (), severity: AssetCheckSeverity = AssetCheckSeverity.ERROR,
                   check_table: str | None = None, prefix: str = "") -> AssetCheckResult:
    """Validate every partition of this run at once; store and report each partition's outcome.

    Only the columns the specs read (and `derive_reads`) are read from the files; structural
    expectations see each batch's whole schema. `derive(data)` may add columns computed from
    `_partition` that the specs compare rows with. `prefix` names the table in each outcome
    (`a11_responses.question_1`) when a check covers several; `check_table` is the folder its
    validation results are stored under (default: `table`).
    """
    keys = partition_keys(context)
    layout = context.resources.cxex.layout
    results = []
    for batch in batches(layout, table, partition_col, keys):
        schema = _batch_schema(layout, table, partition_col, batch)
        columns = columns_needed(specs, schema.names)
        columns += [c for c in derive_reads if c in schema.names and c not in columns]
        data, files = read_range(layout, table, partition_col, batch, columns)
        if derive is not None:
            data = derive(data)
        for key, part in _validate_batch(data, batch, suite, specs, prefix, schema).items():
            results.append(check_result(context, part, asset=asset, table=check_table or table, partition_col=partition_col,
                                        partition=key, source_file=files[key], severity=severity))
        del data
    return combine_results(results)


def _batch_schema(layout, table: str, partition_col: str, keys: list[str]) -> pa.Schema:
    """The columns of a batch's files together (as read_range would concatenate them whole)."""
    schemas = [pq.read_schema(layout.raw(table, partition_col, key)).remove_metadata() for key in keys]
    return pa.unify_schemas(schemas, promote_options="permissive") if len(schemas) > 1 else schemas[0]


def batches(layout, table: str, partition_col: str, keys: list[str], limit: int | None = None) -> list[list[str]]:
    """`keys` in order, grouped so that each group's typed files hold at most `limit` rows together
    (a partition larger than that is a group of its own). Validating 12 national workforce months at
    once held 25 million rows in Arrow and pandas (a 7.5 GB peak); per batch the cost of GX's start
    is still paid once for many small partitions."""
    return batches_by_rows(keys, lambda key: layout.raw(table, partition_col, key), limit or BATCH_ROWS)


def _validate_batch(data: pa.Table, keys: list[str], suite: str, specs, prefix: str,
                    schema: pa.Schema | None = None) -> dict[str, SuiteOutcome]:
    """One GX validation of a batch's rows; each partition's outcome."""
    # GX quotes row ids: give it the global one, then translate back to (partition, file row)
    has_rows = ROW_ID_COLUMN in data.column_names
    if has_rows:
        kept = data.drop_columns([ROW_ID_COLUMN])
        gx_data = kept.rename_columns([ROW_ID_COLUMN if c == GLOBAL_ROW else c for c in kept.column_names])
    else:
        gx_data = data.drop_columns([GLOBAL_ROW])
    parts, file_rows = data.column(PARTITION), data.column(ROW_ID_COLUMN) if has_rows else None

    def where(r: int) -> tuple[str, int | None]:
        """(partition, file row) of a quoted global row: looked up for the few rows GX quotes, not built for all."""
        return parts[r].as_py(), file_rows[r].as_py() if file_rows is not None else None

    if schema is not None:  # the columns as read and derived, and those of the files not read
        schema = pa.schema(list(gx_data.schema.remove_metadata()) + [f for f in schema if f.name not in gx_data.column_names])
    outcome = run_suite(gx_data, suite, specs, schema)
    out = {}
    for key in keys:
        outcomes = [_prefixed(_for_partition(o, key, where, has_rows), prefix) for o in outcome.outcomes]
        out[key] = SuiteOutcome(f"{suite}_{key}", all(o.success for o in outcomes), outcomes)
    return out


def _for_partition(o: ExpectationOutcome, key: str, where, has_rows: bool) -> ExpectationOutcome:
    """An outcome as it concerns one partition: failed there if a quoted row lies in it (or no row is known)."""
    if o.success:
        return o
    if not has_rows or not o.sample_rows:
        return o  # a table-level failure (or one without rows) concerns every partition
    mine = [where(r)[1] for r in o.sample_rows if where(r)[0] == key]
    if not mine:
        return ExpectationOutcome(o.id, o.type, o.column, True, None, 0, None, [], [])
    values = [v for r, v in zip(o.sample_rows, o.sample_values) if where(r)[0] == key] if len(o.sample_values) == len(o.sample_rows) \
        else o.sample_values
    return ExpectationOutcome(o.id, o.type, o.column, False, o.element_count, o.unexpected_count, o.observed_value, values, mine)


def _prefixed(o: ExpectationOutcome, prefix: str) -> ExpectationOutcome:
    if not prefix:
        return o
    return ExpectationOutcome(f"{prefix}/{o.id}", o.type, o.column and f"{prefix}.{o.column}", o.success, o.element_count,
                              o.unexpected_count, o.observed_value, o.sample_values, o.sample_rows)


def yyyymm_index(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Months since year 0 of a yyyymm integer column: differences count months."""
    col = col.cast(pa.int64())
    return pc.add(pc.multiply(pc.divide(col, 100), 12), pc.subtract(pc.subtract(col, pc.multiply(pc.divide(col, 100), 100)), 1))
