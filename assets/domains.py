"""The folders under assets/ that hold a source or domain: each has a `spec.py` (SPEC or SPECS). The
definitions, the jobs, the landing sensor, the schedules and the freshness windows are read from here,
so a new folder is found without a list to edit. Its checks live in quality_checks/<folder>/, which
pipelines/definitions.py loads the same way (`import_all(checks_root)`): assets never import checks.
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


def packages(root: ModuleType | None = None) -> list[ModuleType]:
    """Each folder's package under `root` (default: assets), where it has one."""
    import assets

    root = root or assets
    here = Path(root.__path__[0])
    return [importlib.import_module(f"{root.__name__}.{f}") for f in folders() if (here / f / "__init__.py").exists()]


def import_all(root: ModuleType | None = None) -> list[ModuleType]:
    """Every module of every folder under `root` (default: assets; assets, publishers and checks register
    themselves on import)."""
    modules = []
    for package in packages(root):
        modules.append(package)
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            modules.append(importlib.import_module(info.name))
    return modules
