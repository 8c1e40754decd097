"""DuckDB's single writer vs publication and analysts.

The pipeline's steps compute in in-memory DuckDB and write Parquet; the only DuckDB *file* is the
analysts' catalog, rebuilt into a temporary file under a file lock and renamed into place. So
catalog rebuilds from many processes never meet DuckDB's lock, and an analyst's open connection
(read-only, or even read-write) never blocks a run.
"""

from __future__ import annotations

import multiprocessing as mp

import duckdb
from dagster import DagsterInstance, execute_job, reconstructable

from tests import hand_data
from tests.conftest import QUIET, land, make_defs, run_publish, run_year, write_prdf
from warehouse.catalog import connect


def publish_job():
    """Module-level, so `execute_job` can reconstruct the job from its code origin."""
    from pipelines.definitions import build_definitions

    return build_definitions().resolve_job_def("publish")


def _rebuild(args):
    from warehouse.catalog import build_catalog

    warehouse_file, publish_root = args
    return len(build_catalog(warehouse_file, publish_root))


def test_publication_with_analysts_connected(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    write_prdf(land(data_dir, 2018), hand_data.rows(), hand_data.COLUMNS)
    defs = make_defs(data_dir)
    assert run_year(defs, 2018).success and run_publish(defs).success
    catalog = data_dir / "warehouse.duckdb"
    reader = connect(catalog)  # an analyst, read-only
    before = reader.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0]
    writer = duckdb.connect(str(tmp_path / "analyst_copy.duckdb"))  # and one with a scratch database of their own
    writer.execute(f"ATTACH '{catalog}' AS cx (READ_ONLY)")
    writer.execute("SET file_search_path = ?", [str(data_dir)])  # the catalog's views are relative to its folder

    with DagsterInstance.get() as instance:
        result = execute_job(reconstructable(publish_job), instance=instance, raise_on_error=False, run_config=QUIET)
        assert result.success, [e.message for e in result.all_events if e.is_failure]
    # the analysts' connections were not broken and still answer
    assert reader.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0] == before
    assert writer.execute("SELECT count(*) FROM cx.ex_index_scores").fetchone()[0] == before
    reader.close(), writer.close()
    fresh = connect(catalog)
    assert fresh.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0] == before
    fresh.close()


def test_catalog_rebuilds_from_many_processes_while_an_analyst_holds_the_file(data_dir):
    write_prdf(land(data_dir, 2018), hand_data.rows(), hand_data.COLUMNS)
    defs = make_defs(data_dir)
    assert run_year(defs, 2018).success and run_publish(defs).success
    catalog = data_dir / "warehouse.duckdb"
    analyst = duckdb.connect(str(catalog))  # read-WRITE: DuckDB's exclusive lock on this file
    analyst.execute("SET file_search_path = ?", [str(data_dir)])
    with mp.get_context("spawn").Pool(3) as pool:
        views = pool.map(_rebuild, [(catalog, data_dir / "publish")] * 6)
    assert len(set(views)) == 1 and views[0] >= 2
    assert analyst.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0] > 0
    analyst.close()
    con = connect(catalog)
    assert con.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0] > 0
    con.close()
