"""`make run`: materialize every asset on the configured data directory and print a summary.

Runs each source's partitions (FEVS years, workforce months, A-11 quarters, CSS years) as one run of
its job per contiguous range, two sources at once (in forked worker processes, or on threads where
the process cannot fork), each source then staging its published tables in a `publish` run of its
own; then a last `publish` run adds the cross-agency tables, the catalog and the report and commits
the whole publication as one snapshot; all recorded in the Dagster instance at
$DAGSTER_HOME (so `make ui` shows them). Re-running is safe: inputs are re-read, outputs are
replaced atomically, nothing is appended. Exits non-zero, with the failing check's message, if any
partition fails; that source's tables then keep their last good version (warehouse/publish.py has
the snapshot). One run per data directory at a time (exit code 3 when another holds it);
a run that starts first recovers from a killed one (pipelines/recovery.py).
"""

from __future__ import annotations

import os
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.summary import summary
from warehouse.settings import SettingError, other

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


# On a terminal, INFO shows each partition as it starts (assets/common.py partition_keys); quiet in CI and pipes.
QUIET = {"loggers": {"console": {"config": {"log_level": other("log_level", "INFO" if sys.stdout.isatty() else "WARNING")}}}}


def _sources():
    """Each source: its job, label, the partitions it has now, and the tables it publishes."""
    from assets import keys
    from assets.cx import available_css_years, available_quarters
    from assets.sources.fevs_prdf import available_years
    from assets.sources.workforce_files import available_months
    from pipelines.jobs import A11_QUARTERLY_JOB, CSS_YEARLY_JOB, FEVS_YEARLY_JOB, WORKFORCE_MONTHLY_JOB

    return {
        "fevs": (FEVS_YEARLY_JOB, "FEVS", lambda layout: [str(y) for y in available_years(layout)], "raw__fevs_responses",
                 [keys.PUBLISH_FEVS_ITEM_SCORES, keys.PUBLISH_EX_INDEX_SCORES, keys.PUBLISH_FEVS_INTENT_TO_LEAVE]),
        "workforce": (WORKFORCE_MONTHLY_JOB, "workforce", lambda layout: available_months(layout)[0], "raw__workforce_employment",
                      [keys.PUBLISH_WORKFORCE_METRICS, keys.PUBLISH_WORKFORCE_AGENCIES]),
        "a11": (A11_QUARTERLY_JOB, "A-11 CX", available_quarters, "raw__a11_cx",
                [keys.PUBLISH_CX_SERVICE_SCORES, keys.PUBLISH_CX_INDEX_SCORES]),
        "css": (CSS_YEARLY_JOB, "GSA CSS", lambda layout: [str(y) for y in available_css_years(layout)], "raw__gsa_css",
                [keys.PUBLISH_INTERNAL_CX_SCORES]),
    }


def parse_args(argv: list[str] | None = None):
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m pipelines.run",
        description="Validate, compute and publish every source on the configured data directory "
                    "($CXEX_DATA_DIR, default ./data), then print a summary. Each source's partitions run as one "
                    "Dagster run (recorded in $DAGSTER_HOME, visible in `make ui`); publication follows.")
    p.add_argument("--source", default="", help="comma-separated sources to run: fevs, workforce, a11, css "
                                                "(default: all). `make run SOURCE=fevs`")
    p.add_argument("--partitions", default="", help="partitions to run: a range START-END or a comma list in the source's keys, e.g. "
                                                    "2022-2023, 202301-202312, FY2024Q1-FY2024Q4 (default: every partition "
                                                    "with data). `make run SOURCE=fevs PARTITIONS=2022-2023`")
    p.add_argument("--no-publish", action="store_true", help="validate and compute only; publish nothing")
    return p.parse_args([] if argv is None else argv)


def select_partitions(available: list[str], spec: str, label: str = "partitions") -> list[str]:
    """The available partitions a spec names (pipelines/partition_spec.py; raises PartitionSpecError)."""
    from pipelines.partition_spec import select

    return select(available, spec, label)


def contiguous_ranges(keys: list[str], all_keys: list[str]) -> list[tuple[str, str]]:
    """`keys` as runs of consecutive partitions of the definition: one Dagster run each."""
    index = {k: i for i, k in enumerate(all_keys)}
    ranges: list[list[str]] = []
    for k in sorted(keys, key=index.__getitem__):
        if ranges and index[k] == index[ranges[-1][-1]] + 1:
            ranges[-1].append(k)
        else:
            ranges.append([k])
    return [(r[0], r[-1]) for r in ranges]


def execute(job, instance, tags: dict, asset_selection=None):
    """One run of `job` in this process: on a persistent instance recorded with the code location's
    origin (pipelines/launch.py, so the UI can re-execute it), on an ephemeral one in-process as is."""
    if instance.is_persistent:
        from pipelines.launch import execute as execute_from_location

        return execute_from_location(job, instance, run_config=QUIET, tags=tags, asset_selection=asset_selection)
    return job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET, tags=tags,
                                  asset_selection=asset_selection)


def run_range(job, start: str, end: str, instance, extra_tags: dict | None = None):
    """One run of `job` over the partitions start..end (all assets take the range in one run)."""
    tags = {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end, **(extra_tags or {})}
    return execute(job, instance, tags)


def check_verdicts(result) -> list[tuple[bool, str]]:
    """(passed, severity) of each asset check a run evaluated."""
    return [(ev.passed, ev.severity.value) for ev in result.get_asset_check_evaluations()]


def failed_partitions(result) -> list[str]:
    """The partitions whose blocking checks failed in a run (their metadata says which)."""
    bad: list[str] = []
    for ev in result.get_asset_check_evaluations():
        if not ev.passed and ev.severity.value == "ERROR" and "failed_partitions" in ev.metadata:  # warnings never fail one
            bad += [p for p in ev.metadata["failed_partitions"].value if p not in bad]
    return bad


def _import_in_background(module: str):
    """Start importing a heavy module on a thread; the checks that need it join it (Python's import
    lock makes a second import wait for the first). Overlaps with work that releases the GIL
    (polars, DuckDB, file I/O)."""
    import importlib
    import threading

    t = threading.Thread(target=importlib.import_module, args=(module,), name=f"import {module}", daemon=True)
    t.start()
    return t


def _defer_scipy_stats() -> bool:
    """Bind scipy.stats as a module that loads on first use, before Great Expectations is imported.

    GX imports it (1.1 to 1.5 s here) for expectations cxex never runs (KL divergence, KS tests); cxex
    itself uses it once, for the factor tables' q-values in the last publication run. Bound on the
    `scipy` package as well, `from scipy import stats` finds it without scipy's module `__getattr__`
    (whose import would load it). False when it is already imported."""
    if "scipy.stats" in sys.modules:
        return False
    import importlib.util

    import scipy

    spec = importlib.util.find_spec("scipy.stats")
    if spec is None or spec.loader is None:
        return False
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["scipy.stats"] = module
    spec.loader.exec_module(module)
    scipy.stats = module
    return True


def _load_deferred_in_background():
    """Load the deferred scipy.stats on a thread of this process, started once a forked worker has no
    source left to run (a core is idle), so the last publication run finds it loaded (joined before
    it: a lazy module is not safe to load from two threads at once on Python 3.11). Only where this
    process has no Python work of its own meanwhile: beside source threads it would take the
    interpreter lock from them."""
    import threading

    def load():
        import scipy.stats  # noqa: F401  (importing the lazy module runs it)

    t = threading.Thread(target=load, name="cxex-load-scipy-stats", daemon=True)
    t.start()
    return t


def check_data_dir(root: Path) -> None:
    """The data directory exists (or can be made) and is writable, else one clear line."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OSError(f"data directory {root} cannot be created ({e.strerror}); set CXEX_DATA_DIR to a writable folder") from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise OSError(f"data directory {root} is not writable; set CXEX_DATA_DIR to a writable folder")


def _changes(before: dict, after: dict) -> tuple[list[str], list[str]]:
    changed = sorted(t for t, v in after["tables"].items() if before["tables"].get(t, {}).get("version") != v["version"])
    kept = sorted(t for t in before["tables"] if t not in changed)
    return changed, kept


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        from pipelines.definitions import build_definitions  # its module-level defs validate the settings too

        defs = build_definitions()  # reads and validates every CXEX_* setting now, before any work
        workers = requested_workers()
        cxex = defs.resources["cxex"]
        layout = cxex.layout
        check_data_dir(layout.root)
    except (SettingError, OSError) as e:
        print(f"cxex: {e}", file=sys.stderr)
        return 2
    from warehouse.recovery import DataDirBusy, acquire_writer_lock

    try:
        lock = acquire_writer_lock(layout.root)  # one writer per data directory: a second run fails at once
    except DataDirBusy as e:
        print(f"cxex: {e}", file=sys.stderr)
        return 3
    try:
        return _locked_main(args, defs, cxex, layout, started, workers)
    finally:
        lock.release()


def _refused_partitions(spec: str, chosen: list[str], sources: dict, layout) -> list[str]:
    """Each chosen source's objection to PARTITIONS (empty: run), before any work."""
    from pipelines.partition_spec import PartitionSpecError

    refused = []
    for name in chosen if spec else ():
        try:
            select_partitions(sources[name][2](layout), spec, sources[name][1])
        except PartitionSpecError as e:
            refused.append(f"cxex: {e}" + ("" if len(chosen) == 1 else f" (SOURCE={name} runs one source)"))
    return refused


@dataclass
class SourceOutcome:
    """What one source's runs produced: lines for stdout and stderr, its runs' check verdicts, and its
    own verdict (plain values: a source run in a worker process hands it back pickled)."""
    label: str
    published: list
    ok: bool = True
    checks: list[tuple[bool, str]] = field(default_factory=list)  # (passed, severity) of each check evaluation
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)


def requested_workers() -> int:
    """CXEX_RUN_WORKERS: how many sources `make run` works on at once (default: the CPU count, at most 2)."""
    value = other("run_workers", "")
    if not value:
        return min(2, os.cpu_count() or 1)
    try:
        n = int(value)
    except ValueError:
        raise SettingError(f"CXEX_RUN_WORKERS must be a whole number, got {value!r}") from None
    if n < 1:
        raise SettingError(f"CXEX_RUN_WORKERS={n} is below its floor of 1")
    return n


def run_workers(instance, requested: int, sources: int) -> int:
    """How many sources run at once, each its own Dagster run: in forked worker processes where this
    process can fork (`fork_safe`), else on threads of this process (the work is mostly DuckDB, polars
    and Arrow, which release the GIL). Only on a persistent instance that does not capture compute logs
    by redirecting stdout and stderr (cxex's own dagster.yaml does not; Dagster's default does): two
    runs capturing at once would swap each other's output."""
    from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager

    if not instance.is_persistent:
        return 1  # an ephemeral instance's in-memory SQLite refuses a second writer ("database table is locked")
    if not isinstance(instance.compute_log_manager, NoOpComputeLogManager):
        return 1
    if instance.get_python_log_dagster_handler_config():
        return 1  # a deployment's own python_logs handlers: Dagster configures them at every run start
    n = max(1, min(requested, sources))
    if n > 1:
        # Dagster calls logging.config.dictConfig at every run start (even with no python_logs
        # handlers configured), which shuts down every logging handler while it holds logging's
        # lock: with another run logging on the other thread, the two deadlock (seen here: one thread
        # in dictConfig waiting for a handler's lock, the other holding it and waiting for logging's).
        # With no handlers configured the call only adds a dummy logger, so runs of this instance skip it.
        instance.get_yaml_python_handlers = list  # () -> []
    return n


# Threads of a started polars (rayon, tokio) pool. A forked child has only the forking thread: work it
# hands to a pool whose threads stayed in the parent never runs.
POOL_THREADS = re.compile(r"polars-\d+|tokio-rt-worker|async-executor-?")


def fork_safe() -> bool:
    """Whether this process can fork its source workers now: on Linux, with no other Python thread and
    no polars pool started. The threads libraries start at import are fork-aware (jemalloc's and
    OpenBLAS's fork handlers); the process's DuckDB database is replaced in a child (warehouse/db.py)."""
    import threading

    if sys.platform != "linux" or threading.active_count() != 1:
        return False  # macOS's system libraries are not fork-safe; Windows has no fork
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return False
    for task in tasks:
        try:
            name = Path(f"/proc/self/task/{task}/comm").read_text().strip()
        except OSError:
            continue  # a thread that has just ended (a joined thread's task outlives the join by a moment)
        if POOL_THREADS.fullmatch(name):
            return False
    return True


# Landed input above which sources run on threads even where the process could fork. Measured on 2
# cores: on the few MB of the sample, forked workers took 0.90 of the threads' wall time (the work is
# mostly Dagster's and GX's Python); on the national-scale data (1.7 GiB landed) they took 1.03 of it,
# with 7 % more CPU and 540 MiB more memory (each source's polars and DuckDB work is already native
# and multi-threaded, and two processes keep two pools and two working sets).
FORK_MAX_LANDED_BYTES = 256 * 2**20


def landed_bytes(layout) -> int:
    """Bytes of the files in the data directory's landing folder (what a run may read besides the sample)."""
    total = 0
    for folder, _, names in os.walk(layout.root / "landing"):
        for name in names:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:
                continue  # removed meanwhile
    return total


# The module whose `ensure_used_samples(layout)` generates the sample files a source reads where nothing
# has landed (the CX sample serves A-11 and CSS).
SAMPLE_WARMERS = {"fevs": "assets.sources.fevs_prdf", "workforce": "assets.sources.workforce_files",
                  "a11": "assets.sources.cx_files", "css": "assets.sources.cx_files"}


def _warm_samples(layout, chosen: list[str]) -> int | None:
    """Generate the embedded sample files the chosen sources will read, in a forked process, on the core
    this process leaves idle while it imports Great Expectations before forking the source workers.

    A new data directory's first run generates the sample (about 2.2 s of CPU: CX 0.9 s, workforce
    1.0 s, FEVS 0.4 s; once, then kept under samples/ with a completion marker); each source would
    otherwise generate its own in its worker, on the run's critical path. Returns the child's pid, to
    be joined (`_join_samples`) before any source starts, so no two processes ever write one sample
    folder; None where this process cannot fork now. The child reports nothing: a source whose sample
    it failed to write generates it again and reports that failure as its own."""
    if layout.use_sample == "never" or not fork_safe():
        return None
    modules = list(dict.fromkeys(SAMPLE_WARMERS[name] for name in chosen if name in SAMPLE_WARMERS))
    if not modules:
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:  # no process to spare (EAGAIN, memory): each source generates its own, as without this
        return None
    if pid:
        return pid
    code = 1
    try:
        import importlib

        for module in modules:
            importlib.import_module(module).ensure_used_samples(layout)
        code = 0
    except BaseException:  # noqa: BLE001 (the source that reads the sample reports its own failure)
        pass
    finally:
        os._exit(code)


def _join_samples(pid: int | None) -> None:
    if pid is not None:
        os.waitpid(pid, 0)


_FORKED: dict = {}  # what a forked source worker inherits: set just before the fork


def _run_forked(name: str) -> SourceOutcome:
    f = _FORKED
    return _run_source(name, f["sources"][name], f["args"], f["defs"], f["layout"], f["instance"], f["publication"])


def _in_processes(workers: int, chosen: list[str], sources, args, defs, layout, instance,
                  publication: str | None, when_a_worker_idles=None) -> list[SourceOutcome]:
    """Sources on `workers` forked processes: each inherits the imported modules, the definitions and
    the instance (its database connections are reopened in the child, pipelines/instance.py), so a
    worker starts in milliseconds and the sources' Python work (Dagster's event handling, GX) runs on
    both cores instead of taking turns on one interpreter lock."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    _FORKED.update(sources=sources, args=args, defs=defs, layout=layout, instance=instance, publication=publication)
    outcomes = []
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(_run_forked, name): name for name in chosen}  # forks every worker
            loading, done = None, {}
            for future in as_completed(futures):
                name = futures[future]
                try:
                    done[name] = future.result()
                except BrokenProcessPool:  # a worker was killed (out of memory, a signal): every unfinished source with it
                    _, label, _, _, published = sources[name]
                    done[name] = SourceOutcome(label, published, ok=False, err=[
                        f"cxex: {label}: a worker process of this run was killed before {label} finished; {label} tables "
                        "keep their last good version (its Dagster run is marked failed at the next start)"])
                if when_a_worker_idles and loading is None and len(done) > len(chosen) - workers:
                    loading = when_a_worker_idles()  # a worker has nothing left to run (a thread: never inherited by a fork)
            outcomes = [done[name] for name in chosen]
            if loading is not None:
                loading.join()
    finally:
        _FORKED.clear()
    return outcomes


def _run_source(name: str, source, args, defs, layout, instance, publication: str | None = None) -> SourceOutcome:
    """Validate and compute one source: one Dagster run per contiguous range of its chosen partitions;
    with `publication`, then stage its published tables into it."""
    from pipelines import recovery
    from pipelines.alerts import warning_messages

    job_name, label, available, raw_node, published = source
    outcome = SourceOutcome(label, published)
    partitions = select_partitions(available(layout), args.partitions)
    if not partitions:
        outcome.out.append(f"cxex: {label}: no data (nothing landed, and no sample used)")
        if publication:  # its tables as the publish assets say for a source with no data (unchanged, or empty)
            _stage_tables(outcome, defs, instance, publication)
        return outcome
    from assets.partitions import partition_keys_now, register

    job, t = defs.resolve_job_def(job_name), time.perf_counter()
    register(instance, job.partitions_def, partitions)  # A-11 quarters and CSS years: partitions once they have data
    all_keys = partition_keys_now(job.partitions_def, instance)
    files: set[str] = set()
    for start, end in contiguous_ranges(partitions, all_keys):
        result = run_range(job, start, end, instance, recovery.run_tags())
        outcome.checks += check_verdicts(result)
        span = start if start == end else f"{start}..{end}"
        if not result.success:
            outcome.ok = False
            bad = failed_partitions(result) or [span]
            outcome.err.append(f"cxex: {label} {', '.join(bad)} failed; {label} tables keep their last good version:")
            outcome.err += _failure_lines(result)
            continue
        outcome.out += [f"cxex: {label} {span} warning: {warning}" for warning in warning_messages(result.all_events)]
        for mat in result.asset_materializations_for_node(raw_node):
            meta = mat.metadata
            names = meta["source_files"].value if "source_files" in meta else (
                [meta["source_file"].value] if "source_file" in meta else [])
            files |= {f.rsplit("/", 2)[0] if f.count("/") > 1 else f for f in names}
    if outcome.ok:
        outcome.out.append(f"cxex: {label}: {len(partitions)} partitions ({partitions[0]}..{partitions[-1]}) validated and "
                           f"computed in {time.perf_counter() - t:.1f}s from {', '.join(sorted(files)) or 'the landed files'}")
        if publication:
            _stage_tables(outcome, defs, instance, publication)
    return outcome


def _stage_tables(outcome: SourceOutcome, defs, instance, publication: str) -> None:
    """Stage a source's published tables into the run's publication right after the source, in its own
    worker (overlapping the other sources); the last publish run commits them with the cross-agency
    tables as one snapshot. A failure here fails the source: its tables keep their last good version."""
    result = _publish_run(defs, instance, publication, outcome.published)
    outcome.checks += check_verdicts(result)
    if not result.success:
        outcome.ok = False
        outcome.err.append(f"cxex: {outcome.label}: publication failed; {outcome.label} tables keep their last good version:")
        outcome.err += _failure_lines(result)


def _publish_run(defs, instance, publication: str, selection: list):
    """One run of the `publish` job for `selection`, staging into `publication` (assets/common.py
    `publication_of`): it commits only if `selection` has the catalog step."""
    from assets.common import PUBLICATION_TAG
    from pipelines import recovery
    from pipelines.jobs import PUBLISH_JOB

    return execute(defs.resolve_job_def(PUBLISH_JOB), instance, {**recovery.run_tags(), PUBLICATION_TAG: publication},
                   selection)


def _failure_lines(result) -> list[str]:
    """A failed run's messages, indented under the line that names what failed."""
    from pipelines.alerts import failure_messages

    return [f"  {msg}" for msg in failure_messages(result.all_events) or ["see the run in the Dagster UI (make ui)"]]


def _locked_main(args, defs, cxex, layout, started, workers: int = 1) -> int:
    from assets import keys
    from pipelines import recovery
    from pipelines.alerts import failure_messages

    from pipelines.instance import instance as dagster_instance

    instance = dagster_instance()
    print(f"cxex: data directory {layout.root}")
    for line in recovery.start(cxex, instance):  # after a kill: no manual step
        print(f"cxex: recovery: {line}")
    sources = _sources()
    chosen = [s.strip() for s in args.source.split(",") if s.strip()] or list(sources)
    unknown = [s for s in chosen if s not in sources]
    if unknown:
        print(f"cxex: unknown source(s) {', '.join(unknown)}; choose from {', '.join(sources)}", file=sys.stderr)
        return 2
    if refused := _refused_partitions(args.partitions, chosen, sources, layout):
        print("\n".join(refused), file=sys.stderr)
        return 2
    failed: list[str] = []
    checks = []
    workers = run_workers(instance, workers, len(chosen))
    # one publication for the whole run: each source stages its tables after its own runs, and the
    # publish run below adds the cross-agency ones and commits them all as one snapshot
    publication = None if args.no_publish else str(uuid.uuid4())
    landed = landed_bytes(layout) if workers > 1 else 0
    forking = workers > 1 and landed <= FORK_MAX_LANDED_BYTES and fork_safe()
    deferred = _defer_scipy_stats()
    if forking:
        samples = _warm_samples(layout, chosen)  # beside the import below, on the other core
        try:
            # the workers inherit GX imported. Imported here, not on a thread beside Dagster's start: both
            # are Python holding the interpreter lock, and the two taking turns reached the fork later
            import great_expectations  # noqa: F401
        finally:
            _join_samples(samples)
        forking = fork_safe()  # (the import started no thread of its own)
    else:
        _import_in_background("great_expectations")  # ~4 s of imports, overlapped with the sources' parsing
    if workers > 1:
        if forking:
            print(f"cxex: {len(chosen)} sources on {workers} worker processes")
            outcomes = _in_processes(workers, chosen, sources, args, defs, layout, instance, publication,
                                     when_a_worker_idles=_load_deferred_in_background if deferred else None)
        else:
            from concurrent.futures import ThreadPoolExecutor

            why = f" ({landed / 2**30:.1f} GiB landed: large inputs share one polars and DuckDB pool)" \
                if landed > FORK_MAX_LANDED_BYTES else ""
            print(f"cxex: {len(chosen)} sources on {workers} threads{why}")
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cxex-source") as pool:
                outcomes = list(pool.map(lambda name: _run_source(name, sources[name], args, defs, layout, instance, publication),
                                         chosen))
    else:
        outcomes = [_run_source(name, sources[name], args, defs, layout, instance, publication) for name in chosen]
    for outcome in outcomes:  # printed in source order, whichever finished first
        for line in outcome.out:
            print(line)
        for line in outcome.err:
            print(line, file=sys.stderr)
        checks += outcome.checks
        if not outcome.ok:
            failed.append(outcome.label)
            if publication:  # what it staged before failing (or being killed) is not committed with the rest
                cxex.store.discard(publication, [key.path[-1] for key in outcome.published])
    if args.no_publish:
        print(f"cxex: done in {time.perf_counter() - started:.1f}s (nothing published: --no-publish)")
        return 1 if failed else 0
    before = cxex.store.read_manifest()
    selection = [keys.WAREHOUSE_CATALOG, keys.PUBLISH_REPORT]
    if not failed:
        selection += [keys.PUBLISH_AGENCY_CROSSWALK, keys.PUBLISH_AGENCY_SCORECARD, keys.PUBLISH_CX_EX_LINKAGE,
                      keys.PUBLISH_EX_CX_FACTORS, keys.PUBLISH_FOCUS_AREA_SCORES, keys.PUBLISH_AGENCY_ASSESSMENT,
                      *keys.DIMENSION_KEYS.values()]
    result = _publish_run(defs, instance, publication, selection)
    after = cxex.store.read_manifest()
    changed, kept = _changes(before, after)
    if not result.success:
        print("cxex: publication failed" + ("" if changed else
              f"; nothing of this run was committed: snapshot {after.get('snapshot') or '(none)'} stays current") + ":",
              file=sys.stderr)
        for msg in failure_messages(result.all_events):
            print(f"  {msg}", file=sys.stderr)
    print(summary(cxex, [*checks, *check_verdicts(result)]))
    print(f"cxex: republished {len(changed)} table(s): {', '.join(changed) or 'none'}")
    if kept:
        print(f"cxex: kept their last good version: {', '.join(kept)}")
    if failed:
        print(f"cxex: {', '.join(failed)} failed (see above); the cross-agency tables were not recomputed "
              "and keep their last good version", file=sys.stderr)
    print(f"cxex: done in {time.perf_counter() - started:.1f}s")
    return 1 if failed or not result.success else 0


def _exit_now(code: int) -> None:
    """End the process once everything is written: flush output, run the exit handlers (logging's
    flush, the file locks' release), then exit without the interpreter's teardown, which frees every
    module and object one by one (about a second after Dagster, GX, polars and DuckDB)."""
    import atexit

    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main(sys.argv[1:]))
