"""`make run`: Dagster runs every source, then publishes, and this prints the summary.

One run of a source's job per contiguous range of its partitions (what a backfill or the landing sensor
makes), then one run of the `publish` job (assets/publication.py: one snapshot, by the rule every launcher
follows), executed by Dagster's public `execute_job` on the instance at $DAGSTER_HOME (`make ui` shows
them). Exit 2: a bad setting, before any work; 3: another run holds the folder; 1: a partition or the
publication failed (its tables keep their last good content)."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

from warehouse.preflight import check_data_dir
from warehouse.settings import SettingError, other

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


def run_config() -> dict:
    """The console log level (INFO on a terminal, WARNING in CI and pipes; CXEX_LOG_LEVEL overrides)."""
    level = other("log_level", "INFO" if sys.stdout.isatty() else "WARNING")
    return {"loggers": {"console": {"config": {"log_level": level}}}}


def parse_args(argv: list[str] | None = None):
    import argparse

    from assets.domains import source_specs

    p = argparse.ArgumentParser(
        prog="python -m pipelines.run",
        description="Validate, compute and publish every source on the configured data directory "
                    "($CXEX_DATA_DIR, default ./data), then print a summary. Each source's partitions run as one "
                    "Dagster run (recorded in $DAGSTER_HOME, visible in `make ui`); publication follows.")
    p.add_argument("--source", default="", help="comma-separated sources to run, of "
                   f"{', '.join(s.name for s in source_specs())} (default: all). `make run SOURCE=fevs`")
    p.add_argument("--partitions", default="", help="partitions to run: a range START-END or a comma list in the source's keys, e.g. "
                                                    "2022-2023, 202301-202312, FY2024Q1-FY2024Q4 (default: every partition "
                                                    "with data). `make run SOURCE=fevs PARTITIONS=2022-2023`")
    p.add_argument("--no-publish", action="store_true", help="validate and compute only; publish nothing")
    return p.parse_args([] if argv is None else argv)


def select_partitions(available: list[str], spec: str, label: str = "partitions") -> list[str]:
    """The available partitions a spec names (assets/partition_spec.py; raises PartitionSpecError)."""
    from assets.partition_spec import select

    return select(available, spec, label)


def refused_partitions(spec: str, specs: list, layout) -> list[str]:
    """Each chosen source's objection to PARTITIONS (empty: run), before any work."""
    from assets.partition_spec import PartitionSpecError

    refused = []
    for source in specs if spec else ():
        try:
            select_partitions(source.available(layout), spec, source.label)
        except PartitionSpecError as e:
            refused.append(f"{e}" + ("" if len(specs) == 1 else f" (SOURCE={source.name} runs one source)"))
    return refused


def execute(job_name, instance, tags: dict, asset_selection=None):
    """One run of a job of the code location (by name, or its definition), by Dagster's public `execute_job`."""
    from dagster import execute_job, reconstructable

    from pipelines import definitions

    if not isinstance(job_name, str):  # a job of definitions of the caller's own (tests): in-process, as is
        return job_name.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config(), tags=tags,
                                           asset_selection=list(asset_selection) if asset_selection else None)
    return execute_job(reconstructable(getattr(definitions, definitions.LAUNCHABLE[job_name])), instance, run_config=run_config(),
                       tags=tags, asset_selection=list(asset_selection) if asset_selection else None)


def run_range(job_name: str, start: str, end: str, instance, extra_tags: dict | None = None):
    """One run of a partitioned job over start..end (every asset takes the range in one run)."""
    tags = {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end, **(extra_tags or {})}
    return execute(job_name, instance, tags)


def check_verdicts(result) -> list[tuple[bool, str]]:
    return [(ev.passed, ev.severity.value) for ev in result.get_asset_check_evaluations()]


def failed_partitions(result) -> list[str]:
    """The partitions whose blocking checks failed in a run (their metadata says which)."""
    bad: list[str] = []
    for ev in result.get_asset_check_evaluations():
        if not ev.passed and ev.severity.value == "ERROR" and "failed_partitions" in ev.metadata:  # warnings never fail one
            bad += [p for p in ev.metadata["failed_partitions"].value if p not in bad]
    return bad


@dataclass
class SourceOutcome:  # one source's runs: lines for stdout and stderr, check verdicts, its verdict
    label: str
    ok: bool = True
    checks: list[tuple[bool, str]] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)


def run_source(spec, args, defs, layout, instance) -> SourceOutcome:
    """Validate and compute one source: one Dagster run per contiguous range of its chosen partitions."""
    from assets.partitions import contiguous_ranges, partition_keys_now, register
    from assets.sources.files import SourceFileError
    from pipelines import recovery
    from quality_checks.messages import warning_messages
    from warehouse.lease import shown

    outcome = SourceOutcome(spec.label)
    try:  # a landed file that cannot even be dated (empty, unreadable) fails its own source only
        partitions = select_partitions(spec.available(layout), args.partitions)
    except (SourceFileError, OSError) as e:
        outcome.ok = False
        outcome.err.append(f"cxex: {spec.label} failed; {spec.label} tables keep their last good version:\n  {shown(str(e))}")
        return outcome
    if not partitions:
        outcome.out.append(f"cxex: {spec.label}: no data (nothing landed, and no sample used)")
        return outcome
    job, t = defs.resolve_job_def(spec.job), time.perf_counter()
    register(instance, job.partitions_def, partitions)  # A-11 quarters and CSS years: partitions once they have data
    files: set[str] = set()
    for start, end in contiguous_ranges(partitions, partition_keys_now(job.partitions_def, instance)):
        result = run_range(spec.job, start, end, instance, recovery.run_tags())
        outcome.checks += check_verdicts(result)
        span = start if start == end else f"{start}..{end}"
        if not result.success:
            outcome.ok = False
            bad = failed_partitions(result) or [span]
            outcome.err.append(f"cxex: {spec.label} {', '.join(bad)} failed; its staged results keep their last good version:")
            outcome.err += _failure_lines(result)
            continue
        outcome.out += [f"cxex: {spec.label} {span} warning: {w}" for w in warning_messages(result.all_events)]
        for mat in result.asset_materializations_for_node(spec.raw_node):
            meta = mat.metadata
            names = meta["source_files"].value if "source_files" in meta else (
                [meta["source_file"].value] if "source_file" in meta else [])
            files |= {f.rsplit("/", 2)[0] if f.count("/") > 1 else f for f in names}
    if outcome.ok:
        outcome.out.append(f"cxex: {spec.label}: {len(partitions)} partitions ({partitions[0]}..{partitions[-1]}) validated and "
                           f"computed in {time.perf_counter() - t:.1f}s from {shown(', '.join(sorted(files))) or 'the landed files'}")
    return outcome


def _failure_lines(result) -> list[str]:
    """A failed run's messages, indented under the line that names what failed."""
    from quality_checks.messages import failure_messages

    return [f"  {msg}" for msg in failure_messages(result.all_events) or ["see the run in the Dagster UI (make ui)"]]


def _changes(before: dict, after: dict) -> tuple[list[str], list[str]]:
    """(tables whose content changed or are new, tables whose content stayed) between two manifests."""
    def same(t: str) -> bool:
        return before["tables"].get(t, {}).get("sha256") == after["tables"][t].get("sha256")

    changed = sorted(t for t in after["tables"] if not same(t))
    kept = sorted(t for t in after["tables"] if same(t))
    return changed, kept


def main(argv: list[str] | None = None) -> int:
    from warehouse.lease import NotOurs

    args = parse_args(argv)
    started = time.perf_counter()
    try:
        from pipelines.definitions import SOURCES, build_definitions

        defs = build_definitions()  # reads and validates every CXEX_* setting now, before any work
        run_config()  # the log level, too
        chosen = [s.strip() for s in args.source.split(",") if s.strip()] or list(SOURCES)
        unknown = [s for s in chosen if s not in SOURCES]
        if unknown:
            raise SettingError(f"SOURCE={args.source}: unknown source(s) {', '.join(unknown)}; choose from {', '.join(SOURCES)}")
        cxex = defs.resources["cxex"]
        layout = cxex.layout
        check_data_dir(layout.root)
        if refused := refused_partitions(args.partitions, [SOURCES[name] for name in chosen], layout):
            raise SettingError("\ncxex: ".join(refused))
        from warehouse.preflight import before_the_lock

        local_publish = before_the_lock(cxex, chosen, list(SOURCES))  # every setting, the folders claimed
    except (SettingError, OSError, NotOurs) as e:
        print(f"cxex: {e}", file=sys.stderr)
        return 2
    from warehouse.recovery import DataDirBusy, acquire_writer_lock

    try:  # one writer per data directory and publish location: a second run fails at once
        lock = acquire_writer_lock(layout.root, publish_root=local_publish)
    except DataDirBusy as e:
        print(f"cxex: {e}", file=sys.stderr)
        return 3
    try:
        return _locked_main(args, defs, cxex, layout, started, [SOURCES[name] for name in chosen])
    finally:
        lock.release()


def _locked_main(args, defs, cxex, layout, started, specs) -> int:
    from pipelines import recovery
    from quality_checks.messages import failure_messages
    from pipelines.instance import instance as dagster_instance
    from pipelines.jobs import PUBLISH_JOB
    from warehouse.summary import summary

    instance = dagster_instance()
    print(f"cxex: data directory {layout.root}")
    for line in recovery.start(cxex, instance):  # after a kill: no manual step
        print(f"cxex: recovery: {line}")
    outcomes = [run_source(spec, args, defs, layout, instance) for spec in specs]
    checks, failed = [], []
    for outcome in outcomes:
        print("\n".join(outcome.out)) if outcome.out else None
        for line in outcome.err:
            print(line, file=sys.stderr)
        checks += outcome.checks
        failed += [] if outcome.ok else [outcome.label]
    if args.no_publish:
        print(f"cxex: done in {time.perf_counter() - started:.1f}s (nothing published: --no-publish)")
        return 1 if failed else 0
    before = cxex.store.read_manifest()
    result = execute(PUBLISH_JOB, instance, recovery.run_tags())  # the whole publication: one snapshot
    after = cxex.store.read_manifest()
    changed, kept = _changes(before, after)
    if not result.success:
        print("cxex: publication failed" + ("" if after.get("snapshot") != before.get("snapshot") else
              f"; nothing of this run was committed: snapshot {after.get('snapshot') or '(none)'} stays current") + ":",
              file=sys.stderr)
        for msg in failure_messages(result.all_events):
            print(f"  {msg}", file=sys.stderr)
    print(summary(cxex, [*checks, *check_verdicts(result)]))
    print(f"cxex: republished {len(changed)} table(s): {', '.join(changed) or 'none'}")
    if kept:
        print(f"cxex: kept their last good version: {', '.join(kept)}")
    if failed:
        print(f"cxex: {', '.join(failed)} failed (see above); their tables keep their last good content, and the "
              "cross-agency tables were computed from that", file=sys.stderr)
    print(f"cxex: done in {time.perf_counter() - started:.1f}s")
    return 1 if failed or not result.success else 0


def _exit_now(code: int) -> None:
    """Exit once output and exit handlers are flushed, without tearing every module down (~1 s)."""
    import atexit

    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main(sys.argv[1:]))
