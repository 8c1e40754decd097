"""cxex's Dagster event log (pipelines/instance.py) on a real SQLite instance in a temporary
DAGSTER_HOME: a run's database starts as a copy of a template Dagster itself initialized, and is
then exactly what Dagster would have made (schema at its head revision, WAL mode, events readable)."""

from __future__ import annotations

import sqlite3

from dagster import AssetKey, DagsterInstance, asset, materialize

from pipelines.instance import CxexSqliteEventLogStorage, ensure_instance_config


@asset(partitions_def=None)
def tiny():
    return 1


def _tables(path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}
    finally:
        con.close()


def test_run_databases_start_from_dagsters_own_template(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    ensure_instance_config(home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, CxexSqliteEventLogStorage)
        first = materialize([tiny], instance=instance)
        second = materialize([tiny], instance=instance)
        assert first.success and second.success
        templates = list((home / "history").glob(".run-db-template-dagster-*.db"))
        assert len(templates) == 1  # made once, by the first run
        # a database Dagster initializes itself, for comparison: same tables and indexes, same revision
        reference = tmp_path / "reference.db"
        from sqlalchemy import create_engine

        storage._initdb(create_engine(f"sqlite:///{reference}"))
        for run in (first, second):
            path = storage.path_for_shard(run.run_id)
            assert _tables(path) == _tables(reference) == _tables(templates[0])
            con = sqlite3.connect(path)
            try:
                assert con.execute("SELECT version_num FROM alembic_version").fetchall() == \
                    sqlite3.connect(reference).execute("SELECT version_num FROM alembic_version").fetchall()
                assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            finally:
                con.close()
            logs = instance.all_logs(run.run_id)
            assert any(e.dagster_event and e.dagster_event.event_type_value == "ASSET_MATERIALIZATION" for e in logs)
        assert sqlite3.connect(templates[0]).execute("SELECT count(*) FROM event_logs").fetchone() == (0,)  # still empty
        # both materializations are in the cross-run index, with their runs
        records = instance.fetch_materializations(AssetKey("tiny"), limit=10).records
        assert {r.run_id for r in records} == {first.run_id, second.run_id}
        # has_table: an existing table is remembered, a missing one is asked again each time
        assert storage.has_table("asset_event_tags") and "asset_event_tags" in storage._tables_seen
        assert not storage.has_table("no_such_table") and "no_such_table" not in storage._tables_seen
