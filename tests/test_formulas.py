"""OPM's formulas on a dataset small enough to check by hand, run through the real pipeline.

Agency AA: 12 respondents, POSTWT 1..12. Q1 answers 5,4,3,2,1,X,blank,4,5,1,4,2:
  valid (1-5) respondents 1-5 and 8-12 → n = 10, weight 1+2+3+4+5+8+9+10+11+12 = 65
  positive (4,5): weights 1+2+8+9+11 = 31 → 47.6923 %; neutral (3): 3 → 4.6154 %;
  negative (1,2): 4+5+10+12 = 31 → 47.6923 %. Unweighted it would be 50 %: weighting matters.
EEI subindices at AA: intrinsic 21/78, supervisors 57/78, leaders 0 → EEI = 100/3.
Global satisfaction at AA: mean(57/78, 21/78, 1, 0) = 50 %.
Agency BB has 9 respondents: every BB cell is suppressed. Governmentwide adds BB's 9
respondents (weight 1, all 4): Q1 = 40/74; EEI = (30/87 + 66/87 + 9/87) / 3.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from tests import hand_data
from tests.conftest import land, make_defs, run_publish, run_year, write_prdf


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    defs = make_defs(data_dir)
    write_prdf(land(data_dir, 2018), hand_data.rows(), hand_data.COLUMNS)
    assert run_year(defs, 2018).success
    assert run_publish(defs).success
    items = pq.read_table(data_dir / "publish" / "fevs_item_scores").to_pylist()
    index = pq.read_table(data_dir / "publish" / "ex_index_scores").to_pylist()
    return ({(r["org_level"], r["agency_code"], r["level1_code"], r["item"]): r for r in items},
            {(r["org_level"], r["agency_code"], r["level1_code"], r["index_code"]): r for r in index})


def test_item_percentages_are_weighted_and_exclude_x_and_blank(published):
    items, _ = published
    q1 = items[("agency", "AA", "ALL", "Q1")]
    assert q1["respondents"] == 10 and q1["dont_know_respondents"] == 1
    assert q1["weight_sum"] == pytest.approx(65)
    assert q1["pct_positive"] == pytest.approx(100 * 31 / 65)
    assert q1["pct_neutral"] == pytest.approx(100 * 3 / 65)
    assert q1["pct_negative"] == pytest.approx(100 * 31 / 65)
    assert q1["pct_positive"] != pytest.approx(50.0)  # the unweighted answer
    assert not q1["suppressed"]


def test_governmentwide_rolls_up_every_respondent(published):
    items, index = published
    gov = items[("government", "ALL", "ALL", "Q1")]
    assert gov["respondents"] == 19
    assert gov["pct_positive"] == pytest.approx(100 * 40 / 74)
    assert index[("government", "ALL", "ALL", "eei")]["score"] == pytest.approx(100 * (30 + 66 + 9) / 87 / 3)
    assert index[("government", "ALL", "ALL", "eei")]["respondents"] == 21


def test_indices_are_plain_means(published):
    _, index = published
    aa = {k[3]: v for k, v in index.items() if k[:3] == ("agency", "AA", "ALL")}
    assert aa["eei_intrinsic_work_experience"]["score"] == pytest.approx(100 * 21 / 78)
    assert aa["eei_supervisors"]["score"] == pytest.approx(100 * 57 / 78)
    assert aa["eei_leaders_lead"]["score"] == pytest.approx(0.0)
    assert aa["eei"]["score"] == pytest.approx(100 / 3)
    assert aa["global_satisfaction"]["score"] == pytest.approx(50.0)
    assert aa["eei"]["items"] == 15 and aa["global_satisfaction"]["items"] == 4
    # 2018 had neither index: they are absent, not zero
    assert "performance_confidence" not in aa and "employee_experience" not in aa


def test_small_cells_are_suppressed_never_shown(published):
    items, index = published
    for key, row in {**items, **index}.items():
        n = min(row["respondents"], row.get("min_item_respondents", row["respondents"]))
        if n < 10:
            assert row["suppressed"], key
        if row["suppressed"]:
            assert row.get("pct_positive") is None and row.get("score") is None, key
    bb = index[("agency", "BB", "ALL", "eei")]
    assert bb["suppressed"] and bb["score"] is None and bb["respondents"] == 9
    # LEVEL1 AAAA has 6 respondents, AAAB 6: both suppressed, the agency (12) is not
    assert items[("level1", "AA", "AAAA", "Q70")]["suppressed"]
    assert not items[("agency", "AA", "ALL", "Q70")]["suppressed"]


def test_provenance_marks_real_landed_file(published):
    items, _ = published
    row = items[("agency", "AA", "ALL", "Q1")]
    assert row["source"] == "opm_fevs_prdf" and row["source_file"] == "landing/fevs/2018/prdf.csv"
    assert not row["source_is_sample"] and len(row["source_sha256"]) == 64
    assert row["source_retrieved_at"] is None  # placed by hand, not downloaded
