"""2022 Q12 and Q34 scored as OPM's 2022 codebook codes them.

OPM's 2022 PRDF codebook (2022_OPM_FEVS_PRDF_Codebook_r2.xlsx, sheet "Survey Items", as quoted in
../shared/reference/fevs/fevs_items_2019_2024.md and issue #31) codes these two negatively worded items
1 = Strongly Agree, 2 = Agree, 3 = Neither Agree nor Disagree, 4 = Disagree, 5 = Strongly Disagree, with
the note "item response scale is reverse from other items. In reports using the 3-point
Positive-Neutral-Negative scale, Positive refers to 'Strongly Disagree' and 'Disagree'". The expected
classes below come from that code table's labels, not from the pipeline's own positive_codes.
The file layout is 2022's as OPM publishes it (lowercase `agency`, `RandomID` at six significant digits).
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from assets.common import PROVENANCE_META, write_stage
from assets.fevs.prdf import parse_prdf
from tests.conftest import write_prdf
from warehouse.fevs_scores import compute_index_scores, compute_item_scores

CODE_TABLE_2022_Q12 = {"1": "Strongly Agree", "2": "Agree", "3": "Neither Agree nor Disagree",
                       "4": "Disagree", "5": "Strongly Disagree"}
POSITIVE_LABELS = {"Strongly Disagree", "Disagree"}  # the codebook's note
NEGATIVE_LABELS = {"Strongly Agree", "Agree"}


def _scores(tmp_path, answers: dict[str, list[str]]):
    n = len(next(iter(answers.values())))
    rows = [{"RandomID": "112971000000", "agency": "AG", "POSTWT": str(1.0 + i % 3),
             **{item: a[i] for item, a in answers.items()}} for i, a in enumerate([None] * n)]
    path = write_prdf(tmp_path / "prdf.csv", rows)
    raw = tmp_path / "raw.parquet"
    write_stage(parse_prdf(path, 2022).table, "fevs_responses", raw, {PROVENANCE_META: "{}"})
    table = compute_item_scores(raw, 2022, min_n=1)
    return {r["item"]: r for r in table.to_pylist() if r["org_level"] == "agency"}


@pytest.mark.parametrize("item", ["Q12", "Q34"])
def test_strongly_agree_to_a_negative_statement_counts_as_negative(tmp_path, item):
    got = _scores(tmp_path, {item: ["1"]})[item]
    assert CODE_TABLE_2022_Q12["1"] in NEGATIVE_LABELS
    assert got["pct_negative"] == 100 and got["pct_positive"] == 0
    assert got["polarity"] == "negative"  # the wording is negative; the scoring follows the codes


def test_every_code_of_the_table_lands_in_its_class(tmp_path):
    codes = ["1", "2", "3", "4", "5", "5", "4", "X", ""]
    weights = [1.0 + i % 3 for i in range(len(codes))]
    got = _scores(tmp_path, {"Q12": codes, "Q2": codes})
    valid = [(CODE_TABLE_2022_Q12[c], w) for c, w in zip(codes, weights) if c in CODE_TABLE_2022_Q12]
    total = sum(w for _, w in valid)
    expected_pos = 100 * sum(w for lab, w in valid if lab in POSITIVE_LABELS) / total
    expected_neg = 100 * sum(w for lab, w in valid if lab in NEGATIVE_LABELS) / total
    assert got["Q12"]["pct_positive"] == pytest.approx(expected_pos, abs=1e-9)
    assert got["Q12"]["pct_negative"] == pytest.approx(expected_neg, abs=1e-9)
    assert got["Q12"]["respondents"] == 7 and got["Q12"]["dont_know_respondents"] == 1
    # a positively worded item (Q2: 5 = Strongly Agree) answered with the same codes scores the same
    assert got["Q2"]["pct_positive"] == got["Q12"]["pct_positive"]


# The 2022 codebook's INDEX column (../shared/reference/fevs/fevs_items_2019_2024.csv, `indices`): the DEIA
# subindices, which OPM's re-issued 2022 file removed (Q71-Q84) and its original file carries.
DEIA_2022 = {"deia_diversity": ["Q71", "Q72"], "deia_equity": ["Q73", "Q74", "Q75"],
             "deia_inclusion": ["Q77", "Q78", "Q79", "Q80", "Q81"], "deia_accessibility": ["Q82", "Q83", "Q84"]}


def _deia_file(tmp_path, with_deia: bool):
    import numpy as np

    from warehouse import reference

    rng = np.random.default_rng(7)
    index_items = sorted({i for its in reference.item_map()[2022].values() for i in its} - {i for v in DEIA_2022.values() for i in v})
    items = index_items + ([f"Q{j}" for j in range(71, 85)] if with_deia else [])
    rows = [{"RandomID": "112971000000", "agency": "AG", "POSTWT": f"{rng.uniform(0.5, 3):.4f}",
             **{i: str(rng.integers(1, 6)) for i in items}} for _ in range(40)]
    path = write_prdf(tmp_path / "prdf.csv", rows)
    raw = tmp_path / "raw.parquet"
    write_stage(parse_prdf(path, 2022).table, "fevs_responses", raw, {PROVENANCE_META: "{}"})
    scores = tmp_path / "scores.parquet"
    pq.write_table(compute_item_scores(raw, 2022, min_n=10), scores)
    return rows, compute_index_scores(scores, raw, 2022, min_n=10)


def test_deia_and_its_four_subindices_where_the_file_carries_their_items(tmp_path):
    rows, table = _deia_file(tmp_path, with_deia=True)
    got = {r["index_code"]: r["score"] for r in table.to_pylist() if r["org_level"] == "government"}

    def pct(item):
        valid = [(int(r[item]), float(r["POSTWT"])) for r in rows]
        return 100 * sum(w for a, w in valid if a >= 4) / sum(w for _, w in valid)

    sub = {code: sum(pct(i) for i in its) / len(its) for code, its in DEIA_2022.items()}
    for code, value in sub.items():
        assert got[code] == pytest.approx(value, abs=1e-9), code
    assert got["deia"] == pytest.approx(sum(sub.values()) / 4, abs=1e-9)


def test_deia_is_not_computed_from_a_re_issued_file(tmp_path):
    _, table = _deia_file(tmp_path, with_deia=False)
    codes = {r["index_code"] for r in table.to_pylist()}
    assert "eei" in codes and not codes & {"deia", *DEIA_2022}
