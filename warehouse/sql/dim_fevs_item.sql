-- dim_fevs_item: one row per FEVS survey year × item: wording, kind and polarity (fevs_items.csv, from OPM's
-- codebooks), the indices it belongs to (fevs_item_map.csv), and a cross-year key: items with the same
-- wording (case, spaces and punctuation ignored) share it, named after the earliest year's item.
-- Relations (warehouse/star.py): items, item_map, seen_items.
WITH keys AS (
    SELECT item_key, survey_year, item FROM seen_items
    UNION SELECT 'FEVS' || survey_year || '/' || item, survey_year, item FROM items
),
norm AS (
    SELECT survey_year, item, kind, polarity, wording, source,
           trim(regexp_replace(lower(wording), '[^a-z0-9]+', ' ', 'g')) AS wording_norm
    FROM items
),
firsts AS (
    SELECT wording_norm, arg_min(survey_year || '/' || item, survey_year) AS cross_year_key FROM norm
    WHERE wording_norm <> '' GROUP BY wording_norm
),
idx AS (SELECT survey_year, item, string_agg(index_code, ',' ORDER BY index_code) AS index_codes FROM item_map GROUP BY ALL)
SELECT k.item_key, 'FEVS' || k.survey_year AS period_key, k.survey_year::SMALLINT AS survey_year, k.item,
       n.wording, n.kind, n.polarity, i.index_codes,
       coalesce(f.cross_year_key, k.survey_year || '/' || k.item) AS cross_year_key,
       n.source AS wording_source
FROM keys k
LEFT JOIN norm n USING (survey_year, item)
LEFT JOIN firsts f USING (wording_norm)
LEFT JOIN idx i USING (survey_year, item)
ORDER BY k.survey_year, CAST(substr(k.item, 2) AS INTEGER), k.item
