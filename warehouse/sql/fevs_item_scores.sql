-- FEVS item scores for one survey year, from the typed respondent file.
-- Inputs: $raw_path (typed PRDF Parquet), $survey_year, $min_n (suppression threshold);
-- The item column list and one struct of counts and weight sums per item are spliced
-- in by warehouse/fevs_scores.py from the file's schema.
-- OPM's convention: percent positive = 100 * sum(POSTWT | answer in 4,5) / sum(POSTWT | answer in 1..5);
-- the favourable codes are each item's codebook codes (fevs_items.csv positive_codes: 4,5 for every item,
-- 2022 Q12 and Q34 included, whose codes run 1 = Strongly Agree ... 5 = Strongly Disagree). polarity
-- ('negative' for those two) describes the wording only; {item_polarity} is spliced in.
-- X (do not know, coded 0) and blanks (NULL) are excluded from numerator and denominator.
-- One pass over the respondents: counts and weight sums per agency × LEVEL1 for every item at once;
-- they are additive, so agency and governmentwide cells are rolled up from them.
-- Weights are summed as integers (POSTWT × 10^10, exact), so results do not depend on the order
-- threads add rows up; the answer classes are arithmetic on the answer (see item_aggregates()).
WITH wide AS (
    SELECT agency_code, level1_code,
           {item_aggregates}
    FROM (SELECT agency_code, coalesce(level1_code, '') AS level1_code, round(postwt * 1e10)::BIGINT AS w10, {item_columns}
          FROM read_parquet($raw_path))
    GROUP BY ALL
),
fine AS (
    SELECT agency_code, level1_code, item, s.n AS respondents, s.c - s.n AS dont_know_respondents, s.w AS weight_sum,
           s.wp AS w_positive, s.wneu AS w_neutral, s.w - s.wp - s.wneu AS w_negative  -- exact: integers
    FROM (UNPIVOT wide ON {item_columns} INTO NAME item VALUE s)
),
rolled AS (
    SELECT CASE WHEN grouping(agency_code) = 1 THEN 'government'
                WHEN grouping(level1_code) = 1 THEN 'agency'
                ELSE 'level1' END                        AS org_level,
           agency_code AS agency, level1_code AS level1, item,
           sum(respondents)::BIGINT AS n, sum(dont_know_respondents)::BIGINT AS n_x,
           sum(weight_sum) AS w, sum(w_positive) AS wp, sum(w_neutral) AS wn, sum(w_negative) AS wneg
    FROM fine
    GROUP BY GROUPING SETS ((item), (agency_code, item), (agency_code, level1_code, item))
)
SELECT $survey_year::SMALLINT                                   AS survey_year,
       org_level,
       CASE WHEN org_level = 'government' THEN 'ALL' ELSE agency END AS agency_code,
       CASE WHEN org_level = 'level1' THEN level1 END           AS level1_code,
       item,
       {item_polarity}                                          AS polarity,
       n                                                        AS respondents,
       n_x                                                      AS dont_know_respondents,
       CASE WHEN n >= $min_n THEN w::DOUBLE / 1e10 END          AS weight_sum,
       CASE WHEN n >= $min_n THEN 100 * wp::DOUBLE / w::DOUBLE END             AS pct_positive,
       CASE WHEN n >= $min_n THEN 100 * wn::DOUBLE / w::DOUBLE END             AS pct_neutral,
       CASE WHEN n >= $min_n THEN 100 * wneg::DOUBLE / w::DOUBLE END            AS pct_negative,
       n < $min_n                                               AS suppressed
FROM rolled
WHERE NOT (org_level = 'level1' AND level1 = '')
ORDER BY org_level, agency_code, level1_code NULLS FIRST, item
