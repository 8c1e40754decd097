-- dim_fevs_question: one row per FEVS question across years (warehouse/fevs_questions.py: one id per
-- normalized wording, or per curated cross-year key), with its latest wording, the years and item numbers
-- that carry it, and whether its wording changed between years. fevs_item_scores.question_id joins it
-- many to one: chart a question 2018-2024 with one join, whatever OPM numbered it each year.
-- Relations (warehouse/star.py): items, questions.
SELECT q.question_id,
       arg_max(n.wording, q.survey_year)                                   AS wording,
       arg_max(n.kind, q.survey_year)                                      AS kind,
       min(q.survey_year)::SMALLINT                                        AS first_year,
       max(q.survey_year)::SMALLINT                                        AS last_year,
       count(*)::SMALLINT                                                  AS years,
       string_agg(q.survey_year || ' ' || q.item, '; ' ORDER BY q.survey_year) AS items_by_year,
       bool_or(q.wording_changed)                                          AS wording_changed
FROM questions q
JOIN items n USING (survey_year, item)
GROUP BY q.question_id
ORDER BY min(q.survey_year), min(q.item_order), q.question_id
