"""cxex's Dagster event log (pipelines/instance.py) on a real SQLite instance in a temporary
DAGSTER_HOME: a run's database starts as a copy of a template Dagster itself initialized, and is
then exactly what Dagster would have made (schema at its head revision, WAL mode, events readable)."""

from __future__ import annotations

import sqlite3

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSpec,
    AssetKey,
    BackfillPolicy,
    DagsterInstance,
    MaterializeResult,
    StaticPartitionsDefinition,
    asset,
    materialize,
)

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


# A partition range in one run: Dagster hands the storage one batch of planned events (each partition
# of each asset, and the checks) and one batch of materializations per step (pipelines/instance.py).
DAYS = StaticPartitionsDefinition([f"d{i}" for i in range(6)])


@asset(partitions_def=DAYS, backfill_policy=BackfillPolicy.single_run(),
       check_specs=[AssetCheckSpec("positive", asset="ranged")])
def ranged(context):
    return MaterializeResult(metadata={"rows": len(context.partition_keys)},
                             check_results=[AssetCheckResult(check_name="positive", passed=True)])


@asset(partitions_def=DAYS, deps=[ranged], backfill_policy=BackfillPolicy.single_run())
def downstream(context):
    return MaterializeResult(metadata={"rows": len(context.partition_keys)})


class CountingStorage(CxexSqliteEventLogStorage):
    """cxex's storage, recording the sizes of the batches Dagster hands it (to show the batch path ran)."""
    batches: list[int] = []

    def store_event_batch(self, events) -> None:
        type(self).batches.append(len(events))
        super().store_event_batch(events)


def _stored(home, storage_yaml: str) -> dict:
    """One range run of `ranged` and `downstream` over d1..d4 on an instance with this event log; what the index holds."""
    from dagster import DagsterEventType, EventRecordsFilter

    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(f"telemetry:\n  enabled: false\nevent_log_storage:\n{storage_yaml}")
    with DagsterInstance.from_config(str(home)) as instance:
        result = materialize([ranged, downstream], instance=instance, tags={
            "dagster/asset_partition_range_start": "d1", "dagster/asset_partition_range_end": "d4"})
        assert result.success
        out = {"run_events": sorted(e.dagster_event.event_type_value for e in instance.all_logs(result.run_id)
                                    if e.dagster_event and e.dagster_event.event_type_value.startswith("ASSET"))}
        for key in ("ranged", "downstream"):
            out[key] = {
                "materialized": sorted(instance.get_materialized_partitions(AssetKey(key))),
                "materializations": sorted((r.partition_key, r.asset_materialization.metadata["rows"].value)
                                           for r in instance.fetch_materializations(AssetKey(key), limit=100).records),
                "planned": sorted(r.partition_key for r in instance.get_event_records(
                    EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION_PLANNED, asset_key=AssetKey(key)))),
                "tags": sorted(instance.get_latest_storage_id_by_partition(
                    AssetKey(key), DagsterEventType.ASSET_MATERIALIZATION)),
            }
        check = instance.event_log_storage.get_asset_check_execution_history(
            AssetCheckKey(AssetKey("ranged"), "positive"), limit=10)
        out["check"] = [(c.status.value, c.run_id == result.run_id) for c in check]
        return out


def test_a_range_run_stores_in_batches_what_dagster_stores_event_by_event(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "1000")  # as pipelines/instance.py sets it
    CountingStorage.batches = []
    ours = _stored(tmp_path / "cxex", f"  module: {__name__}\n  class: CountingStorage\n"
                                      f"  config:\n    base_dir: {tmp_path / 'cxex' / 'runs'}\n")
    assert CountingStorage.batches and max(CountingStorage.batches) >= 8, CountingStorage.batches  # 4 partitions x 2 assets planned
    dagsters = _stored(tmp_path / "dagster", "  module: dagster._core.storage.event_log\n  class: SqliteEventLogStorage\n"
                                             f"  config:\n    base_dir: {tmp_path / 'dagster' / 'runs'}\n")
    assert ours == dagsters
    assert ours["ranged"]["materialized"] == ["d1", "d2", "d3", "d4"]
    assert ours["ranged"]["planned"] == ["d1", "d2", "d3", "d4"]
    assert ours["check"] == [("SUCCEEDED", True)]
