"""`make ui`: the Dagster webserver loads the workspace and serves the whole asset graph."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO

QUERY = """{
  workspaceOrError { __typename ... on Workspace { locationEntries { name
      locationOrLoadError { __typename ... on PythonError { message } } } } }
  assetNodes { assetKey { path } }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webserver_loads_the_asset_graph(tmp_path):
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "CXEX_DATA_DIR": str(tmp_path / "data"),
           "DAGSTER_DISABLE_TELEMETRY": "1", "GX_ANALYTICS_ENABLED": "false"}
    Path(env["DAGSTER_HOME"]).mkdir()
    webserver = Path(sys.executable).with_name("dagster-webserver")
    proc = subprocess.Popen([str(webserver), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline, data = time.time() + 120, None
        while time.time() < deadline:
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": QUERY}).encode(),
                                             headers={"Content-Type": "application/json"})
                data = json.load(urllib.request.urlopen(req, timeout=5))["data"]
                entries = data["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["locationOrLoadError"]:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert data, "webserver did not answer"
        [entry] = data["workspaceOrError"]["locationEntries"]
        assert entry["name"] == "cxex"
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry["locationOrLoadError"]
        from pipelines.definitions import defs

        paths = {"/".join(n["assetKey"]["path"]) for n in data["assetNodes"]}
        assert paths == {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
        assert {"raw/fevs_responses", "publish/workforce_metrics", "publish/cx_index_scores", "warehouse/catalog"} <= paths
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/asset-groups", timeout=10).read()
        assert b"<html" in page.lower()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
