"""The documented exit codes hold (issue 34 item 6; README "Configuration"): a second run on a data
directory another run holds exits 3 from `python -m pipelines.run`, and `make run` reports it as make's
own status 2 with `Error 3` in its line, as the README says."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest

from tests.faults.publication_support import REPO

HOLD = """
import sys, time
from pathlib import Path
from warehouse.lease import claim_data_dir
from warehouse.recovery import acquire_writer_lock
claim_data_dir(Path(sys.argv[1]))
lease = acquire_writer_lock(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_second_run_exits_3_and_make_reports_it_as_error_3(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(REPO), "CXEX_DATA_DIR": str(data)}
    env.pop("DAGSTER_HOME", None)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(data)], cwd=REPO, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "held"
        direct = subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO, env=env, capture_output=True,
                                text=True, timeout=120)
        assert direct.returncode == 3, direct.stderr
        assert direct.stderr.strip().splitlines() == [direct.stderr.strip()] and "in use by another cxex run" in direct.stderr
        made = subprocess.run(["make", "-s", "run", f"CXEX_DATA_DIR={data}", f"DAGSTER_HOME={data}/dagster_home"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert made.returncode == 2 and "Error 3" in made.stderr, made.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
