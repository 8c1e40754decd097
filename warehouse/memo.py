"""A process's small memos: a dict of answers, emptied when it reaches its bound.

For answers `functools.lru_cache` cannot key (a Dagster context, a set of files given as lists) and for a
cache another function also reads (a file's digest and whether it had settled, assets/sources/files.py).
A long-lived process (the code server, the daemon's runs) keeps at most `limit` answers; an answer whose
computation raises is not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


def remembered(memo: dict, key: Hashable, compute: Callable[[], T], limit: int) -> T:
    """`memo[key]`, computed by `compute()` the first time (the memo emptied first when it holds `limit`)."""
    if key not in memo:
        value = compute()
        if len(memo) >= limit:
            memo.clear()
        memo[key] = value
    return memo[key]
