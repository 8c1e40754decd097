"""The folders under assets/ that hold a source or domain: each has a `spec.py` (SPEC or SPECS). The
definitions, the jobs, the landing sensor, the schedules and the freshness windows are read from here,
so a new folder is found without a list to edit. Its checks live in quality_checks/<folder>/.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parent


def folders() -> list[str]:
    """The folders of assets/ with a spec.py, by name."""
    return sorted(p.parent.name for p in ROOT.glob("*/spec.py"))


@lru_cache(maxsize=None)
def specs_of(folder: str) -> tuple:
    module = importlib.import_module(f"assets.{folder}.spec")
    return tuple(getattr(module, "SPECS", None) or (module.SPEC,))


def source_specs() -> list:
    """Every partitioned source's spec (assets/spec.py SourceSpec), in `make run`'s order."""
    from .spec import SourceSpec

    found = [s for f in folders() for s in specs_of(f) if isinstance(s, SourceSpec)]
    return sorted(found, key=lambda s: (s.order, s.name))


def all_specs() -> list:
    return [s for f in folders() for s in specs_of(f)]


def packages() -> list[ModuleType]:
    """Each folder's package, and its checks' package in quality_checks/ where there is one."""
    out = [importlib.import_module(f"assets.{f}") for f in folders()]
    for f in folders():
        if (ROOT.parent / "quality_checks" / f / "__init__.py").exists():
            out.append(importlib.import_module(f"quality_checks.{f}"))
    return out


def import_all() -> list[ModuleType]:
    """Every module of every folder (assets, publishers, checks register themselves on import)."""
    modules = []
    for package in packages():
        modules.append(package)
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            modules.append(importlib.import_module(info.name))
    return modules
