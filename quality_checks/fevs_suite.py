"""The expectation suite for one survey year of the typed FEVS respondent file."""

from __future__ import annotations

from warehouse import reference

from .gx_runner import ExpectationSpec as E

ALLOWED_ANSWERS = [0, 1, 2, 3, 4, 5]  # 0 = X (do not know / no basis to judge); blanks are null
AGENCY_CODE_PATTERN = r"^[A-Z]{2}$"
MAX_WEIGHT = 100_000.0  # POSTWT is respondents-to-population; no agency is that large per respondent


def suite_name(year: int) -> str:
    return f"fevs_responses_{year}"


def fevs_expectations(year: int, item_columns: list[str], bounds: tuple[int, int] = (10, 1_500_000)) -> list[E]:
    """`bounds`: plausible respondents in the year's file (the cxex resource's fevs_min/max_respondents:
    real PRDFs hold ~300,000-700,000; the lower bound is low by default so subsets and samples pass,
    and raised in production to catch truncated downloads)."""
    lo, hi = bounds
    specs = [
        E("ExpectTableRowCountToBeBetween", {"min_value": lo, "max_value": hi}),
        E("ExpectColumnToExist", {"column": "agency_code"}),
        E("ExpectColumnToExist", {"column": "postwt"}),
        E("ExpectColumnValuesToNotBeNull", {"column": "agency_code"}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_code", "regex": AGENCY_CODE_PATTERN}),
        E("ExpectColumnValuesToNotBeNull", {"column": "postwt"}),
        E("ExpectColumnValuesToBeBetween", {"column": "postwt", "min_value": 0, "strict_min": True,
                                            "max_value": MAX_WEIGHT}),
        E("ExpectColumnValuesToBeUnique", {"column": "respondent_id"}),
    ]
    # every index item (and every declared scale item) must be in the file ...
    specs += [E("ExpectColumnToExist", {"column": item}) for item in reference.required_items(year)]
    # ... and every scored item answered 1-5, X or blank
    specs += [E("ExpectColumnValuesToBeInSet", {"column": c, "value_set": ALLOWED_ANSWERS}) for c in item_columns]
    return specs
