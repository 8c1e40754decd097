"""Known defects of the files as their publishers publish them: expected of every such file, so they are
reported once, as "as published", and never as news (the report's quality page; `make run`'s warnings).

Each defect names the validation it trips (asset, expectation, column) and says what it is. The
expectation still runs and still fails (its warning check says so and counts as warned): what changes
is how it is told.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Defect:
    asset: str
    check: str
    expectation: str
    column: str
    title: str
    why: str


KNOWN_DEFECTS = (
    Defect("raw/fevs_responses", "fevs_responses_warnings", "expect_column_values_to_be_unique", "respondent_id",
           "FEVS respondent ids repeat (Excel-mangled RandomID)",
           "OPM's re-issued public-release data files went through Excel, so RandomID reads like 1.12971E+11 and "
           "repeats; cxex keeps it as text and never uses it as a key."),
)


def defect_of(asset: str, expectation: str, column: str | None) -> Defect | None:
    """The known defect a failing expectation is, if any."""
    return next((d for d in KNOWN_DEFECTS if (d.asset, d.expectation, d.column) == (asset, expectation, column)), None)


def short_warning(check_name: str, description: str, metadata: dict) -> str:
    """`make run`'s line for a failed warning check: one short sentence where every failure is a known
    defect (the check's first failing column is the defect's and there is one failure per partition)."""
    defect = next((d for d in KNOWN_DEFECTS if d.check == check_name), None)
    failed = _value(metadata.get("failed_partitions")) or []
    if defect and _value(metadata.get("column")) == defect.column and _value(metadata.get("failed_expectations")) == len(failed):
        years = ", ".join(map(str, failed))
        return f"{check_name}: {defect.title} in {years}: as published, known (the data-quality page lists it once)"
    return f"{check_name}: {description}"


def _value(v):
    return getattr(v, "value", v)
