"""Great Expectations, imported without loading scipy.stats (what every validation imports GX through).

GX's `expectations.core` imports scipy.stats at import for expectations cxex never runs (KL divergence,
Kolmogorov-Smirnov): about 1 s of the 4 s GX import, on every source run's critical path. scipy.stats
is bound first as a module that loads on first use (Python's `importlib.util.LazyLoader`), on the
`scipy` package too, so `from scipy import stats` finds it without scipy's module `__getattr__`; code
that uses it loads it then, whole. cxex's own statistics need only `scipy.special`
(warehouse/factors.py). Left as it is when scipy.stats is already imported.

`import_in_background()` (make run calls it before its first run) starts that import on a thread, so
the 3.5 s it takes overlap the work before the first validation: the definitions, the instance, run
creation, reading the first landed files (DuckDB, polars, pyarrow and SQLite's commits release
Python's lock). The first `great_expectations()` waits for it; an error of the import is raised there,
as if it were imported on the spot.
"""

from __future__ import annotations

import importlib.util
import sys
import threading

_BACKGROUND: threading.Thread | None = None


def defer_scipy_stats() -> bool:
    """Bind scipy.stats as a module that loads on first use; False when it is already imported."""
    if "scipy.stats" in sys.modules:
        return False
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


def _import():
    if "great_expectations" not in sys.modules:
        defer_scipy_stats()
    import great_expectations as gx

    return gx


def _import_quietly() -> None:
    try:
        _import()
    except BaseException:  # noqa: BLE001 - the caller's own import raises it again, where it belongs
        pass


def import_in_background() -> threading.Thread | None:
    """Start importing GX on a daemon thread (once per process); None when it is imported or under way."""
    global _BACKGROUND
    if "great_expectations" in sys.modules or _BACKGROUND is not None:
        return None
    _BACKGROUND = threading.Thread(target=_import_quietly, name="cxex-gx-import", daemon=True)
    _BACKGROUND.start()
    return _BACKGROUND


def great_expectations():
    """The `great_expectations` package, scipy.stats deferred before its first import (waiting for the
    background import when one was started)."""
    if _BACKGROUND is not None:
        _BACKGROUND.join()
    return _import()
