"""Faults injected into FEVS files: every declared scale item is validated, ids and unknown items only warn.

The base file is tests/hand_data (2018 layout, the columns of the real 2018 PRDF extract in
../shared/reference/fevs: RANDOM, AGENCY, LEVEL1, POSTWT, Q1-Q71). Q1 is no index item, but OPM's
2018 codebook puts it on the 5-point scale, so it is declared (warehouse/reference/fevs_items.csv)
and must hold 1-5, X or blank like an index item.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from assets.sources.fevs_prdf import parse_prdf
from assets.sources.files import SourceFileError
from quality_checks.fevs_suite import fevs_expectations, fevs_warning_expectations
from quality_checks.gx_runner import run_suite
from tests import hand_data
from tests.conftest import land, make_defs, run_year, write_prdf
from warehouse.fevs_scores import scored_item_columns


def _table(tmp_path, mutate=None, columns=None) -> pa.Table:
    rows = hand_data.rows()
    if mutate:
        mutate(rows)
    return parse_prdf(write_prdf(tmp_path / "f.csv", rows, columns or hand_data.COLUMNS), 2018).table


@pytest.mark.parametrize("value", ["6", "-1"])
def test_out_of_range_answer_in_a_non_index_declared_item_blocks(tmp_path, value):
    def mutate(rows):
        rows[4]["Q1"] = value
    t = _table(tmp_path, mutate)
    out = run_suite(t, "fevs_responses_2018", fevs_expectations(2018, scored_item_columns(t.schema), columns=t.column_names))
    [f] = out.failures
    assert f.column == "Q1" and f.type == "expect_column_values_to_be_in_set" and f.sample_rows == [6]


@pytest.mark.parametrize("value", ["Y", "3.0", "0"])
def test_non_answers_in_a_declared_item_stop_the_parse(tmp_path, value):
    """`0` too: the parser stores X as 0, so a literal 0 would otherwise pass as "do not know"."""
    def mutate(rows):
        rows[4]["Q1"] = value
    with pytest.raises(SourceFileError, match=rf"f\.csv: row 6, column Q1: answer '{value}' is not 1-5, X or blank"):
        _table(tmp_path, mutate)


def test_repeated_ids_and_unknown_q_columns_only_warn(tmp_path):
    def mutate(rows):
        for r in rows:
            r["RANDOM"] = "1.12971E+11"  # as Excel left OPM's RandomID
            r["Q72"] = "3"               # not in 2018's item map
    t = _table(tmp_path, mutate, [*hand_data.COLUMNS, "Q72"])
    assert t.schema.field("Q72").type == pa.string() and "Q72" not in scored_item_columns(t.schema)
    blocking = run_suite(t, "b", fevs_expectations(2018, scored_item_columns(t.schema), columns=t.column_names))
    assert blocking.success, [f.describe() for f in blocking.failures]
    warn = run_suite(t, "w", fevs_warning_expectations(2018, t.column_names))
    assert {f.type for f in warn.failures} == {"expect_column_values_to_be_unique", "expect_table_columns_to_match_set"}
    [cols] = [f for f in warn.failures if f.type == "expect_table_columns_to_match_set"]
    assert cols.sample_values == ["Q72"] and "Q72" in cols.describe()  # the unknown column is named


def test_out_of_range_non_index_item_stops_the_dagster_run(data_dir):
    rows = hand_data.rows()
    rows[2]["Q9"] = 6  # Q9: "I have sufficient resources..." (2018 codebook), no index item
    write_prdf(land(data_dir, 2018), rows, hand_data.COLUMNS)
    result = run_year(make_defs(data_dir), 2018)
    assert not result.success
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "fevs_responses_expectations"]
    assert not check.passed and check.metadata["column"].value == "Q9"
    assert not result.asset_materializations_for_node("warehouse__ex_index_scores")
