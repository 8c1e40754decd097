"""The whole graph through real Dagster runs into a temporary data directory."""

from __future__ import annotations

import json
import math

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest
from dagster import AssetSelection, DagsterInstance, materialize

from assets.fevs.spec import EX_INDEX_SCORES, FEVS_ITEM_SCORES, RAW_FEVS_RESPONSES
from assets import keys
from pipelines import run as run_module
from tests import hand_data
from tests.conftest import copy_default_run, land, make_defs, run_publish, run_year, write_prdf
from warehouse.bi_files import file_version
from warehouse.catalog import connect as open_catalog


def _published_state(data_dir):
    pub = data_dir / "publish"
    return {t: (file_version(pub / t / "data.parquet"), (pub / t / "data.parquet").read_bytes())
            for t in ("fevs_item_scores", "ex_index_scores")}


def test_full_graph_materializes_with_dagster(data_dir):
    defs = make_defs(data_dir)
    graph = defs.resolve_asset_graph()
    all_assets = list(defs.assets) + list(defs.asset_checks)
    resources = defs.resources
    instance = DagsterInstance.ephemeral()
    yearly = AssetSelection.keys(RAW_FEVS_RESPONSES, FEVS_ITEM_SCORES, EX_INDEX_SCORES)
    for year in ("2018", "2024"):
        r = materialize(all_assets, selection=yearly, partition_key=year, resources=resources, instance=instance)
        assert r.success
        checks = {c.check_name: c for c in r.get_asset_check_evaluations()}
        assert set(checks) == {"fevs_responses_expectations", "fevs_responses_warnings"}
        assert checks["fevs_responses_expectations"].passed
    r = materialize(all_assets, selection=AssetSelection.groups("publish"), resources=resources, instance=instance)
    assert r.success
    assert keys.WAREHOUSE_CATALOG in graph.get_all_asset_keys()

    # BI tools and analysts read the same tables four ways and see the same rows
    path = data_dir / "publish" / "ex_index_scores"
    n = pq.read_table(path).num_rows
    assert n == pl.read_parquet(path / "*.parquet").height == len(pd.read_parquet(path))
    con = open_catalog(data_dir / "warehouse.duckdb")  # relative views: file_search_path set
    assert con.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0] == n
    years = con.execute("SELECT list(DISTINCT survey_year ORDER BY survey_year) FROM ex_index_scores").fetchone()[0]
    assert years == [2018, 2024]
    idx_2024 = {r[0] for r in con.execute("SELECT DISTINCT index_code FROM ex_index_scores WHERE survey_year = 2024").fetchall()}
    assert idx_2024 == {"eei", "eei_leaders_lead", "eei_supervisors", "eei_intrinsic_work_experience",
                        "global_satisfaction", "performance_confidence", "employee_experience"}
    comments = con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'ex_index_scores' AND comment IS NOT NULL AND comment <> ''").fetchone()[0]
    assert comments == len(pq.read_schema(path / "data.parquet"))
    # blocking suites all pass; the warnings suite flags the sample's Excel-mangled RandomID, as on OPM's files
    assert con.execute("SELECT bool_and(success) FROM quality.validation_results WHERE suite NOT LIKE '%warnings' "
                       "AND asset LIKE 'raw/%'").fetchone()[0] is True
    assert con.execute("SELECT bool_and(source_is_sample) FROM fevs_item_scores").fetchone()[0] is True
    con.close()
    manifest = json.loads((data_dir / "publish" / "_manifest.json").read_text())
    assert manifest["tables"]["ex_index_scores"]["rows"] == n


def test_make_run_entrypoint_is_idempotent(default_run, tmp_path, monkeypatch):
    _, out = default_run
    data_dir = copy_default_run(default_run, tmp_path / "data")
    monkeypatch.setenv("CXEX_DATA_DIR", str(data_dir))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert "Employee Engagement Index, 2024 (SAMPLE data" in out and "top:" in out and "bottom:" in out
    assert "Workforce, FY2024 (SAMPLE data)" in out and "CX trust (percent favourable), FY2024" in out
    first = {t: pq.read_table(data_dir / "publish" / t) for t in ("ex_index_scores", "fevs_item_scores", "cx_service_scores")}
    assert sorted(set(first["ex_index_scores"].column("survey_year").to_pylist())) == list(range(2018, 2025))
    assert run_module.main(["--source", "fevs,a11"]) == 0  # re-run two sources (the whole run is the session's fixture)
    for t, table in first.items():
        second = pq.read_table(data_dir / "publish" / t)
        cols = [c for c in table.column_names if c != "run_id"]
        assert table.select(cols).equals(second.select(cols)), t  # bit-identical apart from the run id
    # versions are kept (at most three), the current one linked
    assert len(list((data_dir / "publish" / ".versions" / "ex_index_scores").iterdir())) == 2


def test_bad_partition_is_blocked_and_published_tables_survive(data_dir, capsys, monkeypatch):
    defs = make_defs(data_dir)
    instance = DagsterInstance.ephemeral()
    write_prdf(land(data_dir, 2019), hand_data.rows(), hand_data.COLUMNS)
    assert run_year(defs, 2019, instance).success and run_publish(defs, instance).success
    before = _published_state(data_dir)
    staged = (data_dir / "staging" / "ex_index_scores" / "survey_year=2019" / "data.parquet").read_bytes()

    rows = hand_data.rows()
    rows[3]["Q12"] = 7
    rows[8]["Q12"] = 9
    write_prdf(land(data_dir, 2019), rows, hand_data.COLUMNS)  # a corrupt re-release of the same file
    result = run_year(defs, 2019, instance)
    assert not result.success
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "fevs_responses_expectations"]
    assert not check.passed
    assert check.metadata["column"].value == "Q12"
    assert check.metadata["unexpected_count"].value == 2
    assert check.metadata["sample_values"].value == [7, 9] and check.metadata["sample_rows"].value == [5, 10]
    assert "landing/fevs/2019/prdf.csv" in check.description and "Q12" in check.description
    # the scores were not recomputed, the published tables are byte-for-byte what they were
    assert not result.asset_materializations_for_node("warehouse__fevs_item_scores")
    assert (data_dir / "staging" / "ex_index_scores" / "survey_year=2019" / "data.parquet").read_bytes() == staged
    assert _published_state(data_dir) == before
    results = pq.read_table(data_dir / "quality" / "validation_results" / "fevs_responses").to_pandas()
    blocking = ~results.suite.str.endswith("_warnings")
    assert results.loc[~results.success & blocking, "column_name"].tolist() == ["Q12"]

    # and `make run` says so and exits non-zero; FEVS keeps its last good tables, the sources that do not
    # depend on FEVS still publish (here GSA CSS: the run covers FEVS and CSS only, to keep the test short),
    # and the cross-agency tables are computed from what is published, naming its versions (one rule for
    # every publication, assets/publication.py)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert run_module.main(["--source", "fevs,css"]) == 1  # FEVS and a source that does not depend on it (fast)
    out, err = capsys.readouterr()
    assert "cxex: FEVS 2019 failed" in err and "landing/fevs/2019/prdf.csv: column Q12" in err and "row(s) [5, 10]" in err
    assert _published_state(data_dir) == before
    kept = out.split("kept their last good version: ")[1].splitlines()[0].split(", ")
    assert {"fevs_item_scores", "ex_index_scores", "fevs_intent_to_leave"} <= set(kept)
    assert "internal_cx_scores" in out.split("republished")[1].splitlines()[0]
    tables = json.loads((data_dir / "publish" / "_manifest.json").read_text())["tables"]
    crosswalk = tables["agency_crosswalk"]["built_from"]
    assert crosswalk["ex_index_scores"] == tables["ex_index_scores"]["version"]
    assert crosswalk["internal_cx_scores"] == tables["internal_cx_scores"]["version"]


def test_unreadable_value_fails_the_parse_with_location(data_dir, capsys, monkeypatch):
    rows = hand_data.rows()
    rows[0]["POSTWT"] = "n/a"
    write_prdf(land(data_dir, 2018), rows, hand_data.COLUMNS)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert run_module.main(["--source", "fevs"]) == 1  # `make run SOURCE=fevs`
    err = capsys.readouterr().err
    assert "landing/fevs/2018/prdf.csv: row 2, column POSTWT: weight 'n/a' is not a number" in err
    assert not (data_dir / "publish" / "ex_index_scores").exists()


def test_every_published_table_reads_the_same_in_four_engines(default_run):
    """What BI tools and analysts see: pyarrow, polars, pandas and the DuckDB catalog agree on every table."""
    from warehouse.contracts import all_contracts

    data_dir = default_run[0]
    manifest = json.loads((data_dir / "publish" / "_manifest.json").read_text())
    con = open_catalog(data_dir / "warehouse.duckdb")  # relative views: file_search_path set
    published = [c for c in all_contracts() if c.table != "validation_results"]
    assert {c.table for c in published} == set(manifest["tables"])
    for c in published:
        path = data_dir / "publish" / c.table
        arrow = pq.read_table(path)
        assert arrow.schema.names == c.column_names and arrow.schema == c.schema, c.table
        assert pl.read_parquet(path / "*.parquet").height == len(pd.read_parquet(path)) == arrow.num_rows, c.table
        assert con.execute(f"SELECT count(*) FROM {c.table}").fetchone()[0] == arrow.num_rows, c.table
        assert manifest["tables"][c.table]["rows"] == arrow.num_rows and manifest["tables"][c.table]["pipeline_version"]
        assert arrow.num_rows > 0, c.table
    card = con.execute("SELECT count(*) FILTER (WHERE ex_index IS NOT NULL), count(*) FILTER (WHERE cx_index IS NOT NULL) "
                       "FROM agency_scorecard WHERE year = 2024").fetchone()
    assert card[0] >= 20 and card[1] >= 5
    assert con.execute("SELECT count(*) FROM cx_ex_linkage WHERE pearson_r IS NOT NULL").fetchone()[0] > 0
    con.close()


def test_raw_and_staging_tables_match_their_contracts(default_run):
    """Raw and staging tables are declared once (warehouse/contracts/raw/), checked before they are
    written, and what the embedded default wrote matches them, partition by partition."""
    import pyarrow as pa

    from warehouse.contracts import ContractError, check_stage, stage_contracts

    data_dir = default_run[0]
    for contract in stage_contracts():
        folder = data_dir / ("staging" if contract.kind == "staging" else "raw") / contract.table
        files = sorted(folder.rglob("*.parquet"))
        assert files, contract.table
        for f in files:
            table = pq.read_table(f)
            assert table.column_names[:len(contract.column_names)] == contract.column_names, f
            check_stage(table, contract)
    # and the check can fail: a wrong type, a missing column, a column no pattern allows
    css = next(c for c in stage_contracts() if c.table == "gsa_css")
    good = css.schema.empty_table()
    with pytest.raises(ContractError, match="respondents"):
        check_stage(good.set_column(good.schema.get_field_index("respondents"), "respondents", pa.array([], pa.string())), css)
    with pytest.raises(ContractError, match="missing"):
        check_stage(good.drop_columns(["function"]), css)
    with pytest.raises(ContractError, match="free_text"):
        check_stage(good.append_column("free_text", pa.array([], pa.string())), css)


def test_staged_files_read_back_as_their_contracts_declare_with_text_held_as_dictionaries(tmp_path):
    """Raw and staging files are written without the Arrow schema and without text statistics
    (warehouse/snapshot_files.py STAGE_PARQUET): every contract's types, its provenance and the values of
    dictionary-encoded text (TEXT_DICTIONARY: FEVS text items, workforce codes) come back as declared."""
    import pyarrow as pa

    from assets.common import PROVENANCE_META, read_provenance, write_stage
    from warehouse.contracts import TEXT_DICTIONARY, ContractError, check_stage, stage_contracts

    for contract in stage_contracts():
        arrays = []
        for f in contract.schema:
            if f.type == pa.string():
                arrays.append(pa.array(["b", "a", "b"] if not f.nullable else ["b", None, "a"]).dictionary_encode())
            else:
                arrays.append(pa.array([None] * 3, pa.null()).cast(f.type) if f.nullable else
                              pa.array([1, 0, 1]).cast(f.type) if not pa.types.is_timestamp(f.type) and not pa.types.is_date(f.type)
                              else pa.array([0, 1, 2], pa.int32()).cast(pa.date32()).cast(f.type))
        table = pa.table(arrays, names=contract.column_names)
        out = tmp_path / f"{contract.table}.parquet"
        written = write_stage(table, contract.table, out, {PROVENANCE_META: '{"source": "x"}'})
        assert any(f.type == TEXT_DICTIONARY for f in written.schema) == (pa.string() in contract.schema.types), contract.table
        back = pq.read_table(out)
        assert [f.type for f in back.schema] == contract.schema.types, contract.table
        for f in contract.schema:
            want = written.column(f.name)
            want = want.cast(pa.string()) if want.type == TEXT_DICTIONARY else want
            assert back.column(f.name).equals(want), (contract.table, f.name)
        assert read_provenance(out) == {"source": "x"}
        meta = pq.read_metadata(out).row_group(0)
        for i, f in enumerate(contract.schema):
            stats = meta.column(i).statistics
            has_min_max = stats is not None and stats.has_min_max
            if f.type == pa.string():
                assert not has_min_max, (contract.table, f.name)  # no text statistics
            elif not f.nullable:
                assert has_min_max, (contract.table, f.name)  # the others kept (null-only columns have none)
    # a dictionary is text only: dictionary-encoded numbers are not an int8 column
    fevs = next(c for c in stage_contracts() if c.table == "fevs_responses")
    good = fevs.schema.empty_table()
    with pytest.raises(ContractError, match="postwt"):
        check_stage(good.set_column(good.schema.get_field_index("postwt"), "postwt", pa.array([], pa.float64()).dictionary_encode()), fevs)


def test_report_site_built_by_make_run(default_run, tmp_path, monkeypatch):
    """Issue 15: `make run` builds the report site and prints it; `make report`'s rebuild links it from the asset's
    metadata; the site passes the checks of tests/report_site.py in headless Chromium; the embedded default's
    site is under 10 MB and its build function takes under 5 s."""
    from dagster import DagsterInstance

    from pipelines.definitions import build_definitions
    from pipelines.report import rebuild
    from tests import report_site

    data_dir, out = default_run
    monkeypatch.setenv("CXEX_DATA_DIR", str(data_dir))  # the rebuild reads the settings from the environment
    assert f"Report site: {data_dir / 'publish' / 'report' / 'index.html'}" in out
    report_site.check_asset_metadata(data_dir, rebuild(build_definitions(), DagsterInstance.ephemeral()))
    from pipelines.report import main as make_report  # `make report`: rebuilds and prints the path

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert make_report([]) == 0
    report_site.check_in_chromium(data_dir)
    report_site.check_figures_are_valid_plotly(data_dir)
    seconds, size = report_site.check_size_time_and_issue14_tables(data_dir, tmp_path)
    print(f"report site of the embedded default: {size / 1e6:.2f} MB, built in {seconds:.2f} s")


def test_factor_screen_recovers_the_planted_structure(default_run):
    """The embedded sample plants one management trait behind three FEVS items, the quit rate and internal
    CX (assets/sources/sample_world.py); every other candidate is noise for internal CX. The pooled screen must
    flag every planted factor robust, with its planted sign, and flag no more noise than Benjamini-Hochberg
    allows at 5 % (rounded up to one discovery). The summary names them and one agency's assessment."""
    from assets.sources.sample_world import DERIVED_CANDIDATES, PLANTED_CANDIDATES

    data_dir, out = default_run
    con = open_catalog(data_dir / "warehouse.duckdb")
    rows = con.execute("""SELECT candidate, pearson_r, robust FROM ex_cx_factors
                          WHERE period = 'pooled' AND outcome = 'internal_cx' AND candidate_kind <> 'focus_area'""").fetchall()
    robust = {c: r for c, r, ok in rows if ok}
    assert len(rows) >= 40  # many candidates tested
    for cand, sign in PLANTED_CANDIDATES.items():
        assert cand in robust and robust[cand] * sign > 0, cand
    noise = [c for c in robust if c not in PLANTED_CANDIDATES and c not in DERIVED_CANDIDATES]
    assert len(noise) <= math.ceil(0.05 * len(robust)), noise
    # the assessment reads top to bottom for every agency-year
    orders = con.execute("""SELECT list(section_order ORDER BY section_order, item_order) = list(section_order ORDER BY section_order)
                            FROM agency_assessment GROUP BY agency_code, year""").fetchall()
    assert orders and all(o[0] for o in orders)
    con.close()
    assert "internal_cx:" in out and "workforce:quit_rate" in out and "[where_to_start]" in out
