"""FEVS 2019-2023 laid out as OPM publishes them today, through the real Dagster jobs.

Every layout fact here is taken from ../shared/reference/README.md ("FEVS files as OPM publishes them
today", measured on OPM's re-issued files of June 2026), written out in this test on purpose rather
than read from warehouse/reference/, so the reference data is checked, not echoed:
- zip `<year>_opm_fevs_prdf_revised.zip`; CSV member 2019 `2019/2019_OPM_FEVS_PRDF_Redacted.csv`, 2020
  `FEVS_2020_PRDF.csv`, 2021 `2021_OPM_FEVS_PRDF.csv`, 2022 `2022_OPM_FEVS_PRDF_revised.csv`, 2023
  `2023/2023_OPM_FEVS_PRDF_Redacted.csv`;
- agency column `AGENCY` (2019) / `agency` (2020+); `LEVEL1` only in 2019; a `Year` column in 2023;
- `RandomID` passed through Excel: `1.12971E+11` (2019, 2023; assumed for 2020, 2021 too), six
  significant digits in 2022, so ids repeat;
- redacted DEIA items absent: 2019 Q34, 2022 Q71-Q84, 2023 Q73-Q85;
- `DLEAVING` codes: 2019 A no, B another federal job, C outside government, D other; 2020+ A no,
  B other, C within government, D outside government; 2020 `DLEAVINGA/B/C`, `DLEAVINGB` = today;
- 2022: Q12 and Q34 negatively worded; Q90, Q91, Q95 four categories, Q92 yes = 1 / no = 2;
- the EEI item numbers per year.
Answers are random (a few hundred respondents); the expected EEI and intent-to-leave shares are
recomputed here with pandas from the generated rows, independently of the pipeline's SQL.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from tests.conftest import land, make_defs, run_publish, run_year
from warehouse.catalog import connect as open_catalog

EEI = {  # subindex -> items, per year (reference README; 2019 = 2018 numbering)
    2019: {"ll": [53, 54, 56, 60, 61], "sup": [47, 48, 49, 51, 52], "iwe": [3, 4, 6, 11, 12]},
    2020: {"ll": [26, 27, 28, 30, 31], "sup": [21, 22, 23, 24, 25], "iwe": [2, 3, 4, 6, 7]},
    2021: {"ll": [32, 33, 34, 36, 37], "sup": [27, 28, 29, 30, 31], "iwe": [2, 3, 4, 6, 7]},
    2022: {"ll": [55, 56, 57, 59, 60], "sup": [46, 48, 49, 50, 52], "iwe": [2, 3, 4, 6, 7]},
    2023: {"ll": [57, 58, 59, 61, 62], "sup": [48, 50, 51, 52, 54], "iwe": [2, 3, 4, 6, 7]},
}
OTHER_INDICES = {  # item-mean indices per year (reference README)
    2019: {"global_satisfaction": [40, 69, 70, 71]},
    2020: {"global_satisfaction": [17, 36, 37, 38]},
    2021: {"global_satisfaction": [23, 42, 43, 44], "performance_confidence": [14, 15, 16, 17]},
    2022: {"global_satisfaction": [43, 68, 69, 70], "performance_confidence": [19, 20, 21, 22],
           "employee_experience": [85, 86, 87, 88, 89]},
    2023: {"global_satisfaction": [46, 70, 71, 72], "performance_confidence": [20, 21, 22, 23],
           "employee_experience": [86, 87, 88, 89, 90]},
}
LAST_ITEM = {2019: 71, 2020: 38, 2021: 44, 2022: 95, 2023: 90}
REDACTED = {2019: {34}, 2022: set(range(71, 85)), 2023: set(range(73, 86))}
MEMBER = {2019: "2019/2019_OPM_FEVS_PRDF_Redacted.csv", 2020: "FEVS_2020_PRDF.csv", 2021: "2021_OPM_FEVS_PRDF.csv",
          2022: "2022_OPM_FEVS_PRDF_revised.csv", 2023: "2023/2023_OPM_FEVS_PRDF_Redacted.csv"}
LEAVING_2019 = {"A": "no", "B": "within", "C": "outside", "D": "other"}
LEAVING_2020_ON = {"A": "no", "B": "other", "C": "within", "D": "outside"}
CATEGORY_2022 = {90: 4, 91: 4, 95: 4, 92: 2}
NEGATIVE_2022 = (12, 34)
AGENCIES = {"AG": 70, "DJ": 60, "HS": 80, "NN": 45, "TR": 55, "XX": 30, "FQ": 6}  # FQ: below the threshold of 10


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
    if year == 2019:
        cols["LEVEL1"] = [f"{a}{rng.choice(['01', '02', 'ZZ'])}" for a in agency]
    cols["DSEX"] = rng.choice(["A", "B", ""], size=n)
    leaving_cols = ["DLEAVINGA", "DLEAVINGB", "DLEAVINGC"] if year == 2020 else ["DLEAVING"]
    for c in leaving_cols:
        cols[c] = rng.choice(["A", "B", "C", "D", ""], p=[0.6, 0.12, 0.1, 0.13, 0.05], size=n)
    cols["POSTWT"] = np.round(rng.lognormal(1.0, 0.6, size=n), 6)
    for j in range(1, LAST_ITEM[year] + 1):
        if j in REDACTED.get(year, ()):
            continue
        if year == 2022 and j in CATEGORY_2022:
            vals = rng.integers(1, CATEGORY_2022[j] + 1, size=n).astype(str).astype(object)
        else:
            u = np.clip(rng.random(n) + 0.5 * lean - 0.1, 0, 0.999999)  # agencies lean differently
            vals = (np.searchsorted([0.08, 0.2, 0.4, 0.75], u, side="right") + 1).astype(str).astype(object)
            vals[rng.random(n) < 0.05] = "X"
        vals[rng.random(n) < 0.04] = ""
        cols[f"Q{j}"] = vals
    return pd.DataFrame(cols)


def write_zip(data_dir, year: int, df: pd.DataFrame):
    path = land(data_dir, year, f"{year}_opm_fevs_prdf_revised.zip")
    path.parent.mkdir(parents=True, exist_ok=True)
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
def published(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
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
    assert levels == ({"government", "agency", "level1"} if year == 2019 else {"government", "agency"})


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


def test_redacted_items_are_absent_and_category_items_never_percent_positive(published):
    frames, _, con = published
    items = {y: {r[0] for r in con.execute("SELECT DISTINCT item FROM fevs_item_scores WHERE survey_year = ?", [y]).fetchall()}
             for y in EEI}
    assert "Q34" not in items[2019] and len(items[2019]) == 70  # Q1-Q71 declared (2018 codebook numbering) minus Q34
    assert not items[2022] & {"Q90", "Q91", "Q92", "Q95"}
    assert not items[2022] & {f"Q{i}" for i in range(71, 85)}
    # an undeclared Q column (2020 Q1 is not in the item map) is kept in the raw file but never scored
    assert "Q1" not in items[2020]


def test_negatively_worded_items_count_disagreement_as_positive(published):
    frames, _, con = published
    df = frames[2022]
    for j in NEGATIVE_2022:
        polarity, pos, neg = con.execute("""SELECT polarity, pct_positive, pct_negative FROM fevs_item_scores
                                            WHERE survey_year = 2022 AND org_level = 'government' AND item = ?""",
                                         [f"Q{j}"]).fetchone()
        assert polarity == "negative"
        assert pos == pytest.approx(pct_positive(df, f"Q{j}", favourable=("1", "2")), abs=0.01)
        assert neg == pytest.approx(pct_positive(df, f"Q{j}", favourable=("4", "5")), abs=0.01)
    assert con.execute("""SELECT DISTINCT polarity FROM fevs_item_scores WHERE survey_year = 2022 AND item = 'Q2'""").fetchall() == [("positive",)]
