"""The documents a newcomer relies on stay true."""

from __future__ import annotations

import re

from tests.conftest import REPO
from warehouse.contracts import all_contracts
from warehouse.dictionary import render_markdown


def test_data_dictionary_is_generated_from_the_contracts():
    assert (REPO / "docs" / "data_dictionary.md").read_text() == render_markdown(), "run `make docs`"
    text = (REPO / "docs" / "data_dictionary.md").read_text()
    for c in all_contracts():
        assert f"## `{c.table}`" in text
        assert all(col.description for col in c.columns), c.table


def test_readme_starts_with_the_two_commands():
    head = [line for line in (REPO / "README.md").read_text().splitlines()[:6] if line.startswith("make ")]
    assert [line.split()[1] for line in head] == ["run", "test"]


def test_every_environment_variable_is_documented():
    readme = (REPO / "README.md").read_text()
    used = set()
    for pkg in ("assets", "pipelines", "quality_checks", "warehouse", "tests"):
        for path in (REPO / pkg).rglob("*.py"):
            used |= set(re.findall(r"\b(CXEX_[A-Z_]+)\b", path.read_text()))
    used |= set(re.findall(r"\b(CXEX_[A-Z_]+)\b", (REPO / "Makefile").read_text()))
    missing = sorted(v for v in used if f"`{v}`" not in readme)
    assert not missing, f"document in README.md: {missing}"


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci
