"""What a suite asks (ExpectationSpec) and what it found (ExpectationOutcome, SuiteOutcome): plain records the
checks, the results files and the report share; quality_checks/gx_runner.py runs them through GX."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROW_ID_COLUMN = "source_row"
SAMPLE_SIZE = 10


@dataclass(frozen=True)
class ExpectationSpec:
    type: str  # GX class name in great_expectations.expectations
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        """The column checked (a pair expectation's first column: the data, not what it is compared with)."""
        return self.kwargs.get("column") or self.kwargs.get("column_A")

    @property
    def id(self) -> str:
        return f"{_snake(self.type)}:{self.column}" if self.column else _snake(self.type)


@dataclass(frozen=True)
class ExpectationOutcome:
    id: str
    type: str
    column: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    observed_value: Any
    sample_values: list
    sample_rows: list[int]

    def describe(self) -> str:
        where = f"column {self.column}" if self.column else "table"
        if self.success:
            return f"{where}: {self.id} passed"
        bits = [f"{where}: {self.type}"]
        if self.unexpected_count is not None:
            bits.append(f"{self.unexpected_count} unexpected value(s)")
        if self.sample_values:
            bits.append(f"e.g. {self.sample_values[:5]}")
        if self.sample_rows:
            bits.append(f"at row(s) {self.sample_rows[:5]}")
        if self.observed_value is not None and not self.sample_values:
            bits.append(f"observed {self.observed_value!r}")
        return ", ".join(bits)


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    success: bool
    outcomes: list[ExpectationOutcome]

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def _snake(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out
