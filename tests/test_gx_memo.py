"""quality_checks/gx_runner.py builds each GX Expectation's configuration once per validation (GX 1.x
rebuilds it at every read of `Expectation.configuration`, 50 to 60 times per expectation). The
outcomes must be the ones GX gives with its own property: verdicts, counts, observed values, sample
values and rows, for passing and failing expectations of every type cxex runs. The frame is the one
tests/test_gx_row_local.py builds (nulls, NaNs, ints, strings, a workforce-like month pair)."""

from __future__ import annotations

import pytest

from quality_checks import gx_runner
from quality_checks.expectations import ExpectationSpec as E
from quality_checks.gx_runner import run_suite
from tests.test_gx_row_local import SPECS, _table

VALUE_SPECS = [
    E("ExpectColumnValuesToBeInSet", {"column": "a", "value_set": [0, 1, 2, 3, 4]}),  # 5 is out
    E("ExpectColumnValuesToMatchRegex", {"column": "agency", "regex": "^[A-H][A-Z]$"}),  # VA is out
    E("ExpectColumnValuesToBeBetween", {"column": "b", "min_value": 0, "max_value": 5}),  # 6 is out
    E("ExpectColumnValuesToBeUnique", {"column": "source_row"}),
    E("ExpectTableRowCountToBeBetween", {"min_value": 1, "max_value": 100}),
    E("ExpectColumnToExist", {"column": "a"}),
    E("ExpectColumnToExist", {"column": "Q12"}),
    E("ExpectTableColumnsToMatchSet", {"column_set": ["a", "b"], "exact_match": True}),
]


def _gx_own_property():
    from great_expectations.expectations.expectation import Expectation

    gx_runner._context()  # installs the memo
    memo = Expectation.__dict__["configuration"]
    assert getattr(memo.fget, "cxex_memo", False), "the configuration memo is not installed"
    return Expectation, memo, property(memo.fget.cxex_build)


def _keyed(outcome):
    return {o.id: repr(o) for o in outcome.outcomes}  # repr: a NaN sample value equals itself


@pytest.mark.parametrize("as_pandas", [True, False])
def test_memoised_configuration_gives_gx_own_outcomes(as_pandas):
    table = _table(3)
    data = table.to_pandas() if as_pandas else table
    specs = SPECS + VALUE_SPECS
    Expectation, memo, own = _gx_own_property()
    memoised = run_suite(data, "t", specs)
    assert gx_runner._CONFIG_MEMO is None  # nothing outlives a validation
    Expectation.configuration = own
    try:
        plain = run_suite(data, "t", specs)
    finally:
        Expectation.configuration = memo
    assert _keyed(memoised) == _keyed(plain)
    failed = {o.id for o in memoised.outcomes if not o.success}
    assert {"expect_column_values_to_be_in_set:a", "expect_column_values_to_match_regex:agency",
            "expect_column_values_to_be_between:b", "expect_column_to_exist:Q12",
            "expect_table_row_count_to_be_between"} <= failed
    assert "expect_column_values_to_be_unique:source_row" not in failed
