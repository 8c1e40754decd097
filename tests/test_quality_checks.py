"""The GX suite on typed FEVS frames: each rule fails on the data it exists to catch."""

from __future__ import annotations

import pyarrow as pa
import pytest

from assets.fevs.prdf import parse_prdf
from warehouse.fevs_scores import scored_item_columns
from quality_checks.fevs.suite import fevs_expectations
from quality_checks.gx_runner import run_suite
from tests import hand_data
from tests.conftest import write_prdf


@pytest.fixture(scope="module")
def good_table(tmp_path_factory):
    path = write_prdf(tmp_path_factory.mktemp("q") / "good.csv", hand_data.rows(), hand_data.COLUMNS)
    return parse_prdf(path, 2018).table


def _validate(table, mutate=None, bounds=(10, 1_500_000)):
    """Validate through both paths (pandas rows, and Arrow with distinct-value checks): they must agree."""
    df = table.to_pandas()
    if mutate:
        df = mutate(df)
    specs = fevs_expectations(2018, scored_item_columns(table.schema), bounds)
    by_rows = run_suite(df, "fevs_responses_2018", specs)
    arrow = pa.Table.from_pandas(df, preserve_index=False).cast(
        pa.schema([table.schema.field(c) if c in table.column_names else f for c, f in
                   zip(df.columns, pa.Table.from_pandas(df, preserve_index=False).schema)]), safe=False)
    by_values = run_suite(arrow, "fevs_responses_2018", specs)
    summary = lambda o: sorted((f.id, f.unexpected_count, tuple(sorted(f.sample_rows))) for f in o.failures)  # noqa: E731
    assert by_rows.success == by_values.success and summary(by_rows) == summary(by_values)
    return by_values


def test_clean_file_passes(good_table):
    out = _validate(good_table)
    assert out.success, [f.describe() for f in out.failures]
    assert len(out.outcomes) == len(fevs_expectations(2018, scored_item_columns(good_table.schema)))


def _set(col, row_index, value):
    def mutate(df):
        df = df.copy()
        df.loc[row_index, col] = value
        return df
    return mutate


@pytest.mark.parametrize("column, rows, value, expectation", [
    ("Q12", [3, 7], 7, "expect_column_values_to_be_in_set"),
    ("postwt", [0], -1.5, "expect_column_values_to_be_between"),
    ("postwt", [4], float("inf"), "expect_column_values_to_be_between"),
    ("postwt", [2], float("nan"), "expect_column_values_to_not_be_null"),
    ("agency_code", [5], "A1", "expect_column_values_to_match_regex"),
])
def test_each_rule_names_column_rows_and_values(good_table, column, rows, value, expectation):
    def mutate(df):
        df = df.copy()
        for r in rows:
            df.loc[r, column] = value
        return df
    out = _validate(good_table, mutate)
    failed = [f for f in out.failures if f.column == column and f.type == expectation]
    assert not out.success and failed, [f.describe() for f in out.failures]
    f = failed[0]
    assert f.unexpected_count >= len(rows)
    if expectation != "expect_column_values_to_not_be_null":
        assert f.sample_rows and set(f.sample_rows) >= {r + 2 for r in rows}  # file rows: header is row 1
    assert column in f.describe()


def test_missing_index_item_is_caught(good_table):
    out = _validate(good_table.drop_columns(["Q53"]))
    assert [f.id for f in out.failures] == ["expect_column_to_exist:Q53"]


def test_row_count_bounds(good_table, monkeypatch):
    # the bound comes from the settings (CXEX_FEVS_MIN_RESPONDENTS=100), as the check passes it
    from assets.resources import CxexResource

    monkeypatch.setenv("CXEX_FEVS_MIN_RESPONDENTS", "100")
    out = _validate(good_table, bounds=CxexResource.from_env().fevs_respondent_bounds)
    assert [f.id for f in out.failures] == ["expect_table_row_count_to_be_between"]
    assert out.failures[0].observed_value == good_table.num_rows


def test_x_and_blank_are_allowed_but_distinct(good_table):
    q1 = good_table.column("Q1").to_pylist()
    assert q1[5] == 0 and q1[6] is None  # X → 0, blank → null
    assert _validate(good_table).success


def test_uniqueness_on_the_repeated_rows_agrees_with_gx_on_every_row():
    """Repeated ids (OPM's Excel-mangled RandomID): the Arrow path validates only rows of repeated values
    and recovers the counts; GX on the whole pandas frame must report the same failure."""
    import pyarrow as pa

    from quality_checks.expectations import ExpectationSpec
    from quality_checks.gx_runner import run_suite

    ids = [f"1.12971E+1{i % 7}" if i % 3 == 0 else f"id{i}" for i in range(3000)]
    table = pa.table({"respondent_id": ids, "source_row": pa.array(range(2, 3002), pa.int32())})
    spec = [ExpectationSpec("ExpectColumnValuesToBeUnique", {"column": "respondent_id"})]
    fast, full = run_suite(table, "ids", spec).outcomes[0], run_suite(table.to_pandas(), "ids", spec).outcomes[0]
    assert not fast.success and not full.success
    assert fast.unexpected_count == full.unexpected_count == 1000 and fast.element_count == full.element_count == 3000
    assert set(fast.sample_values) <= {f"1.12971E+1{k}" for k in range(7)} and fast.sample_rows[0] == 2
    assert (fast.sample_values, fast.sample_rows) == (full.sample_values, full.sample_rows)  # GX's first rows, in order
    clean = pa.table({"respondent_id": [f"id{i}" for i in range(50)]})
    assert run_suite(clean, "ids", spec).outcomes[0].success
