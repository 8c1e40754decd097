"""FEVS survey year ↔ fiscal year is data (fevs_survey_years.csv), and the scorecard uses it.

Fielding dates from ../shared/reference/README.md: 2019 May-Jun, 2020 Sep-Oct (across fiscal 2020
and 2021), 2021 Nov-Dec (fiscal 2022), 2022 May-Jul, 2023 May-Jul. Federal fiscal year Y runs
October Y-1 to September Y, so the expected pairing is derived here from those months.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from assets.cross_agency.assets import compute_scorecard
from warehouse import reference
from warehouse.contracts import load

FIELDED = {2019: (2019, [5, 6]), 2020: (2020, [9, 10]), 2021: (2021, [11, 12]), 2022: (2022, [5, 6, 7]), 2023: (2023, [5, 6, 7])}


def fiscal_year(year: int, month: int) -> int:
    return year + 1 if month >= 10 else year


def test_pairing_follows_the_fielding_months():
    years = reference.survey_years()
    for survey, (cal, months) in FIELDED.items():
        fys = sorted({fiscal_year(cal, m) for m in months})
        sy = years[survey]
        assert sy.fiscal_year == fys[-1]  # a straddling survey pairs with the fiscal year fielding ended in
        assert sy.fiscal_year_basis == ("straddled" if len(fys) > 1 else "fielded")


def _ex(year, agency, score):
    return {"survey_year": year, "org_level": "agency", "agency_code": agency, "index_code": "eei", "index_name": "eei",
            "score": score, "items": 15, "respondents": 100, "min_item_respondents": 100, "suppressed": False}


def test_scorecard_pairs_fevs_years_with_fiscal_years_as_data():
    ex = [_ex(y, a, s + y - 2019) for y in (2020, 2021, 2022) for a, s in (("AG", 60), ("CM", 70), ("DJ", 80))]
    sources = {"ex_index_scores": pa.Table.from_pylist([{c: r.get(c) for c in load("ex_index_scores").schema.names} for r in ex],
                                                       schema=load("ex_index_scores").schema)}
    for name in ("workforce_metrics", "workforce_agencies", "cx_index_scores", "internal_cx_scores"):
        sources[name] = load(name).schema.empty_table()
    rows = {(r["year"], r["agency_code"]): r for r in compute_scorecard(sources, 0.3).to_pylist()}
    assert {y for y, _ in rows} == {2021, 2022}  # no FY2020 row: 2020 is paired with FY2021
    assert rows[(2021, "AG")]["fevs_survey_year"] == 2020 and rows[(2021, "AG")]["fevs_fiscal_year_basis"] == "straddled"
    assert rows[(2021, "AG")]["eei"] == pytest.approx(61)
    # 2021 (Nov-Dec 2021) and 2022 (May-Jul 2022) both fall in FY2022: the later survey is used
    assert rows[(2022, "AG")]["fevs_survey_year"] == 2022 and rows[(2022, "AG")]["eei"] == pytest.approx(63)
    assert rows[(2022, "AG")]["fevs_fiscal_year_basis"] == "fielded"
