"""One publication rule, whoever starts the work (issue 32): the same landed file published by `make run`,
by runs launched through the webserver's GraphQL `launchRun` (what the UI's Launch and Materialize buttons
send), and by the Dagster daemon on sensor ticks (the landing sensor, then the automation sensor that
requests the publication) gives the same snapshot: every table with the same rows (their `run_id`
provenance columns aside, which name the runs and versions that made them) and the same table set.

The landed file is tests/hand_data.py's PRDF (OPM's 2018 PRDF columns, a few respondents per agency) and
CXEX_USE_SAMPLE=never, so each path reads exactly one file: small enough for three whole publications.
A publication launched for one table from the UI publishes them all (one multi-asset that cannot be
subset, assets/publication.py), so its cross-agency tables name the source versions published beside them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port, land, write_prdf
from tests.test_webserver import QUERY, graphql

LAUNCH = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } ... on InvalidSubsetError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }"""
STATUS = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""
START_SENSOR = """mutation($s: SensorSelector!) { startSensor(sensorSelector: $s) { __typename
  ... on Sensor { name } ... on PythonError { message } } }"""
RUNS = """{ runsOrError { ... on Runs { results { runId jobName status } } } }"""
REPO_SELECTOR = {"repositoryLocationName": "cxex", "repositoryName": "__repository__"}


def _env(root: Path) -> dict:
    env = {**os.environ, "DAGSTER_HOME": str(root / "home"), "CXEX_DATA_DIR": str(root / "data"), "PYTHONPATH": str(REPO),
           "DAGSTER_DISABLE_TELEMETRY": "1", "GX_ANALYTICS_ENABLED": "false", "CXEX_USE_SAMPLE": "never",
           "CXEX_FEVS_MIN_SHARE": "0", "CXEX_LANDING_SETTLE_SECONDS": "0"}
    return {k: v for k, v in env.items() if not (k.startswith("CXEX_") and k not in (
        "CXEX_DATA_DIR", "CXEX_USE_SAMPLE", "CXEX_FEVS_MIN_SHARE", "CXEX_LANDING_SETTLE_SECONDS", "CXEX_REFERENCE_DIR"))}


def _landed(root: Path, source: Path) -> None:
    target = land(root / "data", 2018)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def snapshot(data_dir: Path) -> dict[str, str]:
    """Each published table's rows as a digest, its provenance columns aside (they name the runs and the
    versions, with their timestamps, that a table was made from; assets/common.py content_digest)."""
    from assets.common import content_digest
    from warehouse.contracts import provenance_columns
    from warehouse.publish import open_store

    store = open_store("", data_dir / "publish", data_dir, 3)
    aside = {c.name for c in provenance_columns()}
    out = {}
    for t in sorted(store.read_manifest()["tables"]):
        table = store.read_table(t)
        out[t] = content_digest(table.drop_columns([c for c in table.column_names if c in aside]))
    return out


def _wait(url: str, run_id: str, seconds: float = 300) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        status = graphql(url, STATUS, {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        time.sleep(1)
    raise AssertionError(f"run {run_id} did not finish in {seconds}s")


def _launch(url: str, job: str, tags: dict | None = None) -> str:
    out = graphql(url, LAUNCH, {"p": {"selector": {**REPO_SELECTOR, "jobName": job}, "runConfigData": {},
                                      "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}}})
    assert out["launchRun"]["__typename"] == "LaunchRunSuccess", out
    return out["launchRun"]["run"]["runId"]


class DagsterDev:
    """`dagster dev` (webserver + daemon) over one data folder, as `make ui` starts it."""

    def __init__(self, root: Path):
        from pipelines.instance import ensure_instance_config

        self.env, self.port = _env(root), free_port()
        ensure_instance_config(Path(self.env["DAGSTER_HOME"]))
        self.log = open(root / "dagster_dev.log", "w")
        self.proc = subprocess.Popen([str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml", "-h",
                                      "127.0.0.1", "-p", str(self.port)], cwd=REPO, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url, self.root = f"http://127.0.0.1:{self.port}", root
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                entries = graphql(self.url, QUERY)["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["locationOrLoadError"]:
                    return
            except (OSError, AssertionError):
                pass
            time.sleep(1)
        raise AssertionError("dagster dev did not answer: " + (root / "dagster_dev.log").read_text()[-3000:])

    def close(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture(scope="module")
def prdf(tmp_path_factory) -> Path:
    from tests import hand_data

    return write_prdf(tmp_path_factory.mktemp("prdf") / "prdf.csv", hand_data.rows(), hand_data.COLUMNS)


def test_make_run_the_ui_and_the_daemon_publish_the_same_snapshot(tmp_path, prdf):
    # 1. make run
    _landed(tmp_path / "make_run", prdf)
    done = subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=_env(tmp_path / "make_run"),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    by_make_run = snapshot(tmp_path / "make_run" / "data")
    assert {"fevs_item_scores", "ex_index_scores", "agency_scorecard", "agency_crosswalk", "dim_agency"} <= set(by_make_run)

    # 2. the UI: the source's job for the landed year, then the publication for ONE table (Materialize on
    #    publish/agency_scorecard): the multi-asset cannot be subset, so the whole publication runs
    _landed(tmp_path / "ui", prdf)
    dev = DagsterDev(tmp_path / "ui")
    try:
        assert _wait(dev.url, _launch(dev.url, "fevs_yearly", {"dagster/partition": "2018"})) == "SUCCESS"
        out = graphql(dev.url, LAUNCH, {"p": {"selector": {**REPO_SELECTOR, "jobName": "__ASSET_JOB",
                                                            "assetSelection": [{"path": ["publish", "agency_scorecard"]}]},
                                              "runConfigData": {}}})
        if out["launchRun"]["__typename"] == "LaunchRunSuccess":
            assert _wait(dev.url, out["launchRun"]["run"]["runId"]) == "SUCCESS"
        else:  # Dagster refuses a subset of a non-subsettable asset: the UI then launches the whole publish job
            assert "subset" in json.dumps(out).lower(), out
            assert _wait(dev.url, _launch(dev.url, "publish")) == "SUCCESS"
        by_ui = snapshot(tmp_path / "ui" / "data")
    finally:
        dev.close()
    assert by_ui == by_make_run

    # 3. the daemon: the landing sensor runs the year, the automation sensor requests the publication
    _landed(tmp_path / "daemon", prdf)
    dev = DagsterDev(tmp_path / "daemon")
    try:
        for name in ("landing_files", "cxex_automation"):
            started = graphql(dev.url, START_SENSOR, {"s": {**REPO_SELECTOR, "sensorName": name}})["startSensor"]
            assert started["__typename"] == "Sensor", started
        manifest = tmp_path / "daemon" / "data" / "publish" / "_manifest.json"
        deadline = time.time() + 420
        while time.time() < deadline:
            runs = graphql(dev.url, RUNS)["runsOrError"]["results"]
            finished = [r for r in runs if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
            published = manifest.exists() and "agency_scorecard" in json.loads(manifest.read_text()).get("tables", {})
            if published and runs and len(finished) == len(runs):
                break
            time.sleep(3)
        assert all(r["status"] == "SUCCESS" for r in runs), runs
        by_daemon = snapshot(tmp_path / "daemon" / "data")
    finally:
        dev.close()
    assert by_daemon == by_make_run


def test_cross_agency_tables_name_the_source_versions_published_beside_them(default_run):
    from warehouse.publish import open_store

    data_dir = default_run[0]
    tables = open_store("", data_dir / "publish", data_dir, 3).read_manifest()["tables"]
    checked = 0
    for name, entry in tables.items():
        for source, version in entry.get("built_from", {}).items():
            if source in tables:
                assert tables[source]["version"] == version, (name, source)
                checked += 1
    assert checked >= 10
