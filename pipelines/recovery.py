"""What `make run` does before any work: take the data directory's writer lock, mark runs whose
process is gone as failed (so the publish sensor and the schedules, which wait for no run in
progress, keep working after a kill), then recover the data directory (warehouse/recovery.py).

Runs started by `make run` carry the tags `cxex/pid`, `cxex/host` and `cxex/lease` (the writer
lease's token, warehouse/lease.py); a run still STARTED whose process no longer exists on this host,
or whose lease is not the one held now, was killed. A run without those tags (launched from the UI
or by the daemon) counts as live for recovery's cut-off only while its event log moved in the last
STALE_RUN_SECONDS: a run whose webserver was killed no longer pins it forever. Dagster's own run
monitoring (enabled in the dagster.yaml `make run` writes) marks such runs failed.
"""

from __future__ import annotations

import os
import socket
import time

from dagster import DagsterRunStatus, RunsFilter

PID_TAG, HOST_TAG, LEASE_TAG = "cxex/pid", "cxex/host", "cxex/lease"
STALE_RUN_SECONDS = 3600.0
IN_PROGRESS = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.QUEUED,
               DagsterRunStatus.NOT_STARTED, DagsterRunStatus.CANCELING]


def run_tags() -> dict[str, str]:
    """Tags every run `make run` starts, so a later start can tell whether its process is alive."""
    from warehouse.lease import current_token

    token = current_token()
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname(), **({LEASE_TAG: token} if token else {})}


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
        if _lease_gone(run) or pid and host == socket.gethostname() and int(pid) != os.getpid() and not _alive(int(pid)):
            instance.report_run_failed(run, f"its process (pid {pid}) is gone: killed or crashed; marked failed "
                                            "by the next `make run`")
            dead.append(run.run_id)
    return dead


def _lease_gone(run) -> bool:
    """The run was started under a writer lease that is not the one held now: its launcher is gone."""
    from warehouse.lease import current_token

    token = run.tags.get(LEASE_TAG)
    return bool(token and current_token() and token != current_token())


def _last_event_time(instance, run_id: str) -> float | None:
    records = instance.get_records_for_run(run_id, limit=1, ascending=False).records
    return records[0].event_log_entry.timestamp if records else None


def oldest_live_start(instance, now: float | None = None) -> float:
    """The start time of the oldest run still in progress that may be alive (now, when none is)."""
    now = time.time() if now is None else now
    starts = []
    for r in instance.get_run_records(RunsFilter(statuses=IN_PROGRESS)):
        if _lease_gone(r.dagster_run):
            continue
        if PID_TAG not in r.dagster_run.tags:  # UI or daemon: alive only while its log moves
            last = _last_event_time(instance, r.dagster_run.run_id) or r.create_timestamp.timestamp()
            if now - last > STALE_RUN_SECONDS:
                continue
        starts.append(r.start_time or r.create_timestamp.timestamp())
    return min([now, *starts])


def start(cxex, instance) -> list[str]:
    """Dead runs failed, then the data directory recovered; one line per thing done."""
    from warehouse.recovery import recover

    dead = fail_dead_runs(instance)
    lines = [f"marked run {r[:8]} failed (its process is gone)" for r in dead]
    return lines + recover(cxex.layout, cxex.store, oldest_live_start(instance), dead)
