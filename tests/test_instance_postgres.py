"""deploy/one-host/dagster.yaml as written: a Dagster instance on a real Postgres server started on 127.0.0.1.

Skips where no PostgreSQL server binaries are installed (tests/postgres_server.py).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from tests import hand_data
from tests.conftest import QUIET, REPO, land, make_defs, write_prdf
from tests.postgres_server import instance_env, postgres_server


@pytest.fixture(scope="module")
def postgres():
    with postgres_server() as port:
        yield port


def test_deploy_instance_runs_and_remembers_runs_in_postgres(postgres, data_dir, tmp_path, monkeypatch):
    from dagster import DagsterInstance

    home = tmp_path / "home"
    home.mkdir()
    cfg = yaml.safe_load((REPO / "deploy" / "one-host" / "dagster.yaml").read_text())
    cfg["compute_logs"]["config"]["base_dir"] = str(tmp_path / "compute_logs")
    (home / "dagster.yaml").write_text(yaml.safe_dump(cfg))
    env = {"DAGSTER_HOME": str(home), **instance_env(postgres)}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    write_prdf(land(data_dir, 2018), hand_data.rows(), hand_data.COLUMNS)
    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        result = make_defs(data_dir).resolve_job_def("fevs_yearly").execute_in_process(
            partition_key="2018", instance=instance, run_config=QUIET)
        assert result.success
    # another process, as the webserver or daemon would be, finds the run and what it materialized
    code = ("from dagster import DagsterInstance, AssetKey; i = DagsterInstance.get(); "
            "r = i.get_runs(); print(len(r), r[0].job_name, r[0].status.value, r[0].tags.get('dagster/partition'), "
            "sorted(i.get_materialized_partitions(AssetKey(['warehouse', 'ex_index_scores']))))")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["1", "fevs_yearly", "SUCCESS", "2018", "['2018']"], out.stderr[-2000:]
