"""A real PostgreSQL server on 127.0.0.1 for the tests of a persistent Dagster instance, from Debian's
`postgresql` package (initdb and pg_ctl; .ci/run installs it when it can). Tests skip without it."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None)
USER = "cxex"


def as_pg_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres_server():
    """Start a throw-away server (trust authentication, user `cxex`, database `postgres`); yields its port."""
    from tests.conftest import free_port

    if PG_BIN is None:
        pytest.skip("no PostgreSQL server binaries (Debian's postgresql package)")
    bindir = Path(PG_BIN).parent
    base = Path(tempfile.mkdtemp(prefix="cxex-pg-", dir="/tmp"))
    base.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data, port = base / "data", free_port()
    subprocess.run(as_pg_user([str(bindir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "--no-sync"]),
                   check=True, capture_output=True, timeout=120)
    subprocess.run(as_pg_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60",
                               "-o", f"-p {port} -h 127.0.0.1 -k {base} -F", "start"]),
                   check=True, capture_output=True, timeout=120)
    try:
        yield port
    finally:
        subprocess.run(as_pg_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def instance_env(port: int, db: str = "postgres") -> dict[str, str]:
    """The variables deploy/one-host/dagster.yaml reads, for the server on `port`."""
    return {"DAGSTER_POSTGRES_HOST": "127.0.0.1", "DAGSTER_POSTGRES_PORT": str(port), "DAGSTER_POSTGRES_DB": db,
            "DAGSTER_POSTGRES_USER": USER, "DAGSTER_POSTGRES_PASSWORD": "unused-with-trust"}
