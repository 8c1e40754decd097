"""The BI star over a real `make run` publication (the session's run on the embedded default), checked in
DuckDB over the published Parquet; the analysts' shell (`make sql`) and `make help` as a user runs them."""

from __future__ import annotations

import os
import subprocess
from datetime import date

import duckdb
import pytest

from tests.conftest import REPO
from warehouse.contracts import all_contracts
from warehouse.star import DIM_KEYS, DIMENSIONS, is_fact

FACTS = [c for c in all_contracts() if is_fact(c)]


@pytest.fixture(scope="module")
def published(default_run):
    data_dir, _ = default_run
    con = duckdb.connect()
    for c in all_contracts():
        if (data_dir / "publish" / c.table).exists():
            con.execute(f"CREATE VIEW {c.table} AS SELECT * FROM read_parquet('{data_dir}/publish/{c.table}/*.parquet')")
    yield con
    con.close()


def test_every_fact_joins_every_dimension_without_fan_out_or_loss(published):
    assert {f.table for f in FACTS} >= {"ex_index_scores", "fevs_item_scores", "fevs_intent_to_leave", "workforce_metrics",
                                        "cx_service_scores", "cx_index_scores", "internal_cx_scores", "agency_scorecard",
                                        "cx_ex_linkage"}
    for dim in DIMENSIONS:
        key = next(k for k, d in DIM_KEYS.items() if d == dim)
        rows, distinct = published.execute(f"SELECT count(*), count(DISTINCT {key}) FROM {dim}").fetchone()
        assert rows == distinct > 0, dim
    joins = 0
    for fact in FACTS:
        n = published.execute(f"SELECT count(*) FROM {fact.table}").fetchone()[0]
        assert n > 0, fact.table
        for key, dim in DIM_KEYS.items():
            if key in fact.column_names:
                joined = published.execute(f"SELECT count(*) FROM {fact.table} f JOIN {dim} d USING ({key})").fetchone()[0]
                assert joined == n, f"{fact.table} ⋈ {dim} on {key}: {joined} rows, not {n}"
                joins += 1
    assert joins >= 19  # 9 facts × period, 8 × agency, 2 × LEVEL1, 1 × item, 1 × service


def test_no_key_column_holds_a_null_and_names_have_one_spelling(published):
    for c in all_contracts():
        exists = published.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [c.table]).fetchone()[0]
        if not exists:
            continue
        keys = [k for k in (*c.primary_key, *DIM_KEYS) if k in c.column_names]
        # a crosswalk identifier that belongs to no single agency (mapped = false) has no agency: NULL, never ''
        unmapped = " AND mapped" if c.table == "agency_crosswalk" else ""
        nulls = published.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {k} IS NULL{unmapped if k == 'agency_code' else ''})"
                                                        for k in keys) + f" FROM {c.table}").fetchone()
        assert not any(nulls), f"{c.table}: nulls in {dict(zip(keys, nulls))}"
        empty = published.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE trim({k}::VARCHAR) = '')" for k in keys)
                                  + f" FROM {c.table}").fetchone()
        assert not any(empty), f"{c.table}: empty keys in {dict(zip(keys, empty))}"
    for fact in FACTS:
        if "agency_name" in fact.column_names:
            differ = published.execute(f"SELECT count(*) FROM {fact.table} f JOIN dim_agency d USING (agency_code) "
                                       "WHERE f.agency_name IS DISTINCT FROM d.agency_name").fetchone()[0]
            assert differ == 0, fact.table
    # the rows that used to hold null keys now say so explicitly
    assert published.execute("SELECT DISTINCT level1_code FROM ex_index_scores WHERE org_level <> 'level1'").fetchall() == [("ALL",)]
    assert published.execute("SELECT DISTINCT agency_subelement_code FROM workforce_metrics "
                             "WHERE org_level <> 'subelement'").fetchall() == [("ALL",)]


def test_dimension_contents(published):
    """Dates by hand from the federal fiscal calendar (FY N: 1 Oct N-1 to 30 Sep N) and the fielding
    months in fevs_survey_years.csv (2019: May-June); names and wording from the curated reference files."""
    period = {r[0]: r[1:] for r in published.execute("SELECT period_key, start_date, end_date, fiscal_year_key FROM dim_period").fetchall()}
    assert period["FY2024"] == (date(2023, 10, 1), date(2024, 9, 30), "FY2024")
    assert period["FY2024Q2"] == (date(2024, 1, 1), date(2024, 3, 31), "FY2024")
    assert period["2024-02"] == (date(2024, 2, 1), date(2024, 2, 29), "FY2024")
    assert period["FEVS2019"] == (date(2019, 5, 1), date(2019, 6, 30), "FY2019")
    assert period["FEVS2020"][2] == "FY2021"  # fielded Sep-Oct 2020, paired with fiscal 2021 (straddled)
    agency = {r[0]: r[1:] for r in published.execute("SELECT agency_code, agency_name, short_name, kind FROM dim_agency").fetchall()}
    assert agency["XX"][2] == "pooled" and agency["VA"][2] == "not_in_fevs" and agency["ALL"][2] == "governmentwide"
    assert agency["AG"][:2] == ("Department of Agriculture", "USDA")
    # the first wording of the 2018 codebook's Q1, and an item whose number moved keeps one cross-year key
    item = published.execute("SELECT wording, cross_year_key FROM dim_fevs_item WHERE item_key = 'FEVS2018/Q1'").fetchone()
    assert item == ("I am given a real opportunity to improve my skills in my organization.", "2018/Q1")
    level1 = published.execute("SELECT level1_name, name_status FROM dim_level1 WHERE level1_key = 'FEVS2018/AG/AG10'").fetchone()
    assert level1 == ("Research, Education and Economics", "codebook")
    service = published.execute("SELECT service_name, department FROM dim_cx_service WHERE service_key = 'treas-irs/treas-irs'").fetchone()
    assert service == ("Internal Revenue Service (all services)", "Department of Treasury")  # the registry's spelling


def test_level1_names_are_the_2018_codebooks(reference):
    """warehouse/reference/fevs_level1.csv against OPM's own fevs2018_prdf_codebook.xlsx (sheet 'Work Unit
    Information', section 'LEVEL1 Codes'), read here straight from the workbook's XML."""
    import csv
    import html
    import re
    import zipfile

    z = zipfile.ZipFile(reference / "fevs" / "fevs2018_prdf_codebook.xlsx")
    strings = [html.unescape(re.sub("<[^>]+>", "", s)) for s in re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.S)]
    book: dict[str, str] = {}
    section = False
    for row in re.findall(r"<row [^>]*>(.*?)</row>", z.read("xl/worksheets/sheet3.xml").decode(), re.S):
        cells = [strings[int(v)] for v in re.findall(r'<c r="[AB]\d+"[^>]*t="s"[^>]*><v>(\d+)</v>', row)]
        if cells and cells[0].startswith("LEVEL1 Codes"):
            section = True
        elif section and len(cells) == 2:
            book[cells[0]] = cells[1].strip()
    with open(REPO / "warehouse" / "reference" / "fevs_level1.csv", newline="") as f:
        curated = {r["level1_code"]: r["level1_name"] for r in csv.DictReader(f) if r["survey_year"] == "2018"}
    assert len(book) > 200 and curated == book


def _make(*args: str, data_dir, stdin: str = "") -> subprocess.CompletedProcess:
    # -o: never (re)build the shared environment from a test; `make sql` uses it as installed
    env = {**os.environ, "CXEX_DATA_DIR": str(data_dir)}
    return subprocess.run(["make", "--no-print-directory", "-o", ".venv/.installed-runtime", *args], cwd=REPO, env=env,
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_make_sql_answers_a_bi_query_read_only(default_run, published):
    """Piped SQL goes through warehouse/sql_shell.py on the catalog opened read-only; the answer is the one
    DuckDB computes over the published Parquet, and a write is refused."""
    data_dir, _ = default_run
    query = ("SELECT d.short_name, p.label, round(f.score, 1) AS eei FROM ex_index_scores f "
             "JOIN dim_agency d USING (agency_code) JOIN dim_period p USING (period_key) "
             "WHERE f.index_code = 'eei' AND f.org_level = 'agency' AND d.kind = 'agency' AND p.survey_year = 2024 "
             "ORDER BY f.score DESC, d.short_name LIMIT 3")
    result = _make("sql", "FORMAT=csv", data_dir=data_dir, stdin=f"{query};\n")
    assert result.returncode == 0, result.stderr
    expected = published.execute(query).fetchall()
    assert len(expected) == 3
    for short, label, eei in expected:
        assert f"{short},{label},{eei}" in result.stdout
    refused = _make("sql", data_dir=data_dir, stdin="CREATE TABLE x AS SELECT 1;\n")
    assert refused.returncode != 0 and "read-only" in (refused.stdout + refused.stderr).lower()


def test_make_help_lists_the_targets(tmp_path):
    out = _make("help", data_dir=tmp_path).stdout
    for target in ("run", "test", "sql", "ui", "docs", "help"):
        line = next((ln for ln in out.splitlines() if ln.split()[:2] == ["make", target]), "")
        assert len(line.split()) > 2, f"make {target} has no description in `make help`:\n{out}"
