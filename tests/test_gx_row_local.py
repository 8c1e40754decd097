"""quality_checks/gx_runner.py validates row-local expectations (not null; a pair of columns equal)
on the distinct value combinations, then on the rejected combinations' rows. Its outcomes must be
the ones GX gives on every row: verdict, counts, sample values and sample rows, compared here with
GX run on the whole frame (run_suite given pandas), for nulls, NaNs that are not nulls, ints,
strings and a column pair shaped like the workforce snapshot check (snapshot month vs partition)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from quality_checks.expectations import ExpectationSpec as E
from quality_checks.gx_runner import run_suite


def _table(seed: int, n: int = 4000) -> pa.Table:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 6, n).astype(float)
    b = a.copy()
    b[rng.choice(n, 25, replace=False)] += 1
    a_nan = a.copy()
    a_nan[rng.choice(n, 15, replace=False)] = np.nan  # NaN values, not nulls (pandas sees them as missing)
    month = np.full(n, 202401, dtype=np.int32)
    month[rng.choice(n, 7, replace=False)] = 202312  # rows of another month in the file
    nulls = rng.random(n) < 0.01
    return pa.table({
        "a": pa.array(a, mask=rng.random(n) < 0.01),
        "b": pa.array(b, mask=rng.random(n) < 0.01),
        "a_nan": pa.array(a_nan),
        "agency": pa.array(np.where(nulls, None, rng.choice(["AG", "HE", "VA"], n)).tolist(), pa.string()),
        "snapshot_yyyymm": pa.array(month),
        "_partition_yyyymm": pa.array(np.full(n, 202401, dtype=np.int64)),
        "source_row": pa.array(range(2, n + 2), pa.int32()),
    })


SPECS = [E("ExpectColumnValuesToNotBeNull", {"column": "a"}), E("ExpectColumnValuesToNotBeNull", {"column": "a_nan"}),
         E("ExpectColumnValuesToNotBeNull", {"column": "agency"}),
         E("ExpectColumnPairValuesToBeEqual", {"column_A": "a", "column_B": "b"}),
         E("ExpectColumnPairValuesToBeEqual", {"column_A": "a_nan", "column_B": "b"}),
         E("ExpectColumnPairValuesToBeEqual", {"column_A": "snapshot_yyyymm", "column_B": "_partition_yyyymm"})]


def _key(o):
    return o.success, o.element_count, o.unexpected_count, o.sample_rows, repr(o.sample_values)


@pytest.mark.parametrize("seed", [1, 2])
def test_row_local_outcomes_equal_gx_on_every_row(seed):
    table = _table(seed)
    fast = {o.id: _key(o) for o in run_suite(table, "t", SPECS).outcomes}
    every_row = {o.id: _key(o) for o in run_suite(table.to_pandas(), "t", SPECS).outcomes}
    assert fast == every_row
    assert not any(v[0] for v in fast.values())  # each spec failed somewhere: the comparison covers failures
    clean = table.filter(pa.compute.and_(pa.compute.is_valid(table["agency"]), pa.compute.is_valid(table["a"])))
    ok = [SPECS[0], SPECS[2]]
    assert {o.id: _key(o) for o in run_suite(clean, "t", ok).outcomes} == \
        {o.id: _key(o) for o in run_suite(clean.to_pandas(), "t", ok).outcomes}
    assert all(o.success for o in run_suite(clean, "t", ok).outcomes)
