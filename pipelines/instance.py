"""The Dagster instance `make run` and `make ui` share at $DAGSTER_HOME.

Dagster's default SQLite storage opens a new database engine for every event it stores and commits
each one with a full fsync: a `make run` writes ~600 events, and on a 2-core machine that was about a
quarter of the run (measured: 185 events of one workforce range, 50 s of 191 s under load). The event
log below is Dagster's own SQLite event log with two changes:

- one engine per database file, kept open (a small LRU, so a webserver reading many runs does not
  hold hundreds of files open);
- `PRAGMA synchronous=NORMAL` on each connection. Dagster already puts its SQLite files in WAL mode;
  with WAL, NORMAL loses no committed event when a process is killed (the OS keeps the WAL), only
  possibly the last events at a power loss. Runs are re-runnable, so that trade is documented in
  docs/architecture.md.
- a new run's database file starts as a copy of an empty one that Dagster initialized (its tables,
  WAL mode and alembic revision; one template per Dagster version, beside the runs folder), instead
  of Dagster creating the tables and stamping the revision for every run (~0.1 s a run, plus ~0.3 s
  of alembic the first time in a process). Dagster's check of the revision (alembic, ~0.15 s) runs on
  every database this process did not just copy from the template;
- whether the index database has a table is remembered once it does (Dagster asks before storing
  each asset event's tags, each time through a new engine and connection);
- a batch of asset events (Dagster sends one per step of a partition range: a planned event and a
  materialization for each partition of each asset) is stored in one transaction per database
  instead of two transactions per event. Dagster batches only when DAGSTER_EVENT_BATCH_SIZE is set;
  this module sets it (unless the environment does) wherever it is loaded, i.e. only where this
  storage is the instance's event log.

`ensure_instance_config` writes $DAGSTER_HOME/dagster.yaml naming this class when the file does not
exist or was written by an earlier cxex (a deployment's own dagster.yaml, e.g. deploy/dagster.yaml on
PostgreSQL, is left alone). It also turns off stdout/stderr capture, so `make run` can run two sources
at once, in forked worker processes or on two threads of one process (pipelines/run.py). A forked
worker opens its own connections: the engines it inherited are dropped without closing the parent's.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, DagsterEventType
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlalchemy_compat import db_result
from sqlalchemy import create_engine, event
from sqlalchemy.pool import NullPool, QueuePool

OPEN_DATABASES = 8
RUN_END_EVENTS = {DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_CANCELED}
EVENT_BATCH_SIZE = "1000"  # asset events Dagster hands over at once (a batch also ends with its step's output)
os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)

INSTANCE_YAML = """\
# Written by cxex (pipelines/instance.py) because this folder had no dagster.yaml.
# Runs, schedules and sensors use Dagster's SQLite storage in this folder; the event log is
# Dagster's SQLite event log with kept-open connections and synchronous=NORMAL (see that module).
telemetry:
  enabled: false
run_monitoring:  # runs whose worker died are marked failed (make run itself: pipelines/recovery.py)
  enabled: true
event_log_storage:
  module: pipelines.instance
  class: CxexSqliteEventLogStorage
  config:
    base_dir: {base_dir}
# Assets log through Dagster's structured event log (the UI's run view); stdout/stderr are not
# captured: capture redirects the whole process's output (and starts four helper processes per run),
# so runs sharing a process, as make run's sources do, cannot each capture their own.
compute_logs:
  module: dagster._core.storage.noop_compute_log_manager
  class: NoOpComputeLogManager
"""
WRITTEN_BY_CXEX = "# Written by cxex (pipelines/instance.py)"  # how INSTANCE_YAML starts, in every release


EARLIER_YAML = "telemetry:\n  enabled: false\n"  # what earlier versions of cxex wrote


def _pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


_STORAGES: weakref.WeakSet = weakref.WeakSet()  # every open event log of this process


def _after_fork_in_child() -> None:
    """A forked process (make run's source workers) opens its own SQLite connections: the parent's
    stay the parent's (SQLAlchemy's rule for engines across a fork: dispose without closing)."""
    for storage in list(_STORAGES):
        storage._drop_engines(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class CxexSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, with one kept-open engine per database file."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, object] = OrderedDict()  # before super(): it reads the index
        self._tables_seen: set[str] = set()
        super().__init__(base_dir, inst_data)
        _STORAGES.add(self)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> CxexSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str):
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(self.conn_string_for_shard(shard), poolclass=QueuePool, pool_size=1, max_overflow=4,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
        event.listen(engine, "connect", _pragmas)
        if shard not in self._initialized_dbs:
            fresh = shard != INDEX_SHARD_NAME and self._from_template(Path(self.path_for_shard(shard)))
            if not fresh:  # a fresh copy of this Dagster version's template is at its head revision already
                self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_DATABASES:
            _, old = self._engines.popitem(last=False)
            old.dispose()
        return engine

    def _template(self) -> Path:
        """An empty run database at this Dagster version's schema, made once (by the first run that needs it)."""
        import dagster

        template = Path(self._base_dir).parent / f".run-db-template-dagster-{dagster.__version__}.db"
        if not template.exists():
            tmp = template.with_name(f".{template.name}.{uuid.uuid4().hex}.tmp")
            engine = create_engine(f"sqlite:///{tmp}", poolclass=NullPool)
            try:
                self._initdb(engine)  # Dagster's own: tables, WAL mode, alembic revision stamped
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file
                engine.dispose()
                os.replace(tmp, template)
            finally:
                for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                    leftover.unlink(missing_ok=True)
        return template

    def _from_template(self, path: Path) -> bool:
        """A new run's database as a copy of the template (an existing one is left as it is): whether it was made."""
        if path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            shutil.copyfile(self._template(), tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return True

    def store_event_batch(self, events) -> None:
        """A batch of one run's asset and asset-check events, stored as `store_event` stores each: in the
        run's database, asset events mirrored with their tags and asset rows into the index, check
        events into the index and its check tables. The run's rows and the asset events' index rows
        take one transaction each, not one per event. Any other batch is stored one event at a time."""
        if len(events) < 2 or len({e.run_id for e in events}) != 1 or not all(
                e.is_dagster_event and e.dagster_event_type in ASSET_EVENTS | ASSET_CHECK_EVENTS for e in events):
            super().store_event_batch(events)
            return
        statements = [self.prepare_insert_event(e) for e in events]
        with self.run_connection(events[0].run_id) as conn:
            for statement in statements:
                conn.execute(statement)
        assets = [(e, st) for e, st in zip(events, statements) if e.dagster_event_type in ASSET_EVENTS]
        if assets:
            with self.index_transaction() as conn:
                ids = []
                for _, statement in assets:
                    with db_result(conn, statement) as result:
                        ids.append(result.inserted_primary_key[0])
                self._store_asset_event_tags(conn, [e for e, _ in assets], ids)
                for (event, _), event_id in zip(assets, ids):
                    self._store_asset_event(conn, event, event_id)
        for event, statement in zip(events, statements):
            if event.dagster_event_type in ASSET_CHECK_EVENTS:
                with self.index_connection() as conn, db_result(conn, statement) as result:
                    event_id = result.inserted_primary_key[0]
                self.store_asset_check_event(event, event_id)

    def store_event(self, event) -> None:
        """Dagster's `store_event`; a run's last event (success, failure, cancel) then closes the run's
        database, so SQLite folds its write-ahead log into the file and deletes it. Kept open to the
        process's exit, each run left its WAL beside its database (up to 4 MB each, most of the run's
        data: 370 MiB of WAL for 358 runs, against 129 MiB of databases)."""
        super().store_event(event)
        if event.is_dagster_event and event.dagster_event_type in RUN_END_EVENTS:
            self._close_run_database(event.run_id)

    def _close_run_database(self, run_id: str) -> None:
        with self._db_lock:
            engine = self._engines.pop(run_id, None)
            if engine is None:
                return
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()  # the last connection closed: SQLite removes the (now empty) WAL

    def has_table(self, table_name: str) -> bool:
        """Dagster's check, remembered once a table exists (tables are added by migrations, not removed)."""
        if table_name in self._tables_seen:
            return True
        found = super().has_table(table_name)
        if found:
            self._tables_seen.add(table_name)
        return found

    @contextmanager
    def _connect(self, shard: str) -> Iterator:
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def _drop_engines(self, close: bool = True) -> None:
        """Forget every kept-open engine; `close=False` leaves their connections to the process that opened them."""
        for engine in self._engines.values():
            engine.dispose(close=close)
        self._engines.clear()

    def dispose(self) -> None:
        self._drop_engines()
        super().dispose()


def ensure_instance_config(home: Path) -> Path:
    """$DAGSTER_HOME/dagster.yaml for cxex's local instance, written when there is none or an earlier cxex wrote it."""
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    # quoted: a JSON string is a YAML double-quoted scalar, so no folder name can inject YAML (issue 34)
    current = INSTANCE_YAML.format(base_dir=json.dumps(str((home / "history" / "runs").resolve())))
    old = cfg.read_text() if cfg.exists() else None
    if old is None or old == EARLIER_YAML or (old.startswith(WRITTEN_BY_CXEX) and old != current):
        cfg.write_text(current)  # cxex's own earlier files are brought up to date; anyone else's are left alone
    return cfg


def instance():
    """The instance at $DAGSTER_HOME (its dagster.yaml written if missing), or an ephemeral one."""
    from dagster import DagsterInstance

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return DagsterInstance.ephemeral()
    ensure_instance_config(Path(home))
    return DagsterInstance.get()
