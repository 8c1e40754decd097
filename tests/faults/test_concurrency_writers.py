"""Two runs on one data directory (issue 19, issue 16 item 5): the second fails at once with a clear
one-line message naming the holder, touching nothing; a killed holder leaves no stale lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.faults.publication_support import REPO, publish_once, published_set

HOLD = """
import sys, time
from pathlib import Path
from warehouse.recovery import acquire_writer_lock
lock = acquire_writer_lock(Path(sys.argv[1]))  # held while this process lives
print("held", flush=True)
time.sleep(120)
"""


def test_a_second_run_fails_fast_while_one_holds_the_data_dir(data_dir, monkeypatch, capsys):
    from pipelines import run as run_module
    from warehouse.recovery import acquire_writer_lock

    publish_once(data_dir, "runA0000-aaaa")
    before = published_set(data_dir)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(data_dir)], cwd=REPO, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.delenv("DAGSTER_HOME", raising=False)
        t = time.perf_counter()
        assert run_module.main([]) == 3
        waited = time.perf_counter() - t
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert f"in use by another cxex run (pid {holder.pid}" in err and str(data_dir) in err, err
        assert published_set(data_dir) == before and not (data_dir / "landing").exists()  # nothing touched
        assert waited < 60
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock = acquire_writer_lock(data_dir)  # the kernel released the killed holder's lock: no stale lock file
    lock.release()
