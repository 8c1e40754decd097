"""`make run PARTITIONS=...`: what a spec names, checked before any work.

A spec is a comma list of keys and inclusive ranges `START-END`, in the source's own key syntax:
FEVS and GSA CSS survey/fiscal years `2023`, workforce months `yyyymm` (`202301-202312`), A-11 fiscal
quarters `FY2024Q1-FY2024Q4`. Keys are compared as what they are (years, months, quarters), never as
strings (`2022-2023` once selected the months 202210-202212 of the workforce source, as text between
"2022" and "2023"). A spec is refused, with the syntax and the available range, when

- an item is malformed for the source (`20x2`, a month 13, a year on a monthly source: a workforce
  year is ambiguous between calendar and fiscal, so the message spells both as months);
- a range runs backwards;
- a key, or a whole range, names no partition with data (`2030`).
"""

from __future__ import annotations

import re

KINDS = {
    "year": (re.compile(r"(\d{4})"), "a year (yyyy)", "2022-2023 or 2022,2024"),
    "month": (re.compile(r"(\d{4})(0[1-9]|1[0-2])"), "a month (yyyymm)", "202201-202312 or 202301,202306"),
    "quarter": (re.compile(r"FY(\d{4})Q([1-4])"), "a fiscal quarter (FYyyyyQn)", "FY2024Q1-FY2024Q4 or FY2023Q4,FY2024Q4"),
}


class PartitionSpecError(ValueError):
    """A PARTITIONS value that is malformed or names no available partition."""


def key_kind(keys: list[str]) -> str | None:
    """The kind of partition keys `keys` are (None when there are none)."""
    for kind, (pattern, _, _) in KINDS.items():
        if keys and all(pattern.fullmatch(k) for k in keys):
            return kind
    return None


def _order(kind: str, text: str) -> tuple[int, ...] | None:
    m = KINDS[kind][0].fullmatch(text)
    return tuple(int(g) for g in m.groups()) if m else None


def describe(available: list[str]) -> str:
    """`2018..2024 (7)`: the available range, and the keys themselves when they are few."""
    if not available:
        return "none (nothing landed, and no sample used)"
    listed = f": {', '.join(available)}" if len(available) <= 8 else ""
    return f"{available[0]}..{available[-1]} ({len(available)}{listed})"


def _malformed(kind: str, item: str, text: str) -> PartitionSpecError:
    _, what, example = KINDS[kind]
    hint = ""
    if kind == "month" and re.fullmatch(r"\d{4}", text):
        y = int(text)
        hint = (f"; workforce partitions are months: calendar {y} is {y}01-{y}12, "
                f"fiscal {y} is {y - 1}10-{y}09")
    elif kind == "quarter" and re.fullmatch(r"(FY)?\d{4}", text):
        y = text.removeprefix("FY")
        hint = f"; fiscal {y} is FY{y}Q1-FY{y}Q4"
    return PartitionSpecError(f"{item!r}: {text!r} is not {what}{hint}; write a key or a range, e.g. {example}")


def select(available: list[str], spec: str, label: str = "partitions") -> list[str]:
    """The available partitions `spec` names, in `available`'s order (all of them for an empty spec);
    raises PartitionSpecError naming the problem, the syntax and the available range."""
    if not spec.strip():
        return list(available)
    kind = key_kind(available)
    if kind is None:
        raise PartitionSpecError(f"{label}: PARTITIONS={spec} names no available partition; available: {describe(available)}")
    order = {k: _order(kind, k) for k in available}
    wanted: set[str] = set()
    for item in (p.strip() for p in spec.split(",")):
        if not item:
            raise PartitionSpecError(f"{label}: PARTITIONS={spec}: an empty item; write a key or a range, e.g. {KINDS[kind][2]}")
        start, sep, end = item.partition("-")
        lo, hi = _order(kind, start), _order(kind, end if sep else start)
        if lo is None or hi is None:
            raise PartitionSpecError(f"{label}: PARTITIONS={spec}: " + str(_malformed(kind, item, start if lo is None else end)))
        if lo > hi:
            raise PartitionSpecError(f"{label}: PARTITIONS={spec}: {item!r} runs backwards; write {end}-{start}")
        hit = {k for k, o in order.items() if lo <= o <= hi}
        if not hit:
            raise PartitionSpecError(f"{label}: PARTITIONS={spec}: {item!r} names no available partition; "
                                     f"available: {describe(available)}")
        wanted |= hit
    return [k for k in available if k in wanted]
