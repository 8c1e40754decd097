"""What `make run` does before any work: take the data directory's writer lock, mark runs whose
process is gone as failed (so the publish sensor and the schedules, which wait for no run in
progress, keep working after a kill), then recover the data directory (warehouse/recovery.py).

Runs started by `make run` carry the tags `cxex/pid` and `cxex/host`; a run still STARTED whose
process no longer exists on this host was killed. Runs launched by the Dagster daemon are watched by
Dagster's own run monitoring (enabled in the dagster.yaml `make run` writes).
"""

from __future__ import annotations

import os
import socket
import time

from dagster import DagsterRunStatus, RunsFilter

PID_TAG, HOST_TAG = "cxex/pid", "cxex/host"
IN_PROGRESS = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.QUEUED,
               DagsterRunStatus.NOT_STARTED, DagsterRunStatus.CANCELING]


def run_tags() -> dict[str, str]:
    """Tags every run `make run` starts, so a later start can tell whether its process is alive."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_dead_runs(instance) -> list[str]:
    """Mark as failed every in-progress run whose `make run` process is gone; returns their run ids."""
    dead = []
    for record in instance.get_run_records(RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
        if pid and host == socket.gethostname() and int(pid) != os.getpid() and not _alive(int(pid)):
            instance.report_run_failed(run, f"its process (pid {pid}) is gone: killed or crashed; marked failed "
                                            "by the next `make run`")
            dead.append(run.run_id)
    return dead


def oldest_live_start(instance) -> float:
    """The start time of the oldest run still in progress (now, when none is)."""
    starts = [r.start_time or r.create_timestamp.timestamp() for r in instance.get_run_records(RunsFilter(statuses=IN_PROGRESS))]
    return min([time.time(), *starts])


def start(cxex, instance) -> list[str]:
    """Dead runs failed, then the data directory recovered; one line per thing done."""
    from warehouse.recovery import recover

    dead = fail_dead_runs(instance)
    lines = [f"marked run {r[:8]} failed (its process is gone)" for r in dead]
    return lines + recover(cxex.layout, cxex.store, oldest_live_start(instance), dead)
