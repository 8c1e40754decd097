"""Recovery with no manual step (issue 19 item 3, issue 16 item 4): debris of a killed run is removed
at the next start (only when older than every live run), and Dagster runs whose process is gone
are marked failed, so sensors and schedules that wait for no run in progress keep working."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.faults.publication_support import REPO, layout_and_store, publish_once

WRITE_RAW = """
import sys
from pathlib import Path
import pyarrow as pa
from warehouse.snapshot_files import write_parquet_atomic
write_parquet_atomic(pa.table({"x": [1, 2]}), Path(sys.argv[1]) / "raw" / "fevs_responses" / "survey_year=2023" / "data.parquet")
"""

KILLED_RUN = """
import os, signal
from dagster import DagsterInstance, job, op
from pipelines.recovery import run_tags

@op
def parse():
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9 in the middle of a step

@job
def fevs_yearly():
    parse()

fevs_yearly.execute_in_process(instance=DagsterInstance.get(), tags=run_tags(), raise_on_error=False)
"""


def test_debris_of_a_killed_write_is_removed_at_start_unless_a_live_run_may_own_it(tmp_path):
    from warehouse.recovery import debris, recover

    data_dir = tmp_path / "data"
    publish_once(data_dir, "runA0000-aaaa")
    env = {**os.environ, "PYTHONPATH": str(REPO), "CXEX_FAULT_HOOK": "parquet_written"}
    killed = subprocess.run([sys.executable, "-c", WRITE_RAW, str(data_dir)], env=env, cwd=REPO, capture_output=True)
    assert killed.returncode == -9
    layout, store = layout_and_store(data_dir)
    left = debris(layout.root, layout.publish_root)
    assert [p.parent.name for p in left] == ["survey_year=2023"] and left[0].name.endswith(".tmp")
    assert not (left[0].parent / "data.parquet").exists()  # the killed write never became the file

    assert recover(layout, store, older_than=left[0].stat().st_mtime) == []  # a live run started before it: kept
    assert left[0].exists()
    lines = recover(layout, store, older_than=time.time() + 1)
    assert lines and "removed 1 temporary" in lines[0] and debris(layout.root, layout.publish_root) == []
    (layout.landing("fevs", "2023")).mkdir(parents=True)
    landed = layout.landing("fevs", "2023") / ".FEVS_2023_PRDF.csv.0123456789abcdef0123456789abcdef"
    landed.write_text("x")  # a landing folder holds the world's files: never touched, whatever the name
    recover(layout, store, older_than=time.time() + 1)
    assert landed.exists()


def test_a_killed_runs_dagster_record_is_marked_failed_at_the_next_start(tmp_path, monkeypatch):
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    from pipelines.recovery import IN_PROGRESS, fail_dead_runs, oldest_live_start

    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert subprocess.run([sys.executable, "-c", KILLED_RUN], env=env, cwd=REPO, capture_output=True).returncode == -9
    with DagsterInstance.get() as instance:
        stuck = instance.get_run_records(RunsFilter(statuses=IN_PROGRESS))
        assert [r.dagster_run.status for r in stuck] == [DagsterRunStatus.STARTED]  # what a kill leaves behind
        assert oldest_live_start(instance) <= stuck[0].start_time
        assert fail_dead_runs(instance) == [stuck[0].dagster_run.run_id]
        assert instance.get_run_by_id(stuck[0].dagster_run.run_id).status == DagsterRunStatus.FAILURE
        assert instance.get_run_records(RunsFilter(statuses=IN_PROGRESS)) == []  # sensors waiting on "none in progress" fire again
        assert fail_dead_runs(instance) == []
