"""One FEVS question across years (dim_fevs_question, fevs_item_scores.question_id).

Item numbers from the reference note (../shared/reference/fevs/fevs_items_2019_2024.md: "recommend" is Q40,
Q17, Q23, Q43, Q46, Q46 in 2019-2024) and OPM's 2018 codebook (Q40, same numbering as 2019); the 2020
codebook's typos ("by you immediate supervisor" in Q25, "Mangers" in Q29) are quoted from the same note.
"""

from __future__ import annotations

import duckdb

from warehouse import fevs_questions

RECOMMEND = {2018: "Q40", 2019: "Q40", 2020: "Q17", 2021: "Q23", 2022: "Q43", 2023: "Q46", 2024: "Q46"}
MANAGERS_PROMOTE = {2019: "Q58", 2020: "Q29", 2021: "Q35"}  # "(Mangers|Managers) promote communication among different work units"


def test_recommend_my_organization_is_one_question_across_seven_years():
    m = fevs_questions.question_map()
    ids = {m[(y, i)]["question_id"] for y, i in RECOMMEND.items()}
    assert len(ids) == 1
    [qid] = ids
    assert sorted(k for k, v in m.items() if v["question_id"] == qid) == sorted(RECOMMEND.items())


def test_codebook_typos_do_not_split_a_question(monkeypatch, tmp_path):
    m = fevs_questions.question_map()
    assert len({m[(y, i)]["question_id"] for y, i in MANAGERS_PROMOTE.items()}) == 1
    empty = tmp_path / "fixes.csv"
    empty.write_text("typo,correction,source\n")
    monkeypatch.setattr(fevs_questions, "FIXES_FILE", empty)
    for f in (fevs_questions.wording_fixes, fevs_questions.question_map):
        f.cache_clear()
    try:
        split = fevs_questions.question_map()
        assert split[(2020, "Q29")]["question_id"] != split[(2019, "Q58")]["question_id"]  # the fix is what joins them
    finally:
        for f in (fevs_questions.wording_fixes, fevs_questions.question_map):
            f.cache_clear()


def test_every_question_holds_at_most_one_item_a_year():
    seen = {}
    for (y, i), q in fevs_questions.question_map().items():
        assert (q["question_id"], y) not in seen, (q["question_id"], y, i, seen.get((q["question_id"], y)))
        seen[(q["question_id"], y)] = i


def test_a_question_charts_2018_to_2024_in_one_join(default_run):
    data_dir, _ = default_run
    con = duckdb.connect()
    for t in ("fevs_item_scores", "dim_fevs_question"):
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{data_dir}/publish/{t}/*.parquet')")
    rows = con.execute("""SELECT s.survey_year, s.item FROM fevs_item_scores s JOIN dim_fevs_question q USING (question_id)
                          WHERE s.org_level = 'government' AND q.wording = 'I recommend my organization as a good place to work.'
                          ORDER BY 1""").fetchall()
    assert rows == sorted(RECOMMEND.items())
    n, joined = con.execute("""SELECT (SELECT count(*) FROM fevs_item_scores),
                                      (SELECT count(*) FROM fevs_item_scores JOIN dim_fevs_question USING (question_id))""").fetchone()
    assert n == joined  # no fan-out, no loss
    years, items = con.execute("""SELECT years, items_by_year FROM dim_fevs_question
                                  WHERE wording = 'I recommend my organization as a good place to work.'""").fetchone()
    assert years == 7 and items == "; ".join(f"{y} {i}" for y, i in RECOMMEND.items())
