"""One in-memory DuckDB database per process for the warehouse's computations (and a second,
single-threaded one for the small models whose floats must be the same at every rerun).

Opening a new DuckDB database costs ~30 ms here (~50-150 ms on a loaded 2-core machine), and a run
computes hundreds of small partition models. Each computation takes its own cursor (a connection to
the shared database): relations it registers and temporary macros it creates are that cursor's own,
so computations on two threads do not see each other's names.
"""

from __future__ import annotations

import os
import threading
import warnings

import duckdb

_LOCK = threading.Lock()
# the process's databases: None, the shared one on every core; 1, one on a single thread
_DATABASES: dict[int | None, duckdb.DuckDBPyConnection] = {}
_INHERITED: list = []  # a forked child's copies of its parent's databases: never used, never closed


def _after_fork_in_child() -> None:
    """A forked child (make run's source workers) opens its own databases: the inherited ones' worker
    threads stayed in the parent, so they are neither used nor closed (closing would wait for them)."""
    global _LOCK
    _INHERITED.extend(_DATABASES.values())
    _DATABASES.clear()
    _LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def cursor(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A new connection to the process's in-memory database (close it, e.g. `with cursor() as con:`).

    `threads=1`: to the process's single-threaded database instead, for computations whose floats must
    not depend on the order parallel threads finish (warehouse/compute.py ONE_THREAD). It is a second
    database opened once, not one per computation (~57 ms each here)."""
    with _LOCK:
        database = _DATABASES.get(threads)
        if database is None:
            database = _DATABASES[threads] = duckdb.connect(config={"threads": threads} if threads else {})
        con = database.cursor()
    con.execute("SET enable_progress_bar = false")  # it would write into logs and test output
    return con


def to_arrow(con: duckdb.DuckDBPyConnection, query: str, params=None):
    """`query`'s rows as an Arrow table, the statement bound and planned once.

    `con.sql(query, params=...)` binds a SELECT once to describe the lazy relation it returns and again
    when `.to_arrow_table()` runs it: for a FEVS year's item query (five sums per item spliced in) the
    first bind was a third of the query's time, 0.9 s of CPU over the sample's seven years. DuckDB warns
    that Arrow from a DB-API result is an extra copy of the rows; every result fetched here is small (an
    aggregate of at most about a hundred thousand rows, a dimension, a check's sample of rows), so the copy
    costs nothing that shows. A result as large as a fact table streams through `con.sql` instead.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
        return con.execute(query, params).to_arrow_table()
