"""The one-host deployment (deploy/one-host/) run as processes, since no container runtime runs here.

- Dagster's instance: deploy/one-host/dagster.yaml, byte for byte, as $DAGSTER_HOME/dagster.yaml, on a
  PostgreSQL server from Debian's package (tests/postgres_server.py; the test skips without it);
- the code server: `dagster code-server start -m pipelines.definitions` (the image's default command),
  with the code-server service's settings: publication to an S3-compatible server on 127.0.0.1 (moto's
  server mode, standing in for MinIO), CXEX_PUBLISH_OPTIONS naming its endpoint;
- the daemon: `dagster-daemon run` over deploy/one-host/workspace.yaml (its grpc_server pointed here),
  with no cxex settings at all: it launches what the code server defines;
- the operator's steps: `dagster sensor start cxex_automation`, `dagster schedule start css_yearly_schedule`
  (the real schedule, made due every minute by CXEX_SCHEDULE_CRONS).

The daemon's scheduler launches the scheduled run; it runs in a run worker under the code server; the
automation sensor then publishes; a reader of the bucket (s3fs and DuckDB over fsspec, as an analyst or
a BI tool) sees one snapshot whose tables match its manifest's checksums. The landed file is GSA CSS's
layout as tests/cx_data.py `css` writes it, for the fiscal year the tick asks for.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from assets.cx.spec import PUBLISH_INTERNAL_CX_SCORES
from tests import cx_data
from tests.conftest import REPO, free_port
from tests.deployment_processes import BIN, Processes
from tests.postgres_server import PG_BIN, instance_env, postgres_server

pytestmark = pytest.mark.skipif(PG_BIN is None, reason="no PostgreSQL server binaries (Debian's postgresql package)")

ONE_HOST = REPO / "deploy" / "one-host"
BUCKET, PREFIX = "cxex-deploy", "publish"
SCHEDULE, SENSOR = "css_yearly_schedule", "cxex_automation"
DEADLINE = 300  # seconds for the whole chain; it takes ~2 minutes on 2 loaded cores


@pytest.fixture
def s3():
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                 region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield endpoint, creds
    server.stop()


def test_the_daemon_runs_the_schedule_and_the_object_store_holds_one_snapshot(s3, tmp_path, monkeypatch):
    endpoint, creds = s3
    home, data, logs = tmp_path / "home", tmp_path / "data", tmp_path / "logs"
    for d in (home, data, logs):
        d.mkdir()
    shutil.copyfile(ONE_HOST / "dagster.yaml", home / "dagster.yaml")
    code_port = free_port()
    workspace = yaml.safe_load((ONE_HOST / "workspace.yaml").read_text())
    workspace["load_from"][0]["grpc_server"].update(host="127.0.0.1", port=code_port)
    (home / "workspace.yaml").write_text(yaml.safe_dump(workspace))
    year = datetime.now(ZoneInfo("America/New_York")).year  # the fiscal year css_yearly_schedule asks for
    cx_data.write(data / "landing" / "cx" / "gsa_css" / f"css_fy{year}.csv", [
        "fiscal_year,agency_code,function,respondents,mean_score,score_sd",
        f"{year},VA,hr,100,5.5,1.5", f"{year},VA,it,300,4.5,", f"{year},VA,acquisition,12,2.0,1.0"])

    with postgres_server() as pg_port:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("CXEX_", "AWS_", "DAGSTER_"))}
        base |= {"DAGSTER_HOME": str(home), "DAGSTER_COMPUTE_LOGS_DIR": str(tmp_path / "compute_logs"),
                 "PYTHONPATH": str(REPO), "GX_ANALYTICS_ENABLED": "false", "DAGSTER_DISABLE_TELEMETRY": "1",
                 **instance_env(pg_port)}
        code_env = base | creds | {
            "CXEX_DATA_DIR": str(data), "CXEX_USE_SAMPLE": "never", "CXEX_PUBLISH_URL": f"s3://{BUCKET}/{PREFIX}",
            "CXEX_PUBLISH_OPTIONS": json.dumps({"endpoint_url": endpoint}),
            "CXEX_SCHEDULE_CRONS": json.dumps({SCHEDULE: "* * * * *"})}
        for k, v in base.items():
            monkeypatch.setenv(k, v)
        procs = Processes(logs)
        try:
            _deploy_and_wait(procs, base, code_env, home, code_port, year)
        finally:
            procs.stop()
    _assert_one_snapshot(endpoint, creds, year)
    assert not (data / "publish").exists()  # nothing published beside the data: CXEX_PUBLISH_URL was honoured


def _deploy_and_wait(procs: Processes, base: dict, code_env: dict, home, code_port: int, year: int) -> None:
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    ws = ["-w", str(home / "workspace.yaml")]
    code = procs.start("code-server", [str(BIN / "dagster"), "code-server", "start", "-m", "pipelines.definitions",
                                       "-h", "127.0.0.1", "-p", str(code_port)], code_env, REPO)
    daemon = procs.start("daemon", [str(BIN / "dagster-daemon"), "run", *ws], base, home)
    start = time.monotonic()
    _until(lambda: procs.cli(["sensor", "start", SENSOR, *ws], base, home).returncode == 0, 120, procs, "sensor start")
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"  # the shipped file's storage
        # the sensor evaluates once before the schedule fires (its first tick only sets its cursor)
        _until(lambda: _pg(instance, "SELECT count(*) FROM job_ticks")[0][0] > 0, 90, procs, "first sensor tick")
        instance.add_dynamic_partitions("css_fiscal_years", [str(year)])  # as the landing sensor would
        out = procs.cli(["schedule", "start", SCHEDULE, *ws], base, home)
        assert out.returncode == 0, out.stdout + out.stderr

        def runs(**tags) -> list:
            procs.watch()
            failed = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.FAILURE]))
            assert not failed, f"run {failed[0].run_id} ({failed[0].job_name}) failed\n{procs.tails()}"
            return instance.get_runs(RunsFilter(tags=tags))

        left = lambda: DEADLINE - (time.monotonic() - start)  # noqa: E731
        _until(lambda: runs(**{"dagster/schedule_name": SCHEDULE}), left(), procs, "a scheduled run")
        # every minute is a tick: once one has launched its run, stop the schedule, as after a demo
        out = procs.cli(["schedule", "stop", SCHEDULE, *ws], base, home)
        assert out.returncode == 0, out.stdout + out.stderr
        _until(lambda: any(r.status == DagsterRunStatus.SUCCESS for r in runs(**{"dagster/sensor_name": SENSOR})),
               left(), procs, "a publication launched by the automation sensor")
        print(f"deployment chain: {time.monotonic() - start:.0f} s")  # noqa: T201 - the measured figure
        scheduled = instance.get_runs(RunsFilter(tags={"dagster/schedule_name": SCHEDULE}))
        assert len(scheduled) == 1, [r.tags for r in instance.get_runs()]
        run = scheduled[0]
        assert run.status == DagsterRunStatus.SUCCESS and run.job_name == "css_yearly"
        assert run.tags["dagster/partition"] == str(year)
        # launched through the code server (the DefaultRunLauncher's gRPC call), in a process under it
        assert json.loads(run.tags[".dagster/grpc_info"])["port"] == code_port
        pids = [int(m.group(1)) for e in instance.all_logs(run.run_id)
                if (m := re.search(r"Started process for run \(pid: (\d+)\)", e.message or ""))]
        assert len(pids) == 1 and pids[0] in procs.seen, (pids, procs.seen)
        assert pids[0] not in (code.pid, daemon.pid)
        # its events are rows of PostgreSQL's tables (not of a SQLite file under $DAGSTER_HOME)
        assert _pg(instance, "SELECT status FROM runs WHERE run_id = %s", run.run_id) == [("SUCCESS",)]
        assert _pg(instance, "SELECT count(*) FROM event_logs WHERE run_id = %s", run.run_id)[0][0] >= 10
        assert not list(home.rglob("*.db"))
        publication = [r for r in instance.get_runs() if r.run_id != run.run_id]
        assert [r.status for r in publication] == [DagsterRunStatus.SUCCESS], [r.tags for r in publication]
        assert publication[0].tags["dagster/sensor_name"] == SENSOR
        assert PUBLISH_INTERNAL_CX_SCORES in (publication[0].asset_selection or ()), publication[0]


def _assert_one_snapshot(endpoint: str, creds: dict, year: int) -> None:
    """What a reader of the bucket sees: one committed snapshot, every table as its manifest says."""
    import duckdb
    import s3fs

    fs = s3fs.S3FileSystem(key=creds["AWS_ACCESS_KEY_ID"], secret=creds["AWS_SECRET_ACCESS_KEY"], endpoint_url=endpoint)
    root = f"{BUCKET}/{PREFIX}"
    manifest = json.loads(fs.cat_file(f"{root}/_manifest.json"))
    assert len(manifest["history"]) == 1 and manifest["previous_snapshot"] is None, manifest["history"]
    assert not fs.exists(f"{root}/.pending") or not fs.ls(f"{root}/.pending")
    tables = manifest["tables"]
    assert "internal_cx_scores" in tables and all(e["snapshot"] == manifest["snapshot"] for e in tables.values())
    con = duckdb.connect()
    con.register_filesystem(fs)
    for name, entry in tables.items():
        body = fs.cat_file(f"{root}/{entry['file']}")
        assert hashlib.sha256(body).hexdigest() == entry["sha256"], name
        n = con.execute(f"SELECT count(*) FROM read_parquet('s3://{root}/{entry['file']}')").fetchone()[0]
        assert n == entry["rows"], name
    years = con.execute(f"SELECT DISTINCT fiscal_year FROM read_parquet('s3://{root}/internal_cx_scores/data.parquet')")
    assert [int(y) for (y,) in years.fetchall()] == [year]


def _pg(instance, sql: str, *params) -> list[tuple]:
    """A query of the instance's own PostgreSQL database (the variables its dagster.yaml reads)."""
    import psycopg2

    env = instance_env(int(os.environ["DAGSTER_POSTGRES_PORT"]))
    with psycopg2.connect(host=env["DAGSTER_POSTGRES_HOST"], port=env["DAGSTER_POSTGRES_PORT"],
                          dbname=env["DAGSTER_POSTGRES_DB"], user=env["DAGSTER_POSTGRES_USER"]) as con, con.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _until(ready, seconds: float, procs: Processes, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        for name, proc in procs.started.items():
            assert proc.poll() is None, f"{name} exited ({proc.returncode}) waiting for {what}\n{procs.tails()}"
        time.sleep(1)
    raise AssertionError(f"no {what} within {seconds:.0f} s\n{procs.tails()}")
