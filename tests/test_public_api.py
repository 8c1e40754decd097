"""Dagster and Great Expectations through their public APIs only (issue 32): no import of a private
module (`dagster._...`, `great_expectations.<package>._...`), no subclass of their storage, launcher or
executor classes, and `pipelines/` small enough to read (the orchestration is Dagster's, not ours)."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

PACKAGE = ("assets", "pipelines", "quality_checks", "warehouse", "bench")
PRIVATE = re.compile(r"dagster\._|great_expectations\.[a-z_]*\._")
FRAMEWORKS = ("dagster", "great_expectations")
# The classes a framework means users to subclass; anything else of theirs is an implementation.
MEANT_FOR_SUBCLASSING = {"ConfigurableResource", "Config", "ConfigurableIOManager", "IOManager"}


def sources():
    for folder in PACKAGE:
        yield from sorted((REPO / folder).rglob("*.py"))


def test_no_private_module_of_dagster_or_gx_is_named_anywhere_in_the_package():
    hits = [f"{path.relative_to(REPO)}:{n}: {line.strip()}" for path in sources()
            for n, line in enumerate(path.read_text().splitlines(), 1) if PRIVATE.search(line)]
    hits += [f"{path.relative_to(REPO)}" for folder in PACKAGE for path in (REPO / folder).rglob("*.yaml")
             if PRIVATE.search(path.read_text())]
    assert not hits, "private framework modules named:\n" + "\n".join(hits)


def _framework_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FRAMEWORKS:
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] in FRAMEWORKS}
    return names


def test_no_class_extends_a_framework_class_other_than_those_meant_for_it():
    found = []
    for path in sources():
        tree = ast.parse(path.read_text())
        names = _framework_names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for base in node.bases:
                text = ast.unparse(base)
                root = text.split(".")[0]
                if (root in names or root in FRAMEWORKS) and text.split(".")[-1] not in MEANT_FOR_SUBCLASSING:
                    found.append(f"{path.relative_to(REPO)}: class {node.name}({text})")
    assert not found, "\n".join(found)


def test_the_scans_find_what_they_look_for(tmp_path):
    """The two scans above, on a file that breaks both rules: they are not vacuous."""
    text = ("from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage\n"
            "from dagster import ConfigurableResource\n"
            "class Mine(SqliteEventLogStorage):\n    pass\nclass Fine(ConfigurableResource):\n    pass\n")
    assert PRIVATE.search(text)
    tree = ast.parse(text)
    names = _framework_names(tree)
    bad = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)
           for b in n.bases if ast.unparse(b) in names and ast.unparse(b) not in MEANT_FOR_SUBCLASSING]
    assert bad == ["Mine"]


def test_pipelines_is_wiring_not_an_orchestrator():
    lines = sum(len(p.read_text().splitlines()) for p in (REPO / "pipelines").glob("*.py"))
    assert lines < 800, f"pipelines/ has {lines} lines"
    run = (REPO / "pipelines" / "run.py").read_text()
    for forbidden in ("os.fork", "ProcessPoolExecutor", "ThreadPoolExecutor", "multiprocessing"):
        assert forbidden not in run, forbidden
    assert "execute_job" in run and "reconstructable" in run
