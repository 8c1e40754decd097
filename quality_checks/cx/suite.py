"""Expectation suites for one fiscal quarter of A-11 data and one fiscal year of GSA CSS."""

from assets.cx.assets import SCHEMAS
from assets.cx.layouts import CSS_FUNCTIONS, SURVEY_TYPES, V2_FLAGS

from quality_checks.expectations import ExpectationSpec as E

# columns quality_checks/cx/checks.py adds to a range of partitions before validating it
PARTITION_COLUMNS = ("_partition", "_partition_fiscal_year", "_partition_quarter", "source_row")


def a11_expectations() -> dict[str, list[E]]:
    """Range-agnostic: a row's fiscal year and quarter are compared with its partition's
    (`_partition_fiscal_year`, `_partition_quarter`, derived from the partition key)."""
    pair = {"or_equal": True, "ignore_row_if": "either_value_is_missing"}
    period = [E("ExpectColumnPairValuesToBeEqual", {"column_A": "fiscal_year", "column_B": "_partition_fiscal_year"}),
              E("ExpectColumnPairValuesToBeEqual", {"column_A": "quarter", "column_B": "_partition_quarter"})]
    # an unknown provider is a warning (a11_cx_service_registry), not a block: only its identity is required
    known = [E("ExpectColumnValuesToNotBeNull", {"column": "service_provider_id"})]
    return {
        "a11_volumes": [
            *period, *known,
            E("ExpectColumnValuesToBeUnique", {"column": "detail_id"}),  # one row per collection detail
            E("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "customers", "column_B": "surveys_offered", **pair}),
            E("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "surveys_offered", "column_B": "respondents", **pair}),
            E("ExpectColumnValuesToBeBetween", {"column": "respondents", "min_value": 0}),
        ],
        "a11_driver_results": [
            *period, *known,
            E("ExpectColumnValuesToBeBetween", {"column": "mean_score", "min_value": 1, "max_value": 5}),
            E("ExpectColumnPairValuesToBeEqual", {"column_A": "count_total", "column_B": "responses",
                                                  "ignore_row_if": "either_value_is_missing"}),
            *[E("ExpectColumnValuesToBeBetween", {"column": f"count_{k}", "min_value": 0}) for k in range(1, 6)],
            E("ExpectCompoundColumnsToBeUnique", {"column_list": ["_partition", "service_provider_id", "service_id", "channel", "driver"]}),
        ],
        "a11_responses": [
            *period, *known,
            E("ExpectColumnValuesToBeInSet", {"column": "survey_type", "value_set": list(SURVEY_TYPES)}),
            E("ExpectColumnValuesToBeInSet", {"column": "question_1", "value_set": [0, 1],
                                              "row_condition": 'survey_type=="thumbs_up_down"', "condition_parser": "pandas"}),
            E("ExpectColumnValuesToBeInSet", {"column": "question_1", "value_set": [1, 2, 3, 4, 5],
                                              "row_condition": 'survey_type=="likert_scale"', "condition_parser": "pandas"}),
            *[E("ExpectColumnValuesToBeInSet", {"column": f"{s}_{f}", "value_set": [0, 1]})
              for s in ("positive", "negative") for f in V2_FLAGS],
            # free text never leaves the landing folder: the typed file has exactly these columns
            E("ExpectTableColumnsToMatchSet", {"column_set": [*SCHEMAS["a11_responses"], *PARTITION_COLUMNS],
                                               "exact_match": True}),
        ],
    }


def registry_expectations() -> list[E]:
    """Warning only: every service provider is known to warehouse/reference/a11_service_registry.csv."""
    return [E("ExpectColumnValuesToNotBeNull", {"column": "agency_code"})]


def css_expectations(year: int) -> list[E]:
    return [
        E("ExpectColumnValuesToBeInSet", {"column": "fiscal_year", "value_set": [year]}),
        E("ExpectColumnValuesToMatchRegex", {"column": "agency_code", "regex": r"^[A-Z0-9]{2}$"}),
        E("ExpectColumnValuesToBeInSet", {"column": "function", "value_set": list(CSS_FUNCTIONS)}),
        E("ExpectColumnValuesToBeBetween", {"column": "mean_score", "min_value": 1, "max_value": 7}),
        E("ExpectColumnValuesToBeBetween", {"column": "respondents", "min_value": 0}),
        E("ExpectCompoundColumnsToBeUnique", {"column_list": ["agency_code", "function"]}),
    ]
