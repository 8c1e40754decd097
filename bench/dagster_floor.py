"""Dagster alone: the runs of one `make run`, replayed with empty asset bodies.

`python -m bench.dagster_floor DAGSTER_HOME` takes the newest `make run` recorded in that instance (its
`publish` run and the source runs since the publish run before it: the same jobs over the same partition
ranges), and replays each on a new instance of Dagster's default SQLite storage, as `make run`'s, with every
asset and check of the code location replaced by a body that returns at once: a MaterializeResult for each
selected asset, a passing AssetCheckResult for each selected check, with the same keys, dependencies, groups,
partitions, backfill policies and blocking flags, so Dagster writes the same events (run creation, planned
events, one materialization per asset and partition, step and check events, data-version look-ups). Each
run goes through `execute_job`, as `make run`'s do. What it takes is what Dagster itself costs for those
runs; whatever cxex does in its assets, checks, reports and imports comes on top. Prints one line per run and
a JSON line; needs no network and writes only in a temporary folder.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from dagster import (
    AssetCheckResult,
    DagsterInstance,
    Definitions,
    DynamicPartitionsDefinition,
    MaterializeResult,
    execute_job,
    multi_asset,
    multi_asset_check,
    reconstructable,
)

RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end", "dagster/partition")


def last_make_run(instance: DagsterInstance) -> list:
    """The newest publish run and the source runs before it back to the previous publish run, oldest first."""
    records = instance.get_run_records(limit=200)  # newest first
    runs, seen_publish = [], False
    for record in records:
        run = record.dagster_run
        if run.job_name == "publish":
            if seen_publish:
                break
            seen_publish = True
        if seen_publish:
            runs.append(run)
    if not seen_publish:
        raise SystemExit("no publish run in this instance: run `make run` on it first")
    return runs[::-1]


def _hollow_asset(ad, n: int):
    specs, checks = list(ad.specs), list(ad.check_specs)
    spec_parts = all(getattr(s, "partitions_def", None) is not None for s in specs)

    @multi_asset(name=f"hollow_{n}", specs=specs, check_specs=checks or None, can_subset=ad.can_subset,
                 partitions_def=None if spec_parts else ad.partitions_def, backfill_policy=ad.backfill_policy)
    def hollow(context):
        selected = context.selected_asset_keys
        for key in order:  # a multi-asset yields its assets after those they depend on
            if key in selected:
                yield MaterializeResult(asset_key=key)
        for check in context.selected_asset_check_keys:
            yield AssetCheckResult(asset_key=check.asset_key, check_name=check.name, passed=True)

    order = _topological(specs)
    return hollow


def _topological(specs) -> list:
    deps = {s.key: {d.asset_key for d in s.deps} for s in specs}
    order: list = []

    def visit(key):
        if key not in order:
            for dep in deps.get(key, ()):
                if dep in deps:
                    visit(dep)
            order.append(key)

    for key in deps:
        visit(key)
    return order


def _hollow_checks(ad, n: int):
    @multi_asset_check(name=f"hollow_checks_{n}", specs=list(ad.check_specs), can_subset=True)
    def hollow(context):
        for check in context.selected_asset_check_keys:
            yield AssetCheckResult(asset_key=check.asset_key, check_name=check.name, passed=True)

    return hollow


def hollow_definitions() -> Definitions:
    """The code location's assets and checks with empty bodies, and its jobs as they are."""
    from pipelines.definitions import build_definitions
    from pipelines.jobs import SOURCE_JOBS, publish

    graph = build_definitions().resolve_asset_graph()
    assets, checks = [], []
    for n, ad in enumerate(graph.assets_defs):
        if not ad.is_executable:
            continue
        if list(ad.keys):
            assets.append(_hollow_asset(ad, n))
        elif list(ad.check_keys):
            checks.append(_hollow_checks(ad, n))
    return Definitions(assets=assets, asset_checks=checks, jobs=[*SOURCE_JOBS.values(), publish])


_DEFS: Definitions | None = None


def hollow_job(name: str):
    """A job of the hollow definitions, by name (module level, so `execute_job` can reconstruct it)."""
    global _DEFS
    if _DEFS is None:
        _DEFS = hollow_definitions()
    return _DEFS.resolve_job_def(name)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def replay(source_home: Path) -> dict:
    os.environ["DAGSTER_HOME"] = str(source_home.resolve())  # Dagster wants it absolute
    source = DagsterInstance.get()
    runs = last_make_run(source)
    dynamic = {}
    for run in runs:
        parts = hollow_job(run.job_name).partitions_def  # (the definitions the replays run, built once)
        if isinstance(parts, DynamicPartitionsDefinition):
            dynamic[parts.name] = source.get_dynamic_partitions(parts.name)
    source.dispose()
    with tempfile.TemporaryDirectory(prefix="cxex-dagster-floor-") as home:
        os.environ["DAGSTER_HOME"] = home
        from pipelines.instance import instance as make_run_instance

        instance = make_run_instance()  # the dagster.yaml `make run` writes: Dagster's default SQLite storage
        for name, keys in dynamic.items():
            instance.add_dynamic_partitions(name, keys)
        out, wall0, cpu0 = [], time.perf_counter(), _cpu()
        for run in runs:
            tags = {k: v for k, v in run.tags.items() if k in RANGE_TAGS}
            t, c = time.perf_counter(), _cpu()
            result = execute_job(reconstructable(JOBS[run.job_name]), instance, tags=tags,
                                 run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
            if not result.success:
                raise SystemExit(f"the hollow {run.job_name} run failed")
            events = len(instance.get_records_for_run(result.run_id, limit=100000).records)
            span = tags.get(RANGE_TAGS[0], "") + (f"..{tags[RANGE_TAGS[1]]}" if RANGE_TAGS[1] in tags else "")
            out.append({"job": run.job_name, "range": span, "wall_s": round(time.perf_counter() - t, 2),
                        "cpu_s": round(_cpu() - c, 2), "events": events})
            print(f"  {run.job_name:<18} {span:<22} {out[-1]['wall_s']:6.2f} s wall {out[-1]['cpu_s']:6.2f} s cpu "
                  f"{events:5d} events", flush=True)
        total = {"runs": out, "runs_wall_s": round(time.perf_counter() - wall0, 2), "runs_cpu_s": round(_cpu() - cpu0, 2),
                 "events": sum(r["events"] for r in out)}
        instance.dispose()
    print(f"  Dagster alone, {len(out)} runs with empty bodies: {total['runs_wall_s']:.2f} s wall, "
          f"{total['runs_cpu_s']:.2f} s cpu, {total['events']} events", flush=True)
    return total


def _job(name: str):
    def job():
        return hollow_job(name)

    job.__name__ = f"hollow_job_{name}"
    job.__qualname__ = job.__name__
    globals()[job.__name__] = job
    return job


def _jobs() -> dict:
    from pipelines.jobs import PUBLISH_JOB, SOURCE_JOBS

    return {name: _job(name) for name in (*SOURCE_JOBS, PUBLISH_JOB)}


JOBS = _jobs()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        raise SystemExit("usage: python -m bench.dagster_floor DAGSTER_HOME (of a data directory `make run` has run in)")
    print(json.dumps(replay(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    from bench import dagster_floor  # noqa: PLW0406 (by its module name, so `reconstructable` finds the jobs in this same module)

    sys.exit(dagster_floor.main(sys.argv[1:]))
