"""Expectation suites for the typed monthly workforce files."""

from assets.workforce.readers import codes

from quality_checks.expectations import ExpectationSpec as E

MAX_ACTION_LAG_MONTHS = 36  # an action processed years after it took effect is more likely a bad date


SUBELEMENT_REGEX = r"^[A-Z0-9]{2}[A-Z0-9*]{2}$"  # `AF02`, and FedScope's unspecified `AF**`


def employment_expectations() -> list[E]:
    """Range-agnostic: a row's snapshot month is compared with its partition's (`_partition_yyyymm`).
    How many rows each month must have is `snapshot_count_expectations` (months covered only by an
    action cube have no snapshot, by design)."""
    return [
        *[E("ExpectColumnToExist", {"column": c}) for c in ("agency_code", "agency_subelement_code", "count", "snapshot_yyyymm")],
        E("ExpectColumnPairValuesToBeEqual", {"column_A": "snapshot_yyyymm", "column_B": "_partition_yyyymm"}),
        E("ExpectColumnValuesToNotBeNull", {"column": "agency_code"}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_code", "regex": r"^[A-Z0-9]{2}$"}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_subelement_code", "regex": SUBELEMENT_REGEX}),
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
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_subelement_code", "regex": SUBELEMENT_REGEX}),
        E("ExpectColumnValuesToBeBetween", {"column": "count", "min_value": 0}),
    ]


def snapshot_count_expectations() -> list[E]:
    """On one row per month of the run (`rows`, `has_snapshot`): a month with an employment file has
    rows; a month covered only by an action cube (FedScope) has none."""
    return [
        E("ExpectColumnValuesToBeBetween", {"column": "rows", "min_value": 1, "row_condition": "has_snapshot==True",
                                            "condition_parser": "pandas"}),
        E("ExpectColumnValuesToBeBetween", {"column": "rows", "max_value": 0, "row_condition": "has_snapshot==False",
                                            "condition_parser": "pandas"}),
    ]


def known_codes_expectations(subelements: list[str], actions: bool) -> list[E]:
    """Codes missing from the lookups: reported (a warning), the rows kept. Without a DTagy lookup
    (Federal Workforce Data ships none: `subelements` empty) sub-elements are not checked."""
    subs = [E("ExpectColumnValuesToBeInSet", {"column": "agency_subelement_code", "value_set": subelements})] if subelements else []
    if actions:
        known = sorted(c for t in ("accession", "separation") for c in codes()[t])
        return [E("ExpectColumnValuesToBeInSet", {"column": "category_code", "value_set": known}), *subs]
    return [*subs, E("ExpectColumnValuesToBeInSet", {"column": "supervisory_status_code", "value_set": sorted(codes()["supervisory"])})]
