"""Names for every code a table carries (issue 33 item 2): cx_ex_linkage, ex_cx_factors, dim_period and
dim_fevs_item carried codes (`pooled_within_year_z`, `fevs_survey_year`, `scale_5`...) that a BI user had
to look up in the data dictionary. On the default run (`default_run`), every code has a name column
beside it, filled wherever the code is; and the names come from warehouse/reference/code_names.csv."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warehouse.code_names import code_names, name_column, with_code_names

NAMED = {"cx_ex_linkage": ["ex_measure", "cx_measure", "cx_era"], "ex_cx_factors": ["method", "candidate_kind"],
         "dim_period": ["period_type", "fiscal_year_basis"], "dim_fevs_item": ["kind", "polarity", "index_codes"]}


@pytest.mark.parametrize("table", sorted(NAMED))
def test_every_published_code_has_a_name(default_run, table):
    data_dir, _ = default_run
    t = pq.read_table(data_dir / "publish" / table / "data.parquet").to_pandas()
    for column in NAMED[table]:
        name = name_column(column)
        assert name in t.columns, (table, name)
        coded = t[t[column].notna()]
        assert len(coded), (table, column)
        unnamed = coded[coded[name].isna() | (coded[name] == "")]
        assert unnamed.empty, f"{table}.{column}: codes without a name: {sorted(set(unnamed[column]))}"
        assert t[t[column].isna()][name].isna().all()


def test_names_come_from_the_reference_file_and_a_list_is_named_item_by_item():
    t = pa.table({"index_codes": ["eei,global_satisfaction", None], "kind": ["scale_5", "mystery"]})
    out = with_code_names("dim_fevs_item", t)
    assert out.column("index_names").to_pylist() == ["Employee Engagement Index; Global Satisfaction Index", None]
    assert out.column("kind_name").to_pylist() == [code_names()["dim_fevs_item"]["kind"]["scale_5"], None]
    assert with_code_names("ex_index_scores", t).equals(t)  # a table the file does not name is left as it is
    # rows built from the contract's columns (every name null, as warehouse/factors.py builds them) are named
    built = pa.table({"method": ["cross_section"], "method_name": pa.array([None], pa.string())})
    assert with_code_names("ex_cx_factors", built).column("method_name").to_pylist() == [
        code_names()["ex_cx_factors"]["method"]["cross_section"]]
