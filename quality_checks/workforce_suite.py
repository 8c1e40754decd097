"""Expectation suites for the typed monthly workforce files."""

from assets.sources.workforce_files import codes

from .gx_runner import ExpectationSpec as E

MAX_ACTION_LAG_MONTHS = 36  # an action processed years after it took effect is more likely a bad date


def _months_before(yyyymm: int, n: int) -> int:
    y, m = divmod(yyyymm, 100)
    total = y * 12 + (m - 1) - n
    return (total // 12) * 100 + total % 12 + 1


SUBELEMENT_REGEX = r"^[A-Z0-9]{2}[A-Z0-9*]{2}$"  # `AF02`, and FedScope's unspecified `AF**`


def employment_expectations(month: str, has_snapshot: bool = True) -> list[E]:
    """`has_snapshot` False: the month is covered only by an action cube, so the table is empty by design."""
    return [
        E("ExpectTableRowCountToBeBetween", {"min_value": 1 if has_snapshot else 0, **({} if has_snapshot else {"max_value": 0})}),
        *[E("ExpectColumnToExist", {"column": c}) for c in ("agency_code", "agency_subelement_code", "count", "snapshot_yyyymm")],
        E("ExpectColumnValuesToBeInSet", {"column": "snapshot_yyyymm", "value_set": [int(month)]}),
        E("ExpectColumnValuesToNotBeNull", {"column": "agency_code"}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_code", "regex": r"^[A-Z0-9]{2}$"}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_subelement_code", "regex": SUBELEMENT_REGEX}),
        E("ExpectColumnValuesToBeBetween", {"column": "count", "min_value": 0}),  # null = suppressed, allowed
        E("ExpectColumnValuesToBeBetween", {"column": "los_years", "min_value": 0, "max_value": 70}),
        E("ExpectColumnValuesToBeInSet", {"column": "age_bracket", "value_set": sorted(codes()["age"])}),
        E("ExpectColumnValuesToBeInSet", {"column": "los_bracket", "value_set": sorted(codes()["los"])}),
    ]


def actions_expectations(month: str) -> list[E]:
    m = int(month)
    return [
        E("ExpectColumnValuesToBeInSet", {"column": "action", "value_set": ["accession", "separation"]}),
        E("ExpectColumnValuesToMatchRegex", {"column": "category_code", "regex": r"^[A-Z]{2}$"}),
        E("ExpectColumnValuesToBeBetween", {"column": "effective_yyyymm", "min_value": _months_before(m, MAX_ACTION_LAG_MONTHS),
                                            "max_value": m}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_subelement_code", "regex": SUBELEMENT_REGEX}),
        E("ExpectColumnValuesToBeBetween", {"column": "count", "min_value": 0}),
    ]


def known_codes_expectations(subelements: list[str], actions: bool) -> list[E]:
    """Codes missing from the lookups: reported (a warning), the rows kept. Without a DTagy lookup
    (Federal Workforce Data ships none: `subelements` empty) sub-elements are not checked."""
    subs = [E("ExpectColumnValuesToBeInSet", {"column": "agency_subelement_code", "value_set": subelements})] if subelements else []
    if actions:
        known = sorted(c for t in ("accession", "separation") for c in codes()[t])
        return [E("ExpectColumnValuesToBeInSet", {"column": "category_code", "value_set": known}), *subs]
    return [*subs, E("ExpectColumnValuesToBeInSet", {"column": "supervisory_status_code", "value_set": sorted(codes()["supervisory"])})]
