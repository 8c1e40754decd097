"""Recovery owns a marked folder and nothing else (issue 34 item 1), each attack as the issue ran it.

- a data directory pointed at someone else's tree whose files happen to match cxex's temp-file names;
- `CXEX_DATA_DIR=/`;
- two data directories sharing one publish location while the first is live;
- a run left STARTED forever (its webserver killed) pinning recovery's cut-off;
- a data-dir path that is YAML syntax, written into dagster.yaml.
Publication rows follow the published contracts (tests/faults/publication_support.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.faults.publication_support import REPO, contract_table

HOLD = """
import sys, time
from pathlib import Path
from warehouse.contracts import load
from warehouse.lease import claim_data_dir
from warehouse.publish import LocalStore
from warehouse.recovery import acquire_writer_lock
data, pub = Path(sys.argv[1]), Path(sys.argv[2])
claim_data_dir(data, pub)
lease = acquire_writer_lock(data, publish_root=pub)
from tests.faults.publication_support import contract_table
LocalStore(pub).stage(load("cx_index_scores"), contract_table("cx_index_scores", "liveA000-aaaa"), "liveA000-aaaa",
                      publication="publA000-live")
print("held", flush=True)
time.sleep(120)
"""


def _main(monkeypatch, data_dir: Path, *argv: str, **env: str) -> int:
    from pipelines import run as run_module

    monkeypatch.setenv("CXEX_DATA_DIR", str(data_dir))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return run_module.main(list(argv))


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_a_tree_that_is_not_a_cxex_folder_is_refused_and_its_files_survive(tmp_path, monkeypatch, capsys):
    victim = tmp_path / "V" / "n" / (".d." + "0123456789abcdef" * 2)
    victim.parent.mkdir(parents=True)
    victim.write_text("x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(victim, (two_days_ago, two_days_ago))
    assert _main(monkeypatch, tmp_path / "V") == 2
    err = _one_line(capsys)
    assert "CXEX_DATA_DIR=" in err and "is not a cxex folder" in err and "'n'" in err, err
    assert victim.read_text() == "x" and sorted(p.name for p in (tmp_path / "V").iterdir()) == ["n"]


def test_the_filesystem_root_and_home_are_refused():
    """Through claim_data_dir, the call `make run` makes before its lease (pipelines/run.py -> warehouse/
    preflight.py): called directly, so a broken rule writes one marker here, never a whole run into /."""
    from warehouse.lease import DATA_MARKER, NotOurs, claim_data_dir

    existed = Path("/", DATA_MARKER).exists()
    try:
        with pytest.raises(NotOurs, match="CXEX_DATA_DIR=/ is the filesystem root"):
            claim_data_dir(Path("/"))
        with pytest.raises(NotOurs, match="is the home folder"):
            claim_data_dir(Path.home())
    finally:
        if not existed:
            Path("/", DATA_MARKER).unlink(missing_ok=True)
            Path.home().joinpath(DATA_MARKER).unlink(missing_ok=True)


def test_recovery_never_walks_an_unmarked_folder(tmp_path):
    from warehouse.recovery import clean, debris

    stray = tmp_path / "raw" / (".x." + "ab" * 16 + ".tmp")  # a cxex-looking name in a cxex-looking folder
    stray.parent.mkdir(parents=True)
    stray.write_text("x")
    assert debris(tmp_path) == [] and clean(tmp_path, None, time.time() + 10) == []
    assert stray.exists()


def test_a_folder_holding_only_cxex_names_is_adopted_and_marked(tmp_path):
    from warehouse.lease import DATA_MARKER, claim_data_dir

    (tmp_path / "d" / "landing" / "fevs" / "2023").mkdir(parents=True)
    claim_data_dir(tmp_path / "d")
    assert (tmp_path / "d" / DATA_MARKER).is_file()
    (tmp_path / "d" / "notes.txt").write_text("mine")  # once marked, a user's file in it does not un-own it
    claim_data_dir(tmp_path / "d")


def test_two_data_dirs_sharing_a_publish_location_take_turns(tmp_path, monkeypatch, capsys):
    from warehouse.lease import claim_data_dir
    from warehouse.publish import LocalStore
    from warehouse.recovery import acquire_writer_lock, recover
    from warehouse.layout import DataLayout

    a, b, pub = tmp_path / "a", tmp_path / "b", tmp_path / "shared_publish"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(a), str(pub)], cwd=REPO, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout.readline().strip() == "held"
        assert _main(monkeypatch, b, CXEX_PUBLISH_URL=str(pub)) == 3
        err = _one_line(capsys)
        assert f"{pub} is in use by another cxex run (pid {holder.pid}" in err, err
        assert (pub / ".pending" / "publA000-live" / "cx_index_scores.json").exists()  # the live run's set: untouched
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # the holder is dead (the kernel released its lock): its staged set is now provably orphaned
    claim_data_dir(b, pub)
    lease = acquire_writer_lock(b, publish_root=pub)
    try:
        lines = recover(DataLayout(b.resolve()), LocalStore(pub), older_than=0.0)  # a cut-off that spares all by time
    finally:
        lease.release()
    assert any("discarded the unfinished publication of run publA000" in ln for ln in lines), lines
    assert not (pub / ".pending" / "publA000-live").exists()


KILLED_UI_RUN = """
import os, signal
from dagster import DagsterInstance, job, op

@op
def parse():
    os.kill(os.getpid(), signal.SIGKILL)  # the webserver and its run die together

@job
def fevs_yearly():
    parse()

fevs_yearly.execute_in_process(instance=DagsterInstance.get(), raise_on_error=False)  # no cxex tags: a UI run
"""


def test_a_run_stuck_started_no_longer_pins_what_recovery_may_discard(tmp_path, monkeypatch):
    from dagster import DagsterInstance

    from pipelines.recovery import STALE_RUN_SECONDS, oldest_live_start
    from warehouse.contracts import load
    from warehouse.lease import claim_data_dir
    from warehouse.publish import LocalStore
    from warehouse.recovery import _pending_runs, acquire_writer_lock
    from warehouse.settings import set_other

    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert subprocess.run([sys.executable, "-c", KILLED_UI_RUN], env={**os.environ, "PYTHONPATH": str(REPO)},
                          cwd=REPO, capture_output=True).returncode == -9
    data = tmp_path / "data"
    claim_data_dir(data)
    store = LocalStore(data / "publish")
    set_other("writer_lease", "0" * 32)  # a killed `make run`'s lease
    try:
        store.stage(load("cx_index_scores"), contract_table("cx_index_scores", "killed00-0000"), "killed00-0000")
    finally:
        set_other("writer_lease", None)
    lease = acquire_writer_lock(data)
    try:
        with DagsterInstance.get() as instance:
            stuck_since = oldest_live_start(instance)
            assert stuck_since < time.time()  # the stuck run is recent: it still counts
            later = time.time() + STALE_RUN_SECONDS + 60
            assert oldest_live_start(instance, now=later) == later  # a log silent that long pins nothing
        assert _pending_runs(store, older_than=stuck_since - 3600) == ["killed00-0000"]  # its lease is gone
    finally:
        lease.release()


def test_a_data_dir_path_that_is_yaml_syntax_stays_one_string(tmp_path):
    from pipelines.instance import ensure_instance_config

    home = tmp_path / "data: z #h" / "dagster_home"
    cfg = yaml.safe_load(ensure_instance_config(home).read_text())  # written with a YAML library; names no folder
    from pipelines.instance import INSTANCE

    assert cfg == INSTANCE


@pytest.mark.parametrize("line", ["x\ny", "tab\there", "bell\x07"])
def test_file_names_are_printed_escaped(line):
    from warehouse.lease import shown

    assert "\n" not in shown(line) and "\x07" not in shown(line) and "\t" not in shown(line)


def test_a_commit_outside_make_run_takes_the_same_lease(tmp_path):
    """A UI or daemon run's commit (assets/common.py commit_snapshot) goes through writer_lease: refused while
    another run holds the data directory, a no-op inside the process that holds it."""
    from warehouse.lease import DataDirBusy, claim_data_dir, writer_lease
    from warehouse.recovery import acquire_writer_lock

    data = tmp_path / "data"
    claim_data_dir(data)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
                               "from warehouse.recovery import acquire_writer_lock\n"
                               "lease = acquire_writer_lock(Path(sys.argv[1]))\nprint('held', flush=True)\ntime.sleep(60)",
                               str(data)], cwd=REPO, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DataDirBusy, match=f"pid {holder.pid}"):
            with writer_lease(data, wait_seconds=0.2):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lease = acquire_writer_lock(data)
    try:
        with writer_lease(data) as inner:
            assert inner is None  # held by this process already: not taken twice
    finally:
        lease.release()
    with writer_lease(data) as own:
        assert own is not None


def test_the_lease_heartbeat_moves_while_held_and_stops_with_the_holder(tmp_path, monkeypatch):
    import threading

    from warehouse import lease as lease_module
    from warehouse.lease import read_record

    monkeypatch.setattr(lease_module, "HEARTBEAT_SECONDS", 0.2)
    data = tmp_path / "data"
    threads = threading.active_count()
    held = lease_module.acquire(data)
    try:
        assert threading.active_count() == threads  # no thread: make run may still fork its workers
        first = read_record(data)["heartbeat"]
        deadline = time.time() + 10
        while read_record(data)["heartbeat"] == first and time.time() < deadline:
            time.sleep(0.1)
        assert read_record(data)["heartbeat"] > first
        beater = held._beater
    finally:
        held.release()
    assert beater.poll() is not None  # the heartbeat process ended with the lease
