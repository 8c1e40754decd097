"""FEVS 2019-2024 laid out as OPM publishes them today, every codebook column present, through the real Dagster jobs.

Every layout fact here is taken from ../shared/reference/README.md ("FEVS files as OPM publishes them
today", measured on OPM's re-issued files of June 2026), written out in this test on purpose rather
than read from warehouse/reference/, so the reference data is checked, not echoed:
- zip `<year>_opm_fevs_prdf_revised.zip`; CSV member 2019 `2019/2019_OPM_FEVS_PRDF_Redacted.csv`, 2020
  `FEVS_2020_PRDF.csv`, 2021 `2021_OPM_FEVS_PRDF.csv`, 2022 `2022_OPM_FEVS_PRDF_revised.csv`, 2023
  `2023/2023_OPM_FEVS_PRDF_Redacted.csv`; 2024 (corrupt as published, no member name known) as a plain CSV
  in the 2023 layout with a lowercase `level1`;
- agency column `AGENCY` (2019) / `agency` (2020+); `LEVEL1` only in 2019; a `Year` column in 2023;
- `RandomID` passed through Excel: `1.12971E+11` (2019, 2023; assumed for 2020, 2021, 2024 too), six
  significant digits in 2022, so ids repeat;
- redacted DEIA items absent: 2019 Q34, 2022 Q71-Q84, 2023 Q73-Q85 (2024 Q73-Q85 are no PRDF columns);
- `DLEAVING` codes: 2019 A no, B another federal job, C outside government, D other; 2020+ A no,
  B other, C within government, D outside government; 2020 `DLEAVINGA/B/C`, `DLEAVINGB` = today;
- the EEI item numbers per year.
The columns of each year are every column of OPM's codebooks, read from
../shared/reference/fevs/fevs_items_2019_2024.csv (the module skips without it): scale_5 items answered
1-5/X/blank, category items 1-4 (check-all options 1 or blank), yes/no 1-2, demographics A/B. Answers are
random (a handful of respondents per agency); every expected figure is recomputed here with pandas from
the generated rows, independently of the pipeline's SQL.
"""

from __future__ import annotations

import csv
import zipfile

import numpy as np
import pandas as pd
import pytest

from tests.conftest import land, make_defs, reference_dir, run_publish, run_year
from warehouse.catalog import connect as open_catalog

REF = reference_dir()
CODEBOOK = REF / "fevs" / "fevs_items_2019_2024.csv" if REF else None
pytestmark = pytest.mark.skipif(not (CODEBOOK and CODEBOOK.exists()), reason="../shared/reference not present")

EEI = {  # subindex -> items, per year (reference README; 2019 = 2018 numbering)
    2019: {"ll": [53, 54, 56, 60, 61], "sup": [47, 48, 49, 51, 52], "iwe": [3, 4, 6, 11, 12]},
    2020: {"ll": [26, 27, 28, 30, 31], "sup": [21, 22, 23, 24, 25], "iwe": [2, 3, 4, 6, 7]},
    2021: {"ll": [32, 33, 34, 36, 37], "sup": [27, 28, 29, 30, 31], "iwe": [2, 3, 4, 6, 7]},
    2022: {"ll": [55, 56, 57, 59, 60], "sup": [46, 48, 49, 50, 52], "iwe": [2, 3, 4, 6, 7]},
    2023: {"ll": [57, 58, 59, 61, 62], "sup": [48, 50, 51, 52, 54], "iwe": [2, 3, 4, 6, 7]},
    2024: {"ll": [57, 58, 59, 61, 62], "sup": [48, 50, 51, 52, 54], "iwe": [2, 3, 4, 6, 7]},
}
OTHER_INDICES = {  # item-mean indices per year (reference README)
    2019: {"global_satisfaction": [40, 69, 70, 71]},
    2020: {"global_satisfaction": [17, 36, 37, 38]},
    2021: {"global_satisfaction": [23, 42, 43, 44], "performance_confidence": [14, 15, 16, 17]},
    2022: {"global_satisfaction": [43, 68, 69, 70], "performance_confidence": [19, 20, 21, 22],
           "employee_experience": [85, 86, 87, 88, 89]},
    2023: {"global_satisfaction": [46, 70, 71, 72], "performance_confidence": [20, 21, 22, 23],
           "employee_experience": [86, 87, 88, 89, 90]},
    2024: {"global_satisfaction": [46, 70, 71, 72], "performance_confidence": [20, 21, 22, 23],
           "employee_experience": [86, 87, 88, 89, 90]},
}
REDACTED = {2019: {"Q34"}, 2022: {f"Q{i}" for i in range(71, 85)}, 2023: {f"Q{i}" for i in range(73, 86)},
            2024: {f"Q{i}" for i in range(73, 86)}}
MEMBER = {2019: "2019/2019_OPM_FEVS_PRDF_Redacted.csv", 2020: "FEVS_2020_PRDF.csv", 2021: "2021_OPM_FEVS_PRDF.csv",
          2022: "2022_OPM_FEVS_PRDF_revised.csv", 2023: "2023/2023_OPM_FEVS_PRDF_Redacted.csv"}
LEAVING_2019 = {"A": "no", "B": "within", "C": "outside", "D": "other"}
LEAVING_2020_ON = {"A": "no", "B": "other", "C": "within", "D": "outside"}
AGENCIES = {"AG": 30, "DJ": 24, "HS": 34, "NN": 22, "XX": 20, "FQ": 4}  # FQ: below the threshold of 10
ADMIN = {"RandomID", "Year", "agency", "AGENCY", "LEVEL1", "level1", "POSTWT"}


def codebook(year: int) -> list[dict]:
    """The year's columns from OPM's codebooks (the reference table), minus those OPM's file does not carry."""
    with CODEBOOK.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if int(r["survey_year"]) == year]
    absent = {r["item"] for r in rows if "NOTE:" in r["source"]}
    assert absent == REDACTED.get(year, set()), year  # the reference table agrees with the README's redactions
    return [r for r in rows if r["item"] not in absent]


def scale_items(year: int) -> list[str]:
    return [r["item"] for r in codebook(year) if r["kind"] == "scale_5"]


def published_layout(year: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(year * 100 + seed)
    agency = np.repeat(list(AGENCIES), list(AGENCIES.values()))
    n = len(agency)
    lean = pd.Series(agency).map({a: i * 0.07 for i, a in enumerate(AGENCIES)}).to_numpy()
    ids = 112_971_000_000 + rng.integers(0, 900_000, size=n)
    cols: dict[str, object] = {}
    cols["RandomID"] = [f"{v:.5E}" for v in ids] if year != 2022 else [str(int(float(f"{v:.6g}"))) for v in ids]
    if year == 2023:
        cols["Year"] = [str(year)] * n
    cols["AGENCY" if year == 2019 else "agency"] = agency
    if year in (2019, 2024):
        cols["LEVEL1" if year == 2019 else "level1"] = [f"{a}{rng.choice(['01', '02', 'ZZ'])}" for a in agency]
    for r in codebook(year):
        item, kind = r["item"], r["kind"]
        if kind == "scale_5":
            u = np.clip(rng.random(n) + 0.5 * lean - 0.1, 0, 0.999999)  # agencies lean differently
            vals = (np.searchsorted([0.08, 0.2, 0.4, 0.75], u, side="right") + 1).astype(str).astype(object)
            vals[rng.random(n) < 0.05] = "X"
        elif kind == "other":
            vals = rng.choice(["A", "B", "C", "D"] if item.startswith("DLEAVING") else ["A", "B"], size=n).astype(object)
        elif "_" in item and kind == "category":
            vals = np.where(rng.random(n) < 0.4, "1", "").astype(object)  # a check-all option: 1 = selected
        else:
            vals = rng.integers(1, 5 if kind == "category" else 3, size=n).astype(str).astype(object)
        vals[rng.random(n) < 0.04] = ""
        cols[item] = vals
    cols["POSTWT"] = np.round(rng.lognormal(1.0, 0.6, size=n), 6)
    return pd.DataFrame(cols)


def write_zip(data_dir, year: int, df: pd.DataFrame):
    if year not in MEMBER:  # 2024: no member name is known (OPM's zip is corrupt as published)
        path = land(data_dir, year, f"{year}_OPM_FEVS_PRDF.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(df.to_csv(index=False, lineterminator="\r\n"))
        return path
    path = land(data_dir, year, f"{year}_opm_fevs_prdf_revised.zip")
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.iterdir():
        old.unlink()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MEMBER[year], df.to_csv(index=False, lineterminator="\r\n"))
    return path


def pct_positive(df: pd.DataFrame, col: str, favourable=("4", "5")) -> float:
    valid = df[df[col].isin(["1", "2", "3", "4", "5"])]
    return 100 * valid.loc[valid[col].isin(favourable), "POSTWT"].sum() / valid["POSTWT"].sum()


def expected_eei(df: pd.DataFrame, year: int) -> float:
    return float(np.mean([np.mean([pct_positive(df, f"Q{i}") for i in items]) for items in EEI[year].values()]))


def expected_indices(df: pd.DataFrame, year: int) -> dict[str, float]:
    item_mean = lambda items: float(np.mean([pct_positive(df, f"Q{i}") for i in items]))  # noqa: E731
    sub = {"eei_leaders_lead": EEI[year]["ll"], "eei_supervisors": EEI[year]["sup"],
           "eei_intrinsic_work_experience": EEI[year]["iwe"], **OTHER_INDICES[year]}
    out = {code: item_mean(items) for code, items in sub.items()}
    out["eei"] = expected_eei(df, year)
    return out


def expected_leaving(df: pd.DataFrame, year: int) -> dict[str, float]:
    col, codes = ("DLEAVINGB", LEAVING_2020_ON) if year == 2020 else ("DLEAVING", LEAVING_2019 if year == 2019 else LEAVING_2020_ON)
    valid = df[df[col].isin(list(codes))]
    w = valid.groupby(valid[col].map(codes))["POSTWT"].sum()
    return {k: 100 * w.get(k, 0.0) / w.sum() for k in ("no", "within", "outside", "other")}


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def published(data_root):
    data_dir = data_root
    frames = {y: published_layout(y) for y in EEI}
    defs = make_defs(data_dir, fevs_min_share=0)  # small files in the real layouts: below the plausible-size floor
    results = {}
    for year, df in frames.items():
        write_zip(data_dir, year, df)
        results[year] = run_year(defs, year)
    assert run_publish(defs).success
    con = open_catalog(data_dir / "warehouse.duckdb")  # relative views: file_search_path set
    yield frames, results, con
    con.close()


@pytest.mark.parametrize("year", sorted(EEI))
def test_year_as_published_loads_validates_and_every_agency_index_matches(published, year):
    frames, results, con = published
    df, result = frames[year], results[year]
    assert result.success, year
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["fevs_responses_expectations"].passed
    # RandomID repeats (Excel): reported, never blocking
    assert df["RandomID"].duplicated().any()
    assert not checks["fevs_responses_warnings"].passed and checks["fevs_responses_warnings"].severity.value == "WARN"
    got = dict(con.execute("""SELECT agency_code, score FROM ex_index_scores
                               WHERE survey_year = ? AND org_level = 'agency' AND index_code = 'eei'""", [year]).fetchall())
    agency_col = "AGENCY" if year == 2019 else "agency"
    assert set(got) == set(AGENCIES)
    for code, n in AGENCIES.items():
        if n < 10:
            assert got[code] is None  # suppressed
        else:
            assert got[code] == pytest.approx(expected_eei(df[df[agency_col] == code], year), abs=0.01), code
    gov = con.execute("""SELECT score FROM ex_index_scores WHERE survey_year = ? AND org_level = 'government'
                         AND index_code = 'eei'""", [year]).fetchone()[0]
    assert gov == pytest.approx(expected_eei(df, year), abs=0.01)
    # every other index too, for every agency big enough to publish
    rows = con.execute("""SELECT agency_code, index_code, score FROM ex_index_scores
                          WHERE survey_year = ? AND org_level = 'agency'""", [year]).fetchall()
    for code in (c for c, n in AGENCIES.items() if n >= 10):
        exp = expected_indices(df[df[agency_col] == code], year)
        got_all = {i: v for a, i, v in rows if a == code}
        assert set(got_all) == set(exp), (code, set(got_all) ^ set(exp))
        for index_code, value in exp.items():
            assert got_all[index_code] == pytest.approx(value, abs=0.01), (code, index_code)
    levels = {r[0] for r in con.execute("SELECT DISTINCT org_level FROM ex_index_scores WHERE survey_year = ?", [year]).fetchall()}
    assert levels == ({"government", "agency", "level1"} if year in (2019, 2024) else {"government", "agency"})


@pytest.mark.parametrize("year", sorted(EEI))
def test_intent_to_leave_uses_each_years_code_order(published, year):
    frames, _, con = published
    df = frames[year]
    agency_col = "AGENCY" if year == 2019 else "agency"
    rows = con.execute("""SELECT agency_code, question, respondents, suppressed, pct_no, pct_within_government,
                                 pct_outside_government, pct_other, pct_any
                          FROM fevs_intent_to_leave WHERE survey_year = ?""", [year]).fetchall()
    by_agency = {r[0]: r for r in rows}
    assert set(by_agency) == set(AGENCIES) | {"ALL"}
    for code in [*AGENCIES, "ALL"]:
        sub = df if code == "ALL" else df[df[agency_col] == code]
        _, question, n, suppressed, no, within, outside, other, anyr = by_agency[code]
        assert question == ("DLEAVINGB" if year == 2020 else "DLEAVING")
        assert n == sub[question].isin(["A", "B", "C", "D"]).sum()
        if n < 10:
            assert suppressed and no is None and anyr is None
            continue
        exp = expected_leaving(sub, year)
        assert (no, within, outside, other) == pytest.approx((exp["no"], exp["within"], exp["outside"], exp["other"]), abs=0.01)
        assert anyr == pytest.approx(100 - exp["no"], abs=0.01)


@pytest.mark.parametrize("year", sorted(EEI))
def test_every_scale_item_is_published_and_matches_an_independent_computation(published, year):
    frames, _, con = published
    df = frames[year]
    agency_col = "AGENCY" if year == 2019 else "agency"
    rows = con.execute("""SELECT agency_code, item, pct_positive, suppressed FROM fevs_item_scores
                          WHERE survey_year = ? AND org_level IN ('government', 'agency')""", [year]).fetchall()
    items = set(scale_items(year))
    assert {r[1] for r in rows} == items  # every declared five-point item, nothing else (no category, no redacted)
    for code, item, pct, suppressed in rows:
        sub = df if code == "ALL" else df[df[agency_col] == code]
        if suppressed:
            assert pct is None and sub[item].isin(["1", "2", "3", "4", "5"]).sum() < 10
        else:
            assert pct == pytest.approx(pct_positive(sub, item), abs=0.01), (code, item)


def test_category_items_publish_answer_shares_never_percent_positive(published):
    frames, _, con = published
    df = frames[2022]
    rows = con.execute("""SELECT item, option, share, respondents, suppressed FROM fevs_item_shares
                          WHERE survey_year = 2022 AND org_level = 'government'""").fetchall()
    shared = {r["item"] for r in codebook(2022) if r["kind"] in ("category", "yes_no")}
    assert {r[0] for r in rows} == shared
    valid = df[df["Q92"] != ""]
    for item, option, share, n, suppressed in (r for r in rows if r[0] == "Q92"):
        assert n == len(valid) and not suppressed
        exp = 100 * valid.loc[valid["Q92"] == option, "POSTWT"].sum() / valid["POSTWT"].sum()
        assert share == pytest.approx(exp, abs=0.01)
    small = con.execute("""SELECT bool_and(suppressed AND share IS NULL) FROM fevs_item_shares
                           WHERE survey_year = 2022 AND agency_code = 'FQ'""").fetchone()[0]
    assert small  # 4 respondents: below the threshold of 10


def test_deia_is_published_only_where_the_file_carries_its_items(published):
    _, _, con = published
    codes = {r[0] for r in con.execute("SELECT DISTINCT index_code FROM ex_index_scores WHERE survey_year = 2022").fetchall()}
    assert not codes & {"deia", "deia_diversity", "deia_equity", "deia_inclusion", "deia_accessibility"}


@pytest.fixture(scope="module")
def blocked(published, data_root):
    """The same data directory, then a 7 in one five-point item of three years' files (2023 Q9, the issue's
    example; 2020 V17_01, a COVID item; 2019 Q1): those years block, the others keep publishing."""
    frames, _, _ = published
    data_dir = data_root
    defs = make_defs(data_dir, fevs_min_share=0)
    bad = {2023: ("Q9", 5), 2020: ("V17_01", 7), 2019: ("Q1", 3)}
    results = {}
    for year, (item, i) in bad.items():
        df = frames[year].copy()
        df.loc[i, item] = "7"
        write_zip(data_dir, year, df)
        results[year] = run_year(defs, year)
    publish = run_publish(defs)
    con = open_catalog(data_dir / "warehouse.duckdb")
    yield bad, results, publish, con
    con.close()


def test_a_seven_in_any_five_point_item_blocks_that_year_only(blocked, published):
    bad, results, publish, con = blocked
    frames = published[0]
    for year, (item, i) in bad.items():
        assert not results[year].success
        [check] = [c for c in results[year].get_asset_check_evaluations() if c.check_name == "fevs_responses_expectations"]
        assert not check.passed and check.metadata["column"].value == item
        assert check.metadata["sample_rows"].value == [i + 2]  # the file's row: header = row 1
        assert f"landing/fevs/{year}/" in check.description and item in check.description
    assert publish.success
    # the blocked years keep their last good scores; every year is still published
    years = [r[0] for r in con.execute("SELECT DISTINCT survey_year FROM fevs_item_scores ORDER BY 1").fetchall()]
    assert years == sorted(EEI)
    for year, (item, _) in bad.items():
        got = con.execute("""SELECT pct_positive FROM fevs_item_scores WHERE survey_year = ? AND org_level = 'government'
                             AND item = ?""", [year, item]).fetchone()[0]
        assert got == pytest.approx(pct_positive(frames[year], item), abs=0.01)
