"""Shared fixtures: temporary data directories, real Dagster runs, the optional reference files."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

REPO = Path(__file__).resolve().parents[1]
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, for servers the tests start."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reference_dir() -> Path | None:
    env = os.environ.get("CXEX_REFERENCE_DIR")
    path = Path(env) if env else REPO.parent / "shared" / "reference"
    return path if path.is_dir() else None


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1 (tests/http_server.py) for download code."""
    from tests.http_server import Server

    s = Server()
    yield s
    s.close()


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """`make run`'s entry point on the embedded default, ONCE per test session: (data_dir, stdout).

    A whole run is the suite's most expensive step, so every test that needs the published default
    shares this one; with `make test`'s parallel workers (pytest-xdist) the first worker to ask runs
    it under a file lock and the others reuse it. Treat its folder as read-only; a test that
    changes data takes `copy_default_run`.
    """
    import contextlib
    import io

    from filelock import FileLock

    from pipelines import run as run_module

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by this session's workers
    data_dir, printed = root / "default_run" / "data", root / "default_run" / "stdout.txt"
    with FileLock(str(root / "default_run.lock")):
        if not printed.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("CXEX_DATA_DIR", str(data_dir))
                mp.delenv("DAGSTER_HOME", raising=False)
                for name in [k for k in os.environ if k.startswith("CXEX_") and k not in ("CXEX_REFERENCE_DIR", "CXEX_DATA_DIR")]:
                    mp.delenv(name)
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    assert run_module.main() == 0
            printed.write_text(out.getvalue())
    return data_dir, printed.read_text()


def copy_default_run(default_run, dest: Path) -> Path:
    """A private copy of the shared default run's data folder (links inside it are relative)."""
    import shutil

    shutil.copytree(default_run[0], dest, symlinks=True)
    return dest


@pytest.fixture
def reference() -> Path:
    path = reference_dir()
    if path is None:
        pytest.skip("../shared/reference (or $CXEX_REFERENCE_DIR) is not present")
    return path


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("CXEX_DATA_DIR", str(d))
    # hand-made FEVS files are tiny: off the plausible-size floor (tests/faults/ test the floor itself)
    monkeypatch.setenv("CXEX_FEVS_MIN_SHARE", "0")
    return d


def make_defs(data_dir: Path, **settings):
    from pipelines.definitions import build_definitions
    from assets.resources import CxexResource

    return build_definitions(CxexResource.from_env(data_dir=str(data_dir), **settings))


@pytest.fixture
def defs(data_dir: Path):
    return make_defs(data_dir)


def run_year(defs, year: int | str, instance=None):
    from dagster import DagsterInstance

    job = defs.resolve_job_def("fevs_yearly")
    return job.execute_in_process(partition_key=str(year), instance=instance or DagsterInstance.ephemeral(),
                                  raise_on_error=False, run_config=QUIET)


def run_publish(defs, instance=None, report: bool = True):
    """The publish job: the whole publication (one asset that cannot be subset, assets/publication.py)."""
    from dagster import DagsterInstance

    assert report, "the publication always builds the report site"
    return defs.resolve_job_def("publish").execute_in_process(
        instance=instance or DagsterInstance.ephemeral(), raise_on_error=False, run_config=QUIET)


def write_prdf(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    """Write rows as a PRDF-style CSV, every value as text (as OPM's files are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = columns or list(rows[0])
    pl.DataFrame({c: ["" if r.get(c) is None else str(r[c]) for r in rows] for c in cols}).write_csv(path)
    return path


def land(data_dir: Path, year: int, name: str = "prdf.csv") -> Path:
    return data_dir / "landing" / "fevs" / str(year) / name
