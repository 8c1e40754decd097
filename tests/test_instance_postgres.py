"""deploy/dagster.yaml as written: a Dagster instance on a real Postgres server started on 127.0.0.1.

Skips where no PostgreSQL server binaries are installed (Debian's postgresql package; .ci/run
installs it when it can).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from tests import hand_data
from tests.conftest import QUIET, REPO, free_port, land, make_defs, write_prdf

PG_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None)



def _as_pg_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def postgres():
    if PG_BIN is None:
        pytest.skip("no PostgreSQL server binaries (Debian's postgresql package)")
    bindir = Path(PG_BIN).parent
    base = Path(tempfile.mkdtemp(prefix="cxex-pg-", dir="/tmp"))
    base.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data, port = base / "data", free_port()
    subprocess.run(_as_pg_user([str(bindir / "initdb"), "-D", str(data), "-U", "cxex", "-A", "trust", "--no-sync"]),
                   check=True, capture_output=True, timeout=120)
    subprocess.run(_as_pg_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60",
                                "-o", f"-p {port} -h 127.0.0.1 -k {base} -F", "start"]),
                   check=True, capture_output=True, timeout=120)
    try:
        yield port
    finally:
        subprocess.run(_as_pg_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def test_deploy_instance_runs_and_remembers_runs_in_postgres(postgres, data_dir, tmp_path, monkeypatch):
    from dagster import DagsterInstance

    home = tmp_path / "home"
    home.mkdir()
    cfg = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())
    cfg["compute_logs"]["config"]["base_dir"] = str(tmp_path / "compute_logs")
    (home / "dagster.yaml").write_text(yaml.safe_dump(cfg))
    env = {"DAGSTER_HOME": str(home), "CXEX_PG_HOST": "127.0.0.1", "CXEX_PG_PORT": str(postgres),
           "CXEX_PG_DB": "postgres", "CXEX_PG_USER": "cxex", "CXEX_PG_PASSWORD": "unused-with-trust"}
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
