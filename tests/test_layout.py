"""The layout of issue 32: a folder per source, read from its spec; no import circle; no file over 400 lines.

- Every folder of assets/ with a spec.py is a source or domain: its reader, sample, assets and spec beside
  each other, its checks in quality_checks/<folder>/.
- The jobs, schedules, landing rules and freshness windows the definitions hold are the specs' (nothing
  hand-kept beside them), and a new folder is found without editing any other file: a toy source
  added to a copy of the package shows up in the definitions, the landing sensor's map, the schedules,
  the freshness windows and `make run`'s sources.
- No module imports, even late (inside a function), a module that imports it back.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("assets", "pipelines", "quality_checks", "warehouse")
MAX_LINES = 400


def _modules(root: Path) -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for p in (root / pkg).rglob("*.py"):
            name = ".".join(p.relative_to(root).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = p
    return out


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the project modules it imports anywhere in its code (top level or inside a function)."""
    mods = _modules(root)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for t in targets:
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and t != name:
                    graph[name].add(t)
                    break
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_even_through_late_imports():
    assert circles(import_graph(REPO)) == []


def test_the_circle_finder_finds_a_late_import_circle(tmp_path):
    """The guard above is not vacuous: a late import back to a module that imports it is a circle."""
    for pkg in PACKAGES:
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "assets" / "a.py").write_text("from assets import b\n")
    (tmp_path / "assets" / "b.py").write_text("def f():\n    from .a import x\n")
    assert circles(import_graph(tmp_path)) == [["assets.a", "assets.b"]]


def test_no_file_over_400_lines():
    long = {str(p.relative_to(REPO)): n for p in _modules(REPO).values() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_every_source_folder_holds_its_reader_sample_assets_spec_and_checks():
    from assets.domains import folders, source_specs, specs_of
    from assets.spec import SourceSpec

    assert folders() == ["cross_agency", "cx", "fevs", "workforce"]
    for folder in folders():
        here = REPO / "assets" / folder
        assert (here / "spec.py").exists() and (here / "assets.py").exists(), folder
        assert (REPO / "quality_checks" / folder / "checks.py").exists(), folder
        for spec in specs_of(folder):
            if isinstance(spec, SourceSpec):
                assert spec.sample.startswith(f"assets.{folder}.") and (REPO / (spec.sample.replace(".", "/") + ".py")).exists()
                assert spec.landing and callable(spec.landed) and spec.schedule is not None, spec.name
                readers = [p.name for p in here.glob("*.py") if p.name not in ("__init__.py", "spec.py", "assets.py", "sample.py")]
                assert readers, f"{folder}: no reader module"
    assert [s.name for s in source_specs()] == ["fevs", "workforce", "a11", "css"]


def test_the_definitions_hold_what_the_specs_say():
    from pipelines.definitions import defs

    from assets.domains import all_specs, source_specs

    repo = defs.get_repository_def()
    jobs = {j.name for j in repo.get_all_jobs()}
    for spec in source_specs():
        assert spec.job in jobs
        job = defs.resolve_job_def(spec.job)
        assert set(job.asset_layer.selected_asset_keys) == set(spec.assets)
        schedule = repo.get_schedule_def(f"{spec.job}_schedule")
        assert (schedule.cron_schedule, schedule.execution_timezone) == (spec.schedule.cron, spec.schedule.timezone)
    graph = repo.asset_graph
    for spec in all_specs():
        for key in spec.published:
            policy = graph.get(key).freshness_policy
            assert (policy.warn_window.to_timedelta(), policy.fail_window.to_timedelta()) == spec.freshness, key


TOY_SPEC = '''
"""A toy source: one file a fiscal year under landing/toy/<year>/."""
from dagster import AssetKey, StaticPartitionsDefinition
from assets.spec import DAY, ScheduleSpec, SourceSpec

YEARS = StaticPartitionsDefinition(["2023", "2024"])
RAW_TOY = AssetKey(["raw", "toy"])
PUBLISH_TOY = AssetKey(["publish", "toy"])


def landed(path, parts):
    return [parts[0]] if len(parts) == 2 and parts[0] in YEARS.get_partition_keys() else None


SPEC = SourceSpec("toy", "Toy", "toy_yearly", YEARS, "One toy year.", (RAW_TOY,), lambda layout: ["2023", "2024"],
                  (PUBLISH_TOY,), landing="toy", landed=landed, remote=(("toy", "toy/{partition}"),), freshness=(7 * DAY, 9 * DAY),
                  schedule=ScheduleSpec("0 3 2 1 *", "UTC", lambda when: str(when.year - 1), "2 January: last year."),
                  sample="assets.toy.sample", order=90)
'''
TOY_ASSETS = '''
from dagster import MaterializeResult, asset
from assets.publication import publisher
from assets.toy.spec import PUBLISH_TOY, RAW_TOY, YEARS


@asset(key=RAW_TOY, partitions_def=YEARS, group_name="toy")
def toy(context):
    return MaterializeResult()


@publisher(key=PUBLISH_TOY, deps=[RAW_TOY])
def publish_toy(context):
    return MaterializeResult()
'''
TOY_CHECKS = '''
from dagster import AssetCheckResult, asset_check
from assets.toy.spec import RAW_TOY


@asset_check(asset=RAW_TOY, blocking=True)
def toy_rows(context):
    return AssetCheckResult(passed=True)
'''
PROBE = '''
import json
from pathlib import Path
from pipelines.definitions import defs
from pipelines.jobs import SOURCES
from assets.landing import landing_for, partitions_of
from warehouse.layout import DataLayout
repo = defs.get_repository_def()
policy = repo.asset_graph.get(__import__("assets.toy.spec", fromlist=["x"]).PUBLISH_TOY).freshness_policy
print(json.dumps({
    "sources": list(SOURCES), "jobs": sorted(j.name for j in repo.get_all_jobs()),
    "schedules": sorted(s.name for s in repo.schedule_defs),
    "checks": sorted(k.name for k in repo.asset_graph.asset_check_keys),
    "landed": partitions_of(Path("/nowhere/landing"), "toy/2024/toy.csv"),
    "fetched_to": str(landing_for(DataLayout(Path("/d")), "toy", "2024")),
    "fail_days": policy.fail_window.to_timedelta().days,
    "published": sorted(k.to_user_string() for s in repo.asset_graph.get_all_asset_keys() for k in [s] if k.path[0] == "publish"),
}))
'''


def test_a_new_source_is_a_folder(tmp_path):
    """Copy the package, add assets/toy/ (spec, assets, sample) and quality_checks/toy/: with no other file
    edited, the toy source has its job, schedule, landing rule, freshness window, check and published table,
    and `make run` lists it."""
    for pkg in PACKAGES:
        shutil.copytree(REPO / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    toy = tmp_path / "assets" / "toy"
    toy.mkdir()
    (toy / "__init__.py").write_text('"""A toy source."""\n')
    (toy / "spec.py").write_text(TOY_SPEC)
    (toy / "assets.py").write_text(TOY_ASSETS)
    (toy / "sample.py").write_text('"""The toy sample (none)."""\n')
    (tmp_path / "quality_checks" / "toy").mkdir()
    (tmp_path / "quality_checks" / "toy" / "__init__.py").write_text("")
    (tmp_path / "quality_checks" / "toy" / "checks.py").write_text(TOY_CHECKS)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "CXEX_DATA_DIR": str(tmp_path / "data"),
           "DAGSTER_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["sources"][-1] == "toy" and "toy_yearly" in seen["jobs"]
    assert "toy_yearly_schedule" in seen["schedules"] and "toy_rows" in seen["checks"]
    assert seen["landed"] == [["toy_yearly", "2024"]] and seen["fail_days"] == 9
    assert seen["fetched_to"] == "/d/landing/toy/2024"  # a remote_sources.csv row of kind `toy` lands there
    assert "publish/toy" in seen["published"]


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])


def test_staged_tables_get_generated_publishers_with_their_contracts_words():
    """A table published as its staged partitions has no hand-written publisher: it is generated from its spec
    and contract (assets/staged.py); tables computed at publication keep the publisher their folder declares."""
    import inspect

    from assets.publication import PUBLISHERS, publication_asset
    from warehouse.contracts import load

    publication_asset()
    generated = {p.keys[0].path[-1]: p for p in PUBLISHERS if inspect.getmodule(p.fn).__name__ == "assets.staged"}
    assert set(generated) == {"fevs_item_scores", "ex_index_scores", "fevs_intent_to_leave", "fevs_item_shares",
                              "cx_service_scores", "internal_cx_scores"}
    for table, p in generated.items():
        assert p.specs[0].description.startswith(load(table).description)
        assert [d.asset_key.to_user_string() for d in p.specs[0].deps] == [f"warehouse/{table}"]
