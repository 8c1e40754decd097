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
  of alembic the first time in a process); Dagster's own check of the revision still runs on it;
- whether the index database has a table is remembered once it does (Dagster asks before storing
  each asset event's tags, each time through a new engine and connection).

`ensure_instance_config` writes $DAGSTER_HOME/dagster.yaml naming this class when the file does not
exist or was written by an earlier cxex (a deployment's own dagster.yaml, e.g. deploy/dagster.yaml on
PostgreSQL, is left alone). It also turns off stdout/stderr capture, so `make run` can run sources on
two threads in one process (pipelines/run.py).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine, event
from sqlalchemy.pool import NullPool, QueuePool

OPEN_DATABASES = 8

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


class CxexSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, with one kept-open engine per database file."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, object] = OrderedDict()  # before super(): it reads the index
        self._tables_seen: set[str] = set()
        super().__init__(base_dir, inst_data)

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
            if shard != INDEX_SHARD_NAME:
                self._from_template(Path(self.path_for_shard(shard)))
            self._initdb(engine)  # on a copy of the template: only Dagster's check that the revision is its head
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

    def _from_template(self, path: Path) -> None:
        """A new run's database as a copy of the template (an existing one is left as it is)."""
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            shutil.copyfile(self._template(), tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

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

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()


def ensure_instance_config(home: Path) -> Path:
    """$DAGSTER_HOME/dagster.yaml for cxex's local instance, written when there is none or an earlier cxex wrote it."""
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    current = INSTANCE_YAML.format(base_dir=str((home / "history" / "runs").resolve()))
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
