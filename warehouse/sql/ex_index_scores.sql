-- FEVS index scores for one survey year.
-- Inputs: $item_scores_path (this year's fevs_item_scores), $raw_path (typed PRDF, for respondent
-- counts), $survey_year, $min_n, and the relation index_items(index_code, index_name, leaf_code, item)
-- registered by the asset from warehouse/reference/ (composite indices list each leaf's items).
-- An item index is the plain mean of its items' pct_positive; a composite (EEI) the plain mean of
-- its leaf indices (summed in a fixed order, so reruns agree to the last bit). A cell is suppressed when fewer than $min_n respondents stand behind the index
-- or behind any one of its items, or when one of its items has no answers there at all.
WITH leaf_scores AS (
    SELECT s.org_level, s.agency_code, coalesce(s.level1_code, '') AS level1_code, m.leaf_code,
           sum(s.pct_positive ORDER BY s.item) / count(s.pct_positive) AS score,
           count(s.pct_positive) AS items_scored,
           min(s.respondents)   AS min_item_n
    FROM read_parquet($item_scores_path) s
    JOIN (SELECT DISTINCT leaf_code, item FROM index_items) m USING (item)
    GROUP BY ALL
),
index_scores AS (
    SELECT l.org_level, l.agency_code, l.level1_code, i.index_code,
           sum(l.score ORDER BY l.leaf_code) / count(l.score) AS score, sum(l.items_scored) AS items_scored, min(l.min_item_n) AS min_item_n
    FROM leaf_scores l
    JOIN (SELECT DISTINCT index_code, leaf_code FROM index_items) i USING (leaf_code)
    GROUP BY ALL
),
-- respondents who answered at least one of each index's items, per agency × LEVEL1, in one pass;
-- each respondent sits in one such cell, so the counts roll up by addition
fine_wide AS (
    SELECT agency_code, coalesce(level1_code, '') AS level1_code,
           {index_respondent_counts}
    FROM read_parquet($raw_path)
    GROUP BY ALL
),
fine_respondents AS (
    SELECT agency_code, level1_code, index_code, n
    FROM (UNPIVOT fine_wide ON {index_codes} INTO NAME index_code VALUE n)
),
respondents AS (
    SELECT CASE WHEN grouping(agency_code) = 1 THEN 'government'
                WHEN grouping(level1_code) = 1 THEN 'agency' ELSE 'level1' END AS org_level,
           CASE WHEN grouping(agency_code) = 1 THEN 'ALL' ELSE agency_code END AS agency_code,
           CASE WHEN grouping(level1_code) = 1 THEN '' ELSE level1_code END AS level1_code,
           index_code, sum(n)::BIGINT AS respondents
    FROM fine_respondents
    GROUP BY GROUPING SETS ((index_code), (agency_code, index_code), (agency_code, level1_code, index_code))
),
expected AS (
    SELECT index_code, any_value(index_name) AS index_name, count(DISTINCT item) AS items
    FROM index_items GROUP BY index_code
)
SELECT $survey_year::SMALLINT AS survey_year,
       s.org_level, s.agency_code, nullif(s.level1_code, '') AS level1_code,
       s.index_code, e.index_name,
       CASE WHEN r.respondents >= $min_n AND s.min_item_n >= $min_n AND s.items_scored = e.items
            THEN s.score END                               AS score,
       e.items::SMALLINT                                  AS items,
       coalesce(r.respondents, 0)                         AS respondents,
       s.min_item_n::BIGINT                               AS min_item_respondents,
       NOT (coalesce(r.respondents, 0) >= $min_n AND s.min_item_n >= $min_n AND s.items_scored = e.items) AS suppressed
FROM index_scores s
JOIN expected e USING (index_code)
LEFT JOIN respondents r USING (org_level, agency_code, level1_code, index_code)
WHERE NOT (s.org_level = 'level1' AND s.level1_code = '')
ORDER BY s.org_level, s.agency_code, level1_code NULLS FIRST, s.index_code
