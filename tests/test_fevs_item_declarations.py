"""The per-year item declarations (fevs_items.csv) and file layouts (fevs_survey_years.csv) hold OPM's facts.

Facts from ../shared/reference/README.md ("FEVS files as OPM publishes them today") and OPM's 2018
PRDF codebook (../shared/reference/fevs/fevs2018_prdf_codebook.xlsx: Q1-Q71 on 5-point scales).
"""

from __future__ import annotations

import re
import shutil

import pytest

from assets.fevs.sample import generate_sample
from warehouse import reference


def test_declarations_follow_opm():
    d = reference.item_declarations()
    assert set(d[2018]) == {f"Q{i}" for i in range(1, 72)}
    # every column of OPM's codebooks (../shared/reference/fevs/fevs_items_2019_2024.csv: 621 rows)
    assert [len(d[y]) for y in range(2019, 2025)] == [91, 131, 76, 113, 105, 105]
    assert [sum(x.scored for x in d[y].values()) for y in range(2019, 2025)] == [72, 63, 52, 93, 89, 89]
    assert d[2019]["Q34"].in_file == "removed"  # redacted in the re-issue: declared, absent, not missing
    assert d[2018]["Q40"].wording == "I recommend my organization as a good place to work."
    assert {i for i, x in d[2022].items() if x.polarity == "negative"} == {"Q12", "Q34"}
    assert {i: x.kind for i, x in d[2022].items() if x.shared and not i.startswith("Q15_")} == {
        "Q90": "category", "Q91": "category", "Q93": "category", "Q95": "category", "Q92": "yes_no"}
    assert {i for i, x in d[2022].items() if x.in_file == "removed"} == {f"Q{i}" for i in range(71, 85)}
    assert {i for i, x in d[2023].items() if x.in_file == "removed"} == {f"Q{i}" for i in range(73, 86)}
    assert d[2020]["V17_01"].scored and not d[2020]["DLEAVINGB"].scored
    # the codebook's X option: 2018 Q1-Q8 have none, Q9 has "Do Not Know" (OPM's 2018 codebook, sheet 1)
    assert not d[2018]["Q8"].has_x and d[2018]["Q9"].has_x and not d[2023]["Q9"].has_x and d[2023]["Q8"].has_x
    # required = what an index needs, nothing more: 2019's missing Q34 and 2022's DEIA items are not missing
    assert "Q34" not in reference.required_items(2019) and len(reference.required_items(2019)) == 19
    assert len(reference.required_items(2022)) == 28


def test_survey_years_hold_the_published_layouts():
    y = reference.survey_years()
    assert [y[k].agency_column for k in range(2019, 2024)] == ["AGENCY", "agency", "agency", "agency", "agency"]
    assert y[2019].level1_column == "LEVEL1" and all(y[k].level1_column is None for k in range(2020, 2024))
    assert y[2023].year_column == "Year" and y[2019].zip_member == "2019/2019_OPM_FEVS_PRDF_Redacted.csv"
    assert y[2020].leaving_column == "DLEAVINGB"
    assert y[2019].leaving_codes == {"A": "no", "B": "within_government", "C": "outside_government", "D": "other"}
    assert y[2021].leaving_codes == {"A": "no", "B": "other", "C": "within_government", "D": "outside_government"}


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2022, 2023])
def test_embedded_sample_imitates_the_published_layout(year):
    df = generate_sample(year, respondents=200)
    assert ("AGENCY" in df.columns) == (year == 2019) and ("agency" in df.columns) == (year != 2019)
    assert ("LEVEL1" in df.columns) == (year == 2019) and "level1" not in df.columns
    assert ("Year" in df.columns) == (year == 2023)
    assert df["RandomID"].n_unique() < df.height  # Excel-mangled, so ids repeat
    assert df["RandomID"][0] == (f"{float(df['RandomID'][0]):.5E}" if year != 2022 else str(int(float(df["RandomID"][0]))))
    redacted = {2019: {"Q34"}, 2022: {f"Q{i}" for i in range(71, 85)}, 2023: {f"Q{i}" for i in range(73, 86)}}.get(year, set())
    assert not redacted & set(df.columns)
    leaving = ["DLEAVINGA", "DLEAVINGB", "DLEAVINGC"] if year == 2020 else ["DLEAVING"]
    assert all(c in df.columns for c in leaving) and set(df[leaving[0]].unique()) <= {"A", "B", "C", "D", ""}
    if year == 2022:
        assert set(df["Q92"].unique()) <= {"1", "2", ""} and set(df["Q90"].unique()) <= {"1", "2", "3", "4", ""}


def _reload(monkeypatch, tmp_path, edit):
    items = tmp_path / "fevs_items.csv"
    shutil.copy(reference.ITEMS_FILE, items)
    items.write_text(edit(items.read_text()))
    monkeypatch.setattr(reference, "ITEMS_FILE", items)
    reference.item_declarations.cache_clear()


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("2022,Q90,category,,", "2022,Q90,likert,,"), "kind 'likert'"),
    (lambda t: t.replace("2022,Q12,scale_5,negative", "2022,Q12,scale_5,"), "polarity"),
    (lambda t: re.sub(r"(?m)^2020,Q2,scale_5,positive,([^,]*),1-5,4 5,", r"2020,Q2,category,,\1,,,", t), "index item Q2 of 2020"),
    (lambda t: t.replace(",global_satisfaction,yes,", ",,yes,", 1), "index item Q40 of 2018"),
    (lambda t: t.replace(",removed,", ",yes,", 1), "removed by the re-issue"),
    (lambda t: t.replace(",4 5,", ",,", 1), "positive_codes"),
])
def test_malformed_declarations_fail_loudly(monkeypatch, tmp_path, edit, message):
    _reload(monkeypatch, tmp_path, edit)
    try:
        with pytest.raises(reference.ReferenceError, match=message):
            reference.item_declarations()
    finally:
        reference.item_declarations.cache_clear()
