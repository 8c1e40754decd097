"""`make ui`: `dagster dev` (webserver + daemon) on a free loopback port, used as people use it.

- GraphQL: the code location loads and serves the whole asset graph.
- A real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) opens the asset
  graph page and it renders, with no page errors.
- A backfill of a range of FEVS years launched the way the UI launches it (the GraphQL mutation
  behind "Materialize → partitions"), and one launched from the CLI (`dagster job backfill`), both
  carried out by the daemon.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port

QUERY = """{
  workspaceOrError { __typename ... on Workspace { locationEntries { name
      locationOrLoadError { __typename ... on PythonError { message } } } } }
  assetNodes { assetKey { path } }
}"""
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"



def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    req = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                 headers={"Content-Type": "application/json"})
    out = json.load(urllib.request.urlopen(req, timeout=30))
    assert "errors" not in out, out["errors"]
    return out["data"]


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp / "home"), "CXEX_DATA_DIR": str(tmp / "data"),
           "DAGSTER_DISABLE_TELEMETRY": "1", "GX_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(REPO)}
    from pipelines.instance import ensure_instance_config

    ensure_instance_config(Path(env["DAGSTER_HOME"]))  # as `make ui` and `make run` write it
    dagster = Path(sys.executable).with_name("dagster")
    log = open(tmp / "dagster_dev.log", "w")
    proc = subprocess.Popen([str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline, data = time.time() + 180, None
        while time.time() < deadline:
            try:
                data = graphql(url, QUERY)
                entries = data["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["locationOrLoadError"]:
                    break
            except (OSError, AssertionError):
                pass
            time.sleep(1)
        assert data, "dagster dev did not answer: " + (tmp / "dagster_dev.log").read_text()[-3000:]
        yield {"url": url, "data": data, "env": env, "data_dir": Path(env["CXEX_DATA_DIR"])}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_webserver_loads_the_asset_graph(dagster_dev):
    data = dagster_dev["data"]
    [entry] = data["workspaceOrError"]["locationEntries"]
    assert entry["name"] == "cxex"
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry["locationOrLoadError"]
    from pipelines.definitions import defs

    paths = {"/".join(n["assetKey"]["path"]) for n in data["assetNodes"]}
    assert paths == {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/fevs_responses", "publish/workforce_metrics", "publish/cx_index_scores", "warehouse/catalog"} <= paths
    # the UI shows each table's freshness policy and the fetch asset's automation condition
    node = graphql(dagster_dev["url"], """{ assetNodeOrError(assetKey: {path: ["publish", "workforce_metrics"]}) {
        ... on AssetNode { internalFreshnessPolicy { ... on TimeWindowFreshnessPolicy { failWindowSeconds warnWindowSeconds } }
                           freshnessStatusInfo { freshnessStatus } } } }""")["assetNodeOrError"]
    assert node["internalFreshnessPolicy"] == {"failWindowSeconds": 75 * 86400, "warnWindowSeconds": 45 * 86400}
    assert node["freshnessStatusInfo"]["freshnessStatus"] in ("UNKNOWN", "PASS", "WARN", "FAIL")
    auto = graphql(dagster_dev["url"], """{ assetNodeOrError(assetKey: {path: ["landing", "remote_files"]}) {
        ... on AssetNode { automationCondition { label } } } }""")["assetNodeOrError"]
    assert auto["automationCondition"]["label"] == "eager"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_asset_graph_page_renders_in_headless_chromium(dagster_dev, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from pipelines.definitions import defs

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.goto(f"{dagster_dev['url']}/asset-groups", wait_until="domcontentloaded", timeout=60_000)
        skip = page.get_by_role("button", name="Skip")  # the first-visit "join the community" dialog
        try:
            skip.wait_for(state="visible", timeout=10_000)
            skip.click()
        except PlaywrightTimeout:
            pass
        # the global lineage draws one box per asset group, and offers to materialize every asset
        materializable = len([n for n in defs.resolve_asset_graph().asset_nodes if n.is_materializable])
        page.get_by_text(f"Materialize all ({materializable})").wait_for(state="visible", timeout=60_000)
        for group in ("fevs", "workforce", "cx", "publish", "sources"):
            assert page.get_by_text(group, exact=True).count() >= 2, group  # in the sidebar and in the graph
        page.screenshot(path=str(tmp_path / "asset_graph.png"))
        # a group's lineage draws its assets as nodes, with partitions and checks
        page.goto(f"{dagster_dev['url']}/locations/cxex/asset-groups/fevs/lineage", wait_until="domcontentloaded")
        for name in ("fevs_responses", "fevs_item_scores", "ex_index_scores"):
            page.get_by_text(name, exact=True).first.wait_for(state="visible", timeout=60_000)
        page.get_by_text("7 partitions").first.wait_for(state="visible", timeout=30_000)
        page.screenshot(path=str(tmp_path / "fevs_group.png"))
        # the page is the group's, not the global lineage: no asset of an unrelated group is drawn. (Its tab
        # title is not the signal: it read "Dagster", the app's default, after 30 s and after 60 s in two of
        # many loaded runs, with the group's nodes drawn)
        foreign = {name: page.get_by_text(name, exact=True).count() for name in ("workforce_monthly", "gsa_css")}
        title = page.title()
        browser.close()
    assert not any(foreign.values()), (foreign, title)
    # requests the closed network refuses (fonts, news feeds) are not the page's fault
    real = [p for p in problems if "net::ERR_" not in p and "Failed to load resource" not in p]
    assert not real, real
    assert (tmp_path / "asset_graph.png").stat().st_size > 10_000


LAUNCH = """mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } ... on UnauthorizedError { message } } }"""
STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status } ... on PythonError { message } } }"""
RUNS = """query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) { ... on Runs { results { status tags { key value } } } } }"""


def _wait_for_runs(url: str, tag: dict, expected: int, timeout: float = 240) -> list[dict]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        runs = graphql(url, RUNS, {"tags": [tag]})["runsOrError"]["results"]
        if len(runs) >= expected and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
            return runs
        time.sleep(2)
    raise AssertionError(f"runs for {tag} did not finish: {runs}")


def _partitions_of(run: dict) -> tuple[str, ...]:
    """A run's partitions: its partition tag, or the ends of its partition range."""
    tags = {t["key"]: t["value"] for t in run["tags"]}
    if "dagster/partition" in tags:
        return (tags["dagster/partition"],)
    return tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]


def test_backfill_a_range_from_the_ui_and_from_the_cli(dagster_dev):
    url, data_dir = dagster_dev["url"], dagster_dev["data_dir"]
    # as the UI does it: an asset backfill of the FEVS group over 2018..2019
    assets = [{"path": ["raw", "fevs_responses"]}, {"path": ["warehouse", "fevs_item_scores"]},
              {"path": ["warehouse", "ex_index_scores"]}]
    out = graphql(url, LAUNCH, {"p": {"assetSelection": assets, "partitionNames": ["2018", "2019"]}})["launchPartitionBackfill"]
    assert out["__typename"] == "LaunchBackfillSuccess", out
    # meanwhile, from the CLI: a job backfill over a range of months, queued and run by the same daemon
    cli = subprocess.run([str(Path(sys.executable).with_name("dagster")), "job", "backfill", "-w", "workspace.yaml",
                          "-j", "workforce_monthly", "--from", "202310", "--to", "202311", "--noprompt",
                          "--tags", json.dumps({"cxex/test": "cli-backfill"})],
                         cwd=REPO, env=dagster_dev["env"], capture_output=True, text=True, timeout=180)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    # the assets' single-run backfill policy: the whole range in one run (one process, one GX pass)
    runs = _wait_for_runs(url, {"key": "dagster/backfill", "value": out["backfillId"]}, expected=1)
    assert [_partitions_of(r) for r in runs] == [("2018", "2019")]
    assert {r["status"] for r in runs} == {"SUCCESS"}
    deadline = time.time() + 60
    while graphql(url, STATUS, {"id": out["backfillId"]})["partitionBackfillOrError"]["status"] == "REQUESTED" and time.time() < deadline:
        time.sleep(1)
    assert graphql(url, STATUS, {"id": out["backfillId"]})["partitionBackfillOrError"]["status"].startswith("COMPLETED")
    for year in ("2018", "2019"):
        assert (data_dir / "staging" / "ex_index_scores" / f"survey_year={year}" / "data.parquet").exists()
    runs = _wait_for_runs(url, {"key": "cxex/test", "value": "cli-backfill"}, expected=1)
    assert {r["status"] for r in runs} == {"SUCCESS"}
    assert sorted(p for r in runs for p in _partitions_of(r)) == ["202310", "202311"]  # per partition or as one range
    for month in ("202310", "202311"):
        assert (data_dir / "staging" / "workforce_employment_monthly" / f"month={month}" / "data.parquet").exists()


RUN = """query($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status jobName
  tags { key value } } } }"""
LAUNCH_RUN = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""


def test_a_failed_make_run_partition_is_run_again_from_the_ui(dagster_dev):
    """`make run` records its runs in the instance the UI reads (Dagster's execute_job): a failed FEVS year
    appears as a failed run of the `fevs_yearly` job with its partition, and after the file is fixed the
    UI's launch of that partition (the GraphQL mutation behind it) runs it through the webserver's run
    launcher. (Runs made by execute_job carry no code-location origin, so the UI's "Re-execute" of the
    very run is not offered; launching the partition does the same work.)"""
    from tests import hand_data
    from tests.conftest import land, write_prdf

    url, env = dagster_dev["url"], {**dagster_dev["env"], "CXEX_LANDING_SETTLE_SECONDS": "0"}
    bad = hand_data.rows()
    bad[0]["Q1"] = 7  # out of range: the blocking check fails this year
    landed = write_prdf(land(dagster_dev["data_dir"], 2018), bad, hand_data.COLUMNS)
    run = subprocess.run([sys.executable, "-m", "pipelines.run", "--source", "fevs", "--partitions", "2018", "--no-publish"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FEVS 2018 failed" in run.stderr and "Q1" in run.stderr
    failed = [r for r in graphql(url, RUNS_IDS, {"tags": [{"key": "dagster/asset_partition_range_start", "value": "2018"}]})
              ["runsOrError"]["results"] if r["jobName"] == "fevs_yearly" and r["status"] == "FAILURE"]
    assert len(failed) == 1, failed
    write_prdf(landed, hand_data.rows(), hand_data.COLUMNS)  # the publisher's corrected file
    out = graphql(url, LAUNCH_RUN, {"p": {"selector": {"repositoryLocationName": "cxex", "repositoryName": "__repository__",
                                                   "jobName": "fevs_yearly"}, "runConfigData": {},
                                      "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "2018"}]}}})
    assert out["launchRun"]["__typename"] == "LaunchRunSuccess", out
    child = out["launchRun"]["run"]["runId"]
    deadline = time.time() + 240
    while time.time() < deadline:
        status = graphql(url, RUN, {"id": child})["runOrError"]
        if status["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status["status"] == "SUCCESS", status
    assert {t["key"]: t["value"] for t in status["tags"]}["dagster/partition"] == "2018"
    staged = dagster_dev["data_dir"] / "staging" / "ex_index_scores" / "survey_year=2018" / "data.parquet"
    import pyarrow.parquet as pq

    assert "AA" in pq.read_table(staged).column("agency_code").to_pylist()  # the fixed landed file, not the sample


RUNS_IDS = """query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) { ... on Runs { results { runId jobName status } } } }"""
