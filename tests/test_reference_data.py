"""The reference files in warehouse/reference/ load, and hold OPM's item numbers."""

from __future__ import annotations

import pytest

from warehouse.fevs_scores import index_items_rows
from warehouse import reference


def test_item_map_has_opm_numbers():
    m = reference.item_map()
    assert m[2018]["eei_leaders_lead"] == ("Q53", "Q54", "Q56", "Q60", "Q61")
    assert m[2019] == m[2018]
    assert m[2021]["eei_supervisors"] == ("Q27", "Q28", "Q29", "Q30", "Q31")
    assert m[2022]["employee_experience"] == ("Q85", "Q86", "Q87", "Q88", "Q89")
    assert m[2024]["global_satisfaction"] == ("Q46", "Q70", "Q71", "Q72")
    assert "performance_confidence" not in m[2020] and "employee_experience" not in m[2021]


def test_composites_and_unknown_years():
    assert len(reference.indices_for_year(2018)["eei"]) == 15
    assert set(reference.indices_for_year(2024)) == {
        "eei", "eei_leaders_lead", "eei_supervisors", "eei_intrinsic_work_experience",
        "global_satisfaction", "performance_confidence", "employee_experience"}
    with pytest.raises(reference.ReferenceError, match="2025 is not in fevs_item_map.csv"):
        reference.indices_for_year(2025)
    with pytest.raises(reference.ReferenceError):
        index_items_rows(2017)


def test_item_ranges_parse_strictly():
    assert reference._expand_items("Q1-Q3 Q7", "x") == ("Q1", "Q2", "Q3", "Q7")
    for bad in ("Q3-Q1", "1-71", "Q0-Q2"):
        with pytest.raises(reference.ReferenceError):
            reference._expand_items(bad, "x")


def test_index_items_list_leaf_items_of_composites():
    t = index_items_rows(2018)
    eei = [r for r in t if r["index_code"] == "eei"]
    assert len(eei) == 15 and {r["leaf_code"] for r in eei} == {"eei_leaders_lead", "eei_supervisors", "eei_intrinsic_work_experience"}
