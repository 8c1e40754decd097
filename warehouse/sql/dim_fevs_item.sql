-- dim_fevs_item: one row per FEVS survey year × item: wording, kind, polarity, response codes and whether
-- OPM's file carries it (fevs_items.csv, from OPM's codebooks), the indices it feeds (fevs_item_map.csv),
-- and the question it asks across years (question_id, warehouse/fevs_questions.py: one id per normalized
-- wording), with a flag when the wording changed from the question's previous year. cross_year_key is
-- the `<year>/<item>` of the question's earliest year.
-- Relations (warehouse/star.py): items, item_map, seen_items, questions.
WITH keys AS (
    SELECT item_key, survey_year, item FROM seen_items
    UNION SELECT 'FEVS' || survey_year || '/' || item, survey_year, item FROM items
),
q AS (
    SELECT q.*, first_value(survey_year || '/' || item) OVER (PARTITION BY question_id ORDER BY survey_year) AS cross_year_key
    FROM questions q
),
idx AS (SELECT survey_year, item, string_agg(index_code, ',' ORDER BY index_code) AS index_codes FROM item_map GROUP BY ALL)
SELECT k.item_key, 'FEVS' || k.survey_year AS period_key, k.survey_year::SMALLINT AS survey_year, k.item,
       n.wording, n.kind, n.polarity, n.response_codes, n.in_file, i.index_codes,
       q.question_id, q.wording_changed,
       coalesce(q.cross_year_key, k.survey_year || '/' || k.item) AS cross_year_key,
       n.source AS wording_source
FROM keys k
LEFT JOIN items n USING (survey_year, item)
LEFT JOIN q USING (survey_year, item)
LEFT JOIN idx i USING (survey_year, item)
ORDER BY k.survey_year, q.item_order NULLS LAST, k.item
