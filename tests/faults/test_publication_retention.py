"""Retention (issue 16 item 7): publish/.versions keeps the versions of the last CXEX_KEEP_VERSIONS
snapshots; quality/validation_results keeps the last CXEX_KEEP_VALIDATION_RUNS runs per asset and
partition, with quality.validation_results_latest showing the newest run's rows."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from tests.faults.publication_support import TABLES, layout_and_store, publish_once


def test_versions_keep_the_last_snapshots(tmp_path):
    from warehouse.catalog import connect
    from warehouse.publish import LocalStore

    data_dir = tmp_path / "data"
    layout, _ = layout_and_store(data_dir)
    for i in range(3):
        publish_once(data_dir, f"run{i}0000-keep")
    store = LocalStore(layout.publish_root, keep=2)
    store.repair()  # prune with keep=2, as the next commit would
    for t in TABLES:
        versions = sorted(p.name for p in (layout.publish_root / ".versions" / t).iterdir())
        assert len(versions) == 2 and versions[-1] == store.read_manifest()["tables"][t]["version"]
    snaps = sorted(p.name for p in (layout.publish_root / ".snapshots").iterdir())
    assert len(snaps) == 2 and store.read_manifest()["snapshot"] in snaps
    con = connect(layout.warehouse_file, "")
    assert con.execute("SELECT DISTINCT run_id FROM agency_scorecard").fetchall() == [("run20000-keep",)]
    con.close()


def test_validation_results_keep_the_last_runs_with_a_latest_view(tmp_path):
    from warehouse.catalog import build_catalog, connect
    from warehouse.contracts import load
    from warehouse.snapshot_files import prune_runs, write_parquet_atomic

    data_dir = tmp_path / "data"
    publish_once(data_dir, "runA0000-aaaa")
    layout, store = layout_and_store(data_dir)
    folder = layout.validation_results("raw__fevs_responses", "survey_year", "2023")
    schema = load("validation_results").schema
    for i in range(7):  # seven runs validated the same partition, oldest first
        row = {f.name: (0 if pa.types.is_integer(f.type) else "x" if pa.types.is_string(f.type) else None)
               for f in schema}
        row.update(validation_id=f"v{i}", run_id=f"run{i}", validated_at=datetime(2024, 1, 1 + i, tzinfo=timezone.utc),
                   asset="raw__fevs_responses", partition="2023", suite="fevs", expectation_id="e", success=True)
        path = folder / f"run{i}_fevs.parquet"
        write_parquet_atomic(pa.Table.from_pylist([row], schema=schema), path)
        os.utime(path, (time.time() - 100 + i, time.time() - 100 + i))
        prune_runs(folder, 5)
    assert sorted(p.name for p in folder.iterdir()) == [f"run{i}_fevs.parquet" for i in range(2, 7)]
    build_catalog(layout.warehouse_file, store, layout.validation_glob)
    con = connect(layout.warehouse_file, "")
    assert con.execute("SELECT count(*) FROM quality.validation_results").fetchone()[0] == 5
    assert con.execute("SELECT run_id FROM quality.validation_results_latest").fetchall() == [("run6",)]
    # the report reads each partition's newest run only (the rule that keeps the newest five), and says
    # what it would say from every file
    from warehouse.snapshot_files import latest_run_files
    from warehouse.report.data import open_published, validations

    assert [Path(p).name for p in latest_run_files(layout.validation_glob)] == ["run6_fevs.parquet"]
    site, present = open_published(store, layout.validation_glob)
    assert site.execute("SELECT DISTINCT run_id FROM validation_results").fetchall() == [("run6",)]
    every = duckdb.connect()
    every.execute(f"CREATE TABLE validation_results AS SELECT * FROM read_parquet('{layout.validation_glob}', union_by_name=true)")
    assert validations(site, present) == validations(every, {"validation_results"}) != []
    con.close()
