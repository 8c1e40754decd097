"""The two locks: exact pins, sorted, runtime apart from dev tools, and resolving for Python 3.11-3.13
on Linux, macOS and Windows.

The file checks always run. The resolution checks run uv (in the dev lock) the way `make lock` does,
once per Python and platform, with `--only-binary :all:` so a pin without a wheel for that Python fails;
they run offline against uv's cache (no network in tests) and skip when the cache lacks the index
pages. `make check-lock` runs them against the package index (CXEX_LOCK_ONLINE=1), which also fills
the cache; .ci/run does that before `make test`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

RUNTIME_LOCK, DEV_LOCK = REPO / "requirements.lock", REPO / "requirements-dev.lock"
PYTHONS = ("3.11", "3.12", "3.13")
# uv's --python-platform target and the marker values a Python on that platform reports.
PLATFORMS = {
    "linux": ("x86_64-manylinux_2_28", {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                                         "platform_machine": "x86_64"}),
    "macos": ("aarch64-apple-darwin", {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
                                        "platform_machine": "arm64"}),
    "windows": ("x86_64-pc-windows-msvc", {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                                          "platform_machine": "AMD64"}),
}


def read_lock(path) -> list[Requirement]:
    return [Requirement(line) for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def pins(reqs) -> dict[str, str]:
    return {canonicalize_name(r.name): str(r.specifier)[2:] for r in reqs}


def pyproject_requirements() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    return ([Requirement(r) for r in project["project"]["dependencies"]],
            [Requirement(r) for r in project["dependency-groups"]["dev"]])


@pytest.mark.parametrize("path", [RUNTIME_LOCK, DEV_LOCK], ids=lambda p: p.name)
def test_every_line_is_one_exact_pin_in_name_order(path):
    """What `make setup` installs is exactly what was resolved: `name==version[ ; marker]`, one line per
    package in name order (so two branches that each add a line merge without conflict)."""
    reqs = read_lock(path)
    assert reqs, path
    for r in reqs:
        assert not r.extras and not r.url, f"{path.name}: {r}: extras and URLs belong in pyproject.toml"
        (spec,) = r.specifier
        assert spec.operator == "==" and "*" not in spec.version, f"{path.name}: {r} is not an exact pin"
    names = [canonicalize_name(r.name) for r in reqs]
    assert names == sorted(names), f"{path.name}: keep the lines sorted by name"
    assert len(set(names)) == len(names), f"{path.name}: a package pinned twice"


def test_runtime_lock_is_the_dev_lock_without_the_dev_tools():
    """A production image installs requirements.lock: the same versions as development, without pytest,
    moto, flask or playwright. Each top-level requirement is met by its lock."""
    runtime, dev = read_lock(RUNTIME_LOCK), read_lock(DEV_LOCK)
    dev_by_name = {canonicalize_name(r.name): str(r) for r in dev}
    for r in runtime:
        assert dev_by_name.get(canonicalize_name(r.name)) == str(r), f"{r}: not the same line in {DEV_LOCK.name}"
    deps, dev_deps = pyproject_requirements()
    dev_only = {canonicalize_name(r.name) for r in dev_deps} - {canonicalize_name(r.name) for r in deps}
    assert {"pytest", "moto", "playwright"} <= dev_only
    assert not dev_only & set(pins(runtime)), "dev tools in the runtime lock"
    for lock, wanted in ((pins(runtime), deps), (pins(dev), deps + dev_deps)):
        for r in wanted:
            name = canonicalize_name(r.name)
            assert name in lock and r.specifier.contains(lock[name], prereleases=True), f"{r} not met by the lock"
    assert "dagster-ge" not in pins(dev)


def active_pins(reqs, python: str, platform_markers: dict) -> dict[str, str]:
    """The lines pip installs for that Python and platform: those whose marker holds there."""
    env = default_environment() | platform_markers | {
        "python_version": python, "python_full_version": f"{python}.0", "platform_python_implementation": "CPython",
        "implementation_name": "cpython"}
    return pins(r for r in reqs if r.marker is None or r.marker.evaluate(env))


def uv_resolve(python: str, platform: str, dev_lock) -> subprocess.CompletedProcess:
    """The dev group resolved by uv for one Python and platform, wheels only, held to the lock's versions
    (`--python` spares uv a search of PATH for a matching interpreter: the target is --python-version)."""
    from uv import find_uv_bin

    cmd = [find_uv_bin(), "pip", "compile", str(REPO / "pyproject.toml"), "--group", "dev", "-c", str(dev_lock),
           "--python", sys.executable, "--python-version", python, "--python-platform", platform, "--only-binary", ":all:",
           "--no-header", "--no-annotate", "--quiet"]
    if os.environ.get("CXEX_LOCK_ONLINE") != "1":
        cmd.append("--offline")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=REPO)


def resolved_or_skip(python: str, platform: str, dev_lock) -> dict[str, str]:
    done = uv_resolve(python, platform, dev_lock)
    if done.returncode and "network was disabled" in done.stderr:
        pytest.skip("uv's cache lacks the package index pages: `make check-lock` (needs the index) fills it")
    assert done.returncode == 0, f"the lock does not resolve for Python {python} on {platform}:\n{done.stderr}"
    return pins(Requirement(line) for line in done.stdout.splitlines() if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@pytest.mark.parametrize("python", PYTHONS)
def test_lock_resolves_for_each_python_and_platform(python, platform):
    """uv's resolution for that Python and platform, from wheels only, is exactly the lock's lines whose
    markers hold there: no pin lacks a wheel (a Python 3.13 gap fails here), and a platform-only package
    (uvloop: no Windows; pywin32, colorama: Windows only) carries the marker that keeps it off the others."""
    target, markers = PLATFORMS[platform]
    resolved = resolved_or_skip(python, target, DEV_LOCK)
    assert resolved == active_pins(read_lock(DEV_LOCK), python, markers)


def test_a_missing_platform_marker_fails_the_resolution_check(tmp_path):
    """The check above can fail: uvloop without its marker (as the lock once had it) is caught on Windows."""
    broken = tmp_path / "requirements-dev.lock"
    lines = DEV_LOCK.read_text().splitlines()
    assert any(line.startswith("uvloop==") and ";" in line for line in lines)
    broken.write_text("\n".join(line.split(" ;")[0] if line.startswith("uvloop==") else line for line in lines) + "\n")
    target, markers = PLATFORMS["windows"]
    resolved = resolved_or_skip("3.13", target, broken)
    assert "uvloop" not in resolved and "uvloop" in active_pins(read_lock(broken), "3.13", markers)
