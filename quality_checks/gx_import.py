"""Great Expectations, imported without loading scipy.stats (what every validation imports GX through).

GX's `expectations.core` imports scipy.stats at import for expectations cxex never runs (KL divergence,
Kolmogorov-Smirnov): about 1 s of the 4 s GX import, on every source run's critical path. scipy.stats
is bound first as a module that loads on first use (Python's `importlib.util.LazyLoader`), on the
`scipy` package too, so `from scipy import stats` finds it without scipy's module `__getattr__`; code
that uses it loads it then, whole. cxex's own statistics need only `scipy.special`
(warehouse/factors.py). Left as it is when scipy.stats is already imported.
"""

from __future__ import annotations

import importlib.util
import sys


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


def great_expectations():
    """The `great_expectations` package, scipy.stats deferred before its first import."""
    if "great_expectations" not in sys.modules:
        defer_scipy_stats()
    import great_expectations as gx

    return gx
