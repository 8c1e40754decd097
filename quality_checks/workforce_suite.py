"""Expectation suites for the typed monthly workforce files."""

from assets.sources.workforce_files import codes

from .gx_runner import ExpectationSpec as E

MAX_ACTION_LAG_MONTHS = 36  # an action processed years after it took effect is more likely a bad date


def employment_expectations() -> list[E]:
    """Range-agnostic: a row's snapshot month is compared with its partition's (`_partition_yyyymm`)."""
    return [
        E("ExpectTableRowCountToBeBetween", {"min_value": 1}),
        *[E("ExpectColumnToExist", {"column": c}) for c in ("agency_code", "agency_subelement_code", "count", "snapshot_yyyymm")],
        E("ExpectColumnPairValuesToBeEqual", {"column_A": "snapshot_yyyymm", "column_B": "_partition_yyyymm"}),
        E("ExpectColumnValuesToNotBeNull", {"column": "agency_code"}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_code", "regex": r"^[A-Z0-9]{2}$"}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_subelement_code", "regex": r"^[A-Z0-9]{4}$"}),
        E("ExpectColumnValuesToBeBetween", {"column": "count", "min_value": 0}),  # null = suppressed, allowed
        E("ExpectColumnValuesToBeBetween", {"column": "los_years", "min_value": 0, "max_value": 70}),
        E("ExpectColumnValuesToBeInSet", {"column": "age_bracket", "value_set": sorted(codes()["age"])}),
        E("ExpectColumnValuesToBeInSet", {"column": "los_bracket", "value_set": sorted(codes()["los"])}),
    ]


def actions_expectations() -> list[E]:
    """Range-agnostic: `_months_before_file` is the file's month minus the action's effective month."""
    return [
        E("ExpectColumnValuesToBeInSet", {"column": "action", "value_set": ["accession", "separation"]}),
        E("ExpectColumnValuesToMatchRegex", {"column": "category_code", "regex": r"^[A-Z]{2}$"}),
        E("ExpectColumnValuesToBeBetween", {"column": "_months_before_file", "min_value": 0,
                                            "max_value": MAX_ACTION_LAG_MONTHS}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_subelement_code", "regex": r"^[A-Z0-9]{4}$"}),
        E("ExpectColumnValuesToBeBetween", {"column": "count", "min_value": 0}),
    ]


def known_codes_expectations(subelements: list[str], actions: bool) -> list[E]:
    """Codes missing from the lookups: reported (a warning), the rows kept."""
    if actions:
        known = sorted(c for t in ("accession", "separation") for c in codes()[t])
        return [E("ExpectColumnValuesToBeInSet", {"column": "category_code", "value_set": known}),
                E("ExpectColumnValuesToBeInSet", {"column": "agency_subelement_code", "value_set": subelements})]
    return [E("ExpectColumnValuesToBeInSet", {"column": "agency_subelement_code", "value_set": subelements}),
            E("ExpectColumnValuesToBeInSet", {"column": "supervisory_status_code", "value_set": sorted(codes()["supervisory"])})]
