"""The expectation suite for one survey year of the typed FEVS respondent file."""

from __future__ import annotations


from warehouse import reference

from quality_checks.expectations import ExpectationSpec as E

ITEM_COLUMN = reference.SCORABLE_RE  # Q12, V7, V17_01, Q15_1
ALLOWED_ANSWERS = [0, 1, 2, 3, 4, 5]  # 0 = X (do not know / no basis to judge); blanks are null
AGENCY_CODE_PATTERN = r"^[A-Z]{2}$"
MAX_WEIGHT = 100_000.0  # POSTWT is respondents-to-population; no agency is that large per respondent
# POSTWT is a post-stratification weight: employees a respondent stands for (OPM's 2018 file: 0.79-21.96;
# 2021, a sample: up to 789). A respondent standing for less than a hundredth of an employee is no weight
# OPM publishes: 1e-300 would pass `> 0` yet silence the respondent.
MIN_WEIGHT = 0.01


def suite_name(year: int) -> str:
    return f"fevs_responses_{year}"


def fevs_expectations(year: int, item_columns: list[str], bounds: tuple[int, int] = (10, 1_500_000),
                      columns: list[str] = ()) -> list[E]:
    """`bounds`: plausible respondents in the year's file (the cxex resource's fevs_min/max_respondents:
    real PRDFs hold ~300,000-700,000; the lower bound is low by default so subsets and samples pass,
    and raised in production to catch truncated downloads). `columns`: the file's columns (for the
    year's intent-to-leave question)."""
    lo, hi = bounds
    specs = [
        E("ExpectTableRowCountToBeBetween", {"min_value": lo, "max_value": hi}),
        E("ExpectColumnToExist", {"column": "agency_code"}),
        E("ExpectColumnToExist", {"column": "postwt"}),
        E("ExpectColumnValuesToNotBeNull", {"column": "agency_code"}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_code", "regex": AGENCY_CODE_PATTERN}),
        E("ExpectColumnValuesToNotBeNull", {"column": "postwt"}),
        E("ExpectColumnValuesToBeBetween", {"column": "postwt", "min_value": MIN_WEIGHT, "max_value": MAX_WEIGHT}),
    ]
    # every item an index needs must be in the file (redacted items are absent, not missing) ...
    specs += [E("ExpectColumnToExist", {"column": item}) for item in reference.required_items(year)]
    # ... and every declared scale item the file carries answered 1-5, X or blank
    specs += [E("ExpectColumnValuesToBeInSet", {"column": c, "value_set": ALLOWED_ANSWERS}) for c in item_columns]
    # intent to leave, when the file carries the year's question: one of the year's codes or blank
    sy = reference.survey_years()[year]
    leaving = next((c for c in columns if c.lower() == sy.leaving_column.lower()), None)
    if leaving:
        specs.append(E("ExpectColumnValuesToBeInSet", {"column": leaving, "value_set": ["", *sorted(sy.leaving_codes)]}))
    return specs


def plausible_floor(year: int, share: float, is_sample: bool) -> int:
    """Fewest rows a landed file for `year` may hold: `share` (CXEX_FEVS_MIN_SHARE) of the rows OPM published
    (warehouse/reference/fevs_published_rows.csv); 0 for the generated sample and for years with no count."""
    known = reference.published_rows().get(year)
    return 0 if is_sample or not known else int(-(-known * share // 1))


def fevs_warning_expectations(year: int, columns: list[str]) -> list[E]:
    """Never blocking: repeated respondent ids, and Q columns the item map does not declare for `year`.

    OPM's re-issued files went through Excel, so `RandomID` reads `1.12971E+11` (or six significant
    digits) and repeats: it is kept, but it is not a key. A Q column not declared in
    warehouse/reference/fevs_items.csv is kept as text and never scored; the column-set expectation
    names it (its observed value lists the mismatch).
    """
    declared = reference.declared_items(year)
    expected = [c for c in columns if not ITEM_COLUMN.fullmatch(c) or c in declared]
    return [
        E("ExpectColumnValuesToBeUnique", {"column": "respondent_id"}),
        E("ExpectTableColumnsToMatchSet", {"column_set": expected, "exact_match": True}),
    ]
