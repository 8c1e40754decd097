"""Test hooks for fault injection: `CXEX_FAULT_HOOK=<point>[:<n>]` kills this process with SIGKILL
the n-th time (default the first) it reaches the named point, exactly as `kill -9` would.

The points are named where publication and recovery can be interrupted (warehouse/publish.py,
warehouse/catalog.py); tests/faults/ drives them. Unset (always, outside tests) it costs one lookup.
"""

from __future__ import annotations

import os
import signal

from .settings import other

POINTS = ("version_written", "pending_recorded", "manifest_written", "manifest_committed", "snapshot_linked",
          "links_switched", "catalog_written", "parquet_written")
_seen: dict[str, int] = {}


def fault_point(name: str) -> None:
    hook = other("fault_hook")
    if not hook:
        return
    point, _, nth = hook.partition(":")
    if point != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
