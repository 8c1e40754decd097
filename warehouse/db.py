"""One in-memory DuckDB database per process for the warehouse's computations.

Opening a new DuckDB database costs ~30 ms here (~50-150 ms on a loaded 2-core machine), and a run
computes hundreds of small partition models. Each computation takes its own cursor (a connection to
the shared database): relations it registers and temporary macros it creates are that cursor's own,
so computations on two threads do not see each other's names.
"""

from __future__ import annotations

import os
import threading

import duckdb

_LOCK = threading.Lock()
_DATABASE: duckdb.DuckDBPyConnection | None = None
_INHERITED: list = []  # a forked child's copy of its parent's database: never used, never closed


def _after_fork_in_child() -> None:
    """A forked child (make run's source workers) opens its own database: the inherited one's worker
    threads stayed in the parent, so it is neither used nor closed (closing would wait for them)."""
    global _DATABASE, _LOCK
    if _DATABASE is not None:
        _INHERITED.append(_DATABASE)
    _DATABASE, _LOCK = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def cursor() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's in-memory database (close it, e.g. `with cursor() as con:`)."""
    global _DATABASE
    with _LOCK:
        if _DATABASE is None:
            _DATABASE = duckdb.connect()
        con = _DATABASE.cursor()
    con.execute("SET enable_progress_bar = false")  # it would write into logs and test output
    return con
