"""The report's quality page reads each asset check's latest verdict from a file the check wrote when Dagster
evaluated it (assets/check_verdicts.py), not from the instance's event history: the same files and one query of
the run index whatever the number of runs stored.

Seen before: the report read every check evaluation ever stored, which on Dagster's SQLite storage opens every
run's shard (0.04 s a run, five runs per `make run`): 8.8 s of a `make run` in a data folder of a few hundred
runs. A first fix (newest runs until every check of the code location was seen) read the code location's
checks from `context.repository_def`, which for a job run by `execute_job` is a repository of that job alone,
with no checks: it stopped after the newest run and the quality page under-counted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dagster import AssetCheckResult, AssetCheckSeverity, DagsterInstance, asset, materialize

from assets.check_verdicts import asset_check
from assets.report import latest_checks
from assets.resources import CxexResource

VERDICT = {"passed": True}
OPENED: list[str] | None = None  # what the process opens while a test watches (an audit hook cannot be removed)


def _watch(event: str, args: tuple) -> None:
    if OPENED is not None and event in ("open", "sqlite3.connect") and args and isinstance(args[0], (str, Path)):
        OPENED.append(str(args[0]))


sys.addaudithook(_watch)


@asset
def numbers():
    return 1


@asset_check(asset=numbers, required_resource_keys={"cxex"})
def numbers_are_fine(context):
    return AssetCheckResult(passed=VERDICT["passed"], severity=AssetCheckSeverity.WARN, description="numbers checked",
                            metadata={"failed_partitions": [] if VERDICT["passed"] else ["2024"]})


def _runs(instance, data_dir: Path, verdicts: list[bool]) -> None:
    cxex = CxexResource.from_env(data_dir=str(data_dir))
    for passed in verdicts:
        VERDICT["passed"] = passed
        assert materialize([numbers, numbers_are_fine], instance=instance, resources={"cxex": cxex}).success


def _read(instance, data_dir: Path) -> tuple[list[dict], list[str]]:
    global OPENED
    OPENED = []
    try:
        rows = latest_checks(instance, CxexResource.from_env(data_dir=str(data_dir)).layout)
    finally:
        opened, OPENED = OPENED, None
    return rows, opened


def test_the_cost_does_not_grow_with_the_number_of_runs(tmp_path):
    reads = []
    for n in (1, 6):
        (tmp_path / f"home{n}").mkdir()
        with DagsterInstance.local_temp(str(tmp_path / f"home{n}")) as instance:
            _runs(instance, tmp_path / f"data{n}", [True] * (n - 1) + [False])  # the newest run fails the check
            shards = list((tmp_path / f"home{n}").rglob("*.db"))
            assert len(shards) > n  # a SQLite file per run (and the indexes): what reading the history opened
            [row], opened = _read(instance, tmp_path / f"data{n}")
            assert row["check"] == "numbers_are_fine" and row["passed"] is False and row["failed_partitions"] == ["2024"]
            reads.append(sorted(Path(p).name for p in opened if Path(p).suffix in (".db", ".json")))
    assert reads[0] == reads[1], reads  # the same files with 1 run or 6: no run's shard, one verdict file
    assert not any(name.endswith(".db") and name not in ("runs.db", "index.db") for name in reads[1]), reads[1]


def test_the_newest_verdict_wins_and_only_runs_of_the_instance_count(tmp_path):
    data = tmp_path / "data"
    with DagsterInstance.ephemeral() as instance:
        _runs(instance, data, [False, False, True])
        [row], _ = _read(instance, data)
        assert row["passed"] is True and row["severity"] == "WARN" and row["description"] == "numbers checked"
        assert row["asset"] == "numbers" and row["failed_partitions"] == []
    with DagsterInstance.ephemeral() as other:  # a data folder copied beside another instance: its runs are not shown
        assert _read(other, data)[0] == []


def test_a_verdict_file_that_is_not_one_is_named(tmp_path):
    data = tmp_path / "data"
    with DagsterInstance.ephemeral() as instance:
        _runs(instance, data, [True])
        [path] = (data / "quality" / "check_verdicts").glob("*.json")
        path.write_text("{not json")
        with pytest.raises(ValueError, match=str(path)):
            _read(instance, data)
