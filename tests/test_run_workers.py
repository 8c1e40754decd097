"""`make run` works on two sources at once (CXEX_RUN_WORKERS): each source its own Dagster run, in a
forked worker process when the process can fork safely (as `python -m pipelines.run` can), else on a
thread of one process; on cxex's local instance (no stdout/stderr capture). The tables are the same
as when the sources run one after another, and the runs really overlap."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance

from pipelines.instance import INSTANCE_YAML, ensure_instance_config
from pipelines.run import main, run_workers
from tests.conftest import copy_default_run

REPO = Path(__file__).resolve().parents[1]
TABLES = ("ex_index_scores", "fevs_item_scores", "internal_cx_scores")


def _published(data_dir: Path) -> dict[str, pa.Table]:
    out = {}
    for t in TABLES:
        table = pq.read_table(data_dir / "publish" / t)
        out[t] = table.select([c for c in table.column_names if c != "run_id"])
    return out


def _source_runs(home: Path) -> list[tuple[str, float, float]]:
    """(job, start, end) of the source runs recorded in the instance at `home`."""
    with DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_run_records()
        return sorted((r.dagster_run.job_name, r.start_time, r.end_time) for r in records
                      if r.dagster_run.job_name != "publish")


def test_two_sources_at_once_publish_what_one_at_a_time_does(default_run, tmp_path, monkeypatch, capsys):
    results, spans = {}, {}
    for workers in ("2", "1"):
        data_dir = copy_default_run(default_run, tmp_path / f"data{workers}")
        home = tmp_path / f"home{workers}"
        monkeypatch.setenv("CXEX_DATA_DIR", str(data_dir))
        monkeypatch.setenv("DAGSTER_HOME", str(home))  # a persistent instance, as make run has
        monkeypatch.setenv("CXEX_RUN_WORKERS", workers)
        assert main(["--source", "fevs,css"]) == 0
        out = capsys.readouterr().out
        # the summary keeps source order, whichever finished first
        assert out.index("cxex: FEVS: 7 partitions") < out.index("cxex: GSA CSS: 3 partitions")
        results[workers], spans[workers] = _published(data_dir), _source_runs(home)
    for t in TABLES:
        assert results["2"][t].equals(results["1"][t]), t
    assert [job for job, *_ in spans["2"]] == ["css_yearly", "fevs_yearly"]  # sorted by job name
    (_, css_start, _), (_, _, fevs_end) = spans["2"]
    # FEVS comes first in source order and takes seconds: one after the other, CSS would start after it ends
    assert css_start < fevs_end, spans["2"]
    (_, css_start, _), (_, _, fevs_end) = spans["1"]
    assert css_start >= fevs_end, spans["1"]  # one after the other


def test_make_run_forks_its_source_workers_and_publishes_what_one_at_a_time_does(default_run, tmp_path):
    """`python -m pipelines.run` as make run starts it: one thread at the fork, so the sources run in two
    forked processes; the tables are those of a run that works on one source at a time."""
    out, spans, tables = {}, {}, {}
    for workers in ("2", "1"):
        data_dir = copy_default_run(default_run, tmp_path / f"data{workers}")
        home = tmp_path / f"home{workers}"
        env = {**os.environ, "CXEX_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(home), "CXEX_RUN_WORKERS": workers}
        done = subprocess.run([sys.executable, "-m", "pipelines.run", "--source", "fevs,css"], env=env,
                              capture_output=True, text=True, timeout=300, cwd=REPO)
        assert done.returncode == 0, done.stderr[-3000:]
        out[workers], spans[workers], tables[workers] = done.stdout, _source_runs(home), _published(data_dir)
        # each run's database was closed at its last event: its write-ahead log folded in and removed
        # (pipelines/instance.py); kept open to the exit, every run left one of up to 4 MB behind
        runs = home / "history" / "runs"
        assert len(list(runs.glob("*-*-*-*-*.db"))) >= 4  # two source runs, two staging runs, the last publish run
        assert not [p.name for p in runs.glob("*-*-*-*-*.db-wal")], sorted(p.name for p in runs.iterdir())
    assert "cxex: 2 sources on 2 worker processes" in out["2"]
    assert "worker processes" not in out["1"] and "threads" not in out["1"]
    assert out["2"].index("cxex: FEVS: 7 partitions") < out["2"].index("cxex: GSA CSS: 3 partitions")
    for t in TABLES:
        assert tables["2"][t].equals(tables["1"][t]), t
    (_, css_start, _), (_, _, fevs_end) = spans["2"]
    assert css_start < fevs_end, spans["2"]  # CSS ran while FEVS did


def test_a_killed_worker_fails_its_sources_with_a_message_and_the_next_run_recovers(default_run, tmp_path):
    """A source worker SIGKILLed at its first Parquet write (CXEX_FAULT_HOOK, warehouse/faults.py): make
    run says which sources did not finish, exits 1, leaves their raw partitions as they were; the next
    run marks the dead runs failed, removes the half-written file and succeeds."""
    data_dir = copy_default_run(default_run, tmp_path / "data")
    raw = sorted((data_dir / "raw").rglob("*.parquet"))
    before = {p: p.read_bytes() for p in raw}
    env = {**os.environ, "CXEX_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(tmp_path / "home"), "CXEX_RUN_WORKERS": "2"}
    run = [sys.executable, "-m", "pipelines.run", "--source", "fevs,css", "--no-publish"]
    killed = subprocess.run(run, env={**env, "CXEX_FAULT_HOOK": "parquet_written"}, capture_output=True, text=True,
                            timeout=300, cwd=REPO)
    assert killed.returncode == 1, killed.stderr[-3000:]
    assert "cxex: FEVS: a worker process of this run was killed before FEVS finished" in killed.stderr
    assert "cxex: GSA CSS: a worker process of this run was killed before GSA CSS finished" in killed.stderr
    assert {p: p.read_bytes() for p in raw} == before  # no partition replaced by a half-written file
    again = subprocess.run(run, env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "cxex: recovery: marked run" in again.stdout and "failed (its process is gone)" in again.stdout, again.stdout
    assert not [p for p in (data_dir / "raw").rglob("*") if p.name.endswith(".tmp")]


def test_large_landed_inputs_run_their_sources_on_threads(tmp_path, monkeypatch):
    """Forked workers pay off on small inputs only (pipelines/run.py FORK_MAX_LANDED_BYTES): the landed
    files are counted, and above the bound the sources run on threads."""
    import pipelines.run as run
    from warehouse.layout import DataLayout

    layout = DataLayout(tmp_path)
    assert run.landed_bytes(layout) == 0  # no landing folder: the sample
    folder = layout.landing("fevs", "2024")
    folder.mkdir(parents=True)
    (folder / "FEVS_2024_PRDF.csv").write_bytes(b"x" * 3000)
    (layout.landing("workforce", "202409")).mkdir(parents=True)
    (layout.landing("workforce", "202409") / "employment_202409.txt").write_bytes(b"y" * 1000)
    assert run.landed_bytes(layout) == 4000


def test_make_run_above_the_landed_bound_uses_threads(default_run, tmp_path):
    """`python -m pipelines.run` with more than FORK_MAX_LANDED_BYTES landed (a sparse file in a folder no
    source reads) runs its two sources on threads, and says why."""
    from pipelines.run import FORK_MAX_LANDED_BYTES

    data_dir = copy_default_run(default_run, tmp_path / "data")
    big = data_dir / "landing" / "archive" / "old.bin"
    big.parent.mkdir(parents=True)
    with big.open("wb") as f:
        f.truncate(FORK_MAX_LANDED_BYTES + 2**20)  # sparse: counted, not written
    env = {**os.environ, "CXEX_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(tmp_path / "home"), "CXEX_RUN_WORKERS": "2"}
    done = subprocess.run([sys.executable, "-m", "pipelines.run", "--source", "fevs,css", "--no-publish"], env=env,
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "cxex: 2 sources on 2 threads (0.3 GiB landed: large inputs share one polars and DuckDB pool)" in done.stdout


def test_fork_is_refused_once_a_thread_or_a_polars_pool_runs():
    """A forked child has only the forking thread: a process with another Python thread, or with
    polars' pool started, does not fork its sources (and runs them on threads instead)."""
    code = """
import threading, time, polars as pl
from pipelines.run import fork_safe
print(fork_safe())  # imports alone start no pool
t = threading.Thread(target=time.sleep, args=(0.5,)); t.start()
print(fork_safe())
t.join()
print(fork_safe())
pl.DataFrame({"a": range(1000)}).group_by(pl.col("a") % 3).agg(pl.len())
print(fork_safe())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "True", "False"]


def test_a_forked_child_gets_its_own_duckdb_database():
    """warehouse/db.py's database, used in the parent before a fork, is replaced in the child (its
    worker threads stayed in the parent); both go on computing."""
    code = """
import os, sys
from warehouse.db import cursor
with cursor() as con:
    assert con.execute("SELECT sum(range) FROM range(1000000)").fetchone()[0] == 499999500000
pid = os.fork()
if pid == 0:
    with cursor() as con:
        ok = con.execute("SELECT sum(range) FROM range(1000000)").fetchone()[0] == 499999500000
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
with cursor() as con:
    assert con.execute("SELECT count(*) FROM range(10)").fetchone()[0] == 10
print(os.waitstatus_to_exitcode(status))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


def test_workers_setting_is_checked_before_any_work(data_dir, monkeypatch, capsys):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for bad, says in (("0", "CXEX_RUN_WORKERS=0 is below its floor of 1"), ("two", "CXEX_RUN_WORKERS must be a whole number, got 'two'")):
        monkeypatch.setenv("CXEX_RUN_WORKERS", bad)
        assert main(["--source", "css"]) == 2
        assert says in capsys.readouterr().err
    assert not (data_dir / "publish").exists()


def test_an_instance_that_captures_output_runs_sources_one_at_a_time(tmp_path):
    (tmp_path / "captures").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "captures")) as captures:  # Dagster's default: captures stdout/stderr
        assert run_workers(captures, 2, 4) == 1
    home = tmp_path / "cxex"
    ensure_instance_config(home)
    with DagsterInstance.from_config(str(home)) as ours:
        assert run_workers(ours, 2, 4) == 2 and run_workers(ours, 2, 1) == 1 and run_workers(ours, 1, 4) == 1
    # an ephemeral instance (no DAGSTER_HOME) keeps runs in an in-memory SQLite that refuses a second writer
    with DagsterInstance.ephemeral() as ephemeral:
        assert run_workers(ephemeral, 2, 4) == 1


def test_instance_file_of_an_earlier_cxex_is_brought_up_to_date_and_a_foreign_one_left_alone(tmp_path):
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    old = INSTANCE_YAML.split("# Assets log through")[0].format(base_dir="/old/runs")  # what the last release wrote
    (earlier / "dagster.yaml").write_text(old)
    text = ensure_instance_config(earlier).read_text()
    assert "NoOpComputeLogManager" in text and str((earlier / "history" / "runs").resolve()) in text
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "dagster.yaml").write_text("telemetry:\n  enabled: false\nrun_monitoring:\n  enabled: true\n")
    assert "NoOpComputeLogManager" not in ensure_instance_config(foreign).read_text()


def test_computations_on_two_threads_keep_their_own_relations():
    """warehouse/db.py: one in-memory database, a cursor each; the same relation name on two threads."""
    from warehouse.db import cursor

    barrier, got, errors = threading.Barrier(2), {}, []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(20):
                with cursor() as con:
                    con.register("t", pa.table({"x": [n] * n}))
                    con.execute("CREATE OR REPLACE TEMP MACRO twice(v) AS 2 * v")
                    got.setdefault(n, set()).add(con.execute("SELECT count(*), sum(twice(x)) FROM t").fetchone())
        except Exception as e:  # noqa: BLE001  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in (3, 5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert got == {3: {(3, 18)}, 5: {(5, 50)}}


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])


def test_a_source_killed_while_staging_its_tables_commits_none_of_them(default_run, tmp_path):
    """Each source stages its published tables from its own worker into the make run's publication
    (pipelines/run.py `_stage_tables`). The FEVS worker SIGKILLed after staging two of its three tables
    (CXEX_FAULT_HOOK=pending_recorded:2; the CSS worker stages one): FEVS fails, none of its three
    tables changes (the two it staged are not committed with the rest), and CSS still publishes."""
    from warehouse.layout import DataLayout
    from warehouse.publish import LocalStore

    data_dir = copy_default_run(default_run, tmp_path / "data")
    store = LocalStore(DataLayout(data_dir).publish_root)
    before = store.read_manifest()["tables"]
    env = {**os.environ, "CXEX_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(tmp_path / "home"), "CXEX_RUN_WORKERS": "2",
           "CXEX_FAULT_HOOK": "pending_recorded:2"}
    done = subprocess.run([sys.executable, "-m", "pipelines.run", "--source", "fevs,css"], env=env, capture_output=True,
                          text=True, timeout=300, cwd=REPO)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "cxex: 2 sources on 2 worker processes" in done.stdout
    assert "cxex: FEVS: a worker process of this run was killed before FEVS finished" in done.stderr
    after = store.read_manifest()["tables"]
    fevs = ["fevs_item_scores", "ex_index_scores", "fevs_intent_to_leave"]
    assert {t: after[t]["version"] for t in fevs} == {t: before[t]["version"] for t in fevs}
    assert after["internal_cx_scores"]["version"] != before["internal_cx_scores"]["version"]
    assert "republished" in done.stdout and "internal_cx_scores" in done.stdout.split("republished")[1].splitlines()[0]


def test_scipy_stats_is_loaded_only_when_used_and_beside_the_workers(tmp_path):
    """`make run` binds scipy.stats as a module that loads on first use before it imports Great Expectations
    (GX imports it for expectations cxex never runs), loads it on a thread once a forked worker has nothing left
    to run, and the factor tables' q-values (its one use) are scipy's Benjamini-Hochberg ones."""
    script = r'''
import sys
from pipelines.run import _defer_scipy_stats, _load_deferred_in_background
assert _defer_scipy_stats()
import great_expectations  # noqa: F401
import pyarrow as pa
from quality_checks.gx_runner import ExpectationSpec, run_suite
outcome = run_suite(pa.table({"a": [1, 2, None], "source_row": [2, 3, 4]}), "t",
                    [ExpectationSpec("ExpectColumnValuesToBeBetween", {"column": "a", "min_value": 0}),
                     ExpectationSpec("ExpectColumnValuesToNotBeNull", {"column": "a"})])
assert [o.success for o in outcome.outcomes] == [True, False], outcome
print("lazy after GX:", type(sys.modules["scipy.stats"]).__name__)
_load_deferred_in_background().join()
print("after the thread:", type(sys.modules["scipy.stats"]).__name__)
from warehouse.factors import bh_qvalues
import json
print("q:", json.dumps(bh_qvalues([0.01, None, 0.04, 0.03])))
'''
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr[-3000:]
    assert "lazy after GX: _LazyModule" in out.stdout and "after the thread: module" in out.stdout
    # Benjamini-Hochberg by hand: p sorted 0.01, 0.03, 0.04 (m = 3): q = min over later ranks of p * m / rank
    q = json.loads(out.stdout.split("q: ", 1)[1])
    assert q[1] is None and q[0] == pytest.approx(0.03) and q[2] == pytest.approx(0.04) and q[3] == pytest.approx(0.04)


WARM = r'''
import hashlib, json, os, sys
from pathlib import Path
from warehouse.layout import DataLayout
from pipelines.run import _warm_samples, _join_samples

def files(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}

root, chosen, policy = Path(sys.argv[1]), sys.argv[2].split(","), sys.argv[3]
layout = DataLayout(root, policy)
pid = _warm_samples(layout, chosen)
status = os.waitpid(pid, 0)[1] if pid is not None else None
print(json.dumps({"forked": pid is not None, "status": status, "samples": files(root / "samples")}))
'''


def _warm(root: Path, chosen: str, policy: str = "auto") -> dict:
    out = subprocess.run([sys.executable, "-c", WARM, str(root), chosen, policy], capture_output=True, text=True,
                         timeout=120, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="make run forks only on Linux (pipelines/run.py fork_safe)")
def test_samples_a_run_reads_are_generated_beside_the_gx_import(tmp_path):
    """`make run` forks a process that writes the sample files the chosen sources will read while it imports
    GX (pipelines/run.py `_warm_samples`): the same bytes the sources' own readers write, only for sources
    and years with nothing landed, and nothing under CXEX_USE_SAMPLE=never."""
    from assets.sources import cx_files, fevs_prdf, workforce_files
    from warehouse import reference
    from warehouse.layout import DataLayout

    warm = tmp_path / "warm"
    landed = warm / "landing" / "fevs" / "2024" / "FEVS_2024_PRDF.csv"  # OPM's own name for the year's file
    landed.parent.mkdir(parents=True)
    landed.write_text("RANDOM,POSTWT\n")  # only its presence matters here: 2024's sample is not read
    got = _warm(warm, "fevs,workforce,a11,css")
    assert got["forked"] and got["status"] == 0
    years = {p.split("/")[1] for p in got["samples"] if p.startswith("fevs/")}
    assert years == {str(y) for y in reference.supported_years() if y != 2024}
    assert any(p.startswith("workforce/") for p in got["samples"]) and any(p.startswith("cx/") for p in got["samples"])

    # what the readers generate by themselves, one source after the other in this process: the same files
    lazy = tmp_path / "lazy"
    (lazy / "landing" / "fevs" / "2024").mkdir(parents=True)
    (lazy / "landing" / "fevs" / "2024" / "FEVS_2024_PRDF.csv").write_text("RANDOM,POSTWT\n")
    layout = DataLayout(lazy)
    for year in fevs_prdf.available_years(layout):
        fevs_prdf.find_fevs_file(layout, year)
    workforce_files.month_files(layout, workforce_files.available_months(layout)[0][0])
    cx_files.a11_files(layout)
    lazy_files = {str(p.relative_to(lazy / "samples")) for p in (lazy / "samples").rglob("*") if p.is_file()}
    assert set(got["samples"]) == lazy_files
    for name, digest in got["samples"].items():
        assert hashlib.sha256((lazy / "samples" / name).read_bytes()).hexdigest() == digest, name

    only_fevs = _warm(tmp_path / "only_fevs", "fevs")
    assert only_fevs["samples"] and all(p.startswith("fevs/") for p in only_fevs["samples"])
    never = _warm(tmp_path / "never", "fevs,workforce,a11,css", "never")
    assert not never["forked"] and never["samples"] == {}
