-- FEVS intent to leave for one survey year, from the typed respondent file.
-- Inputs: $raw_path (typed PRDF Parquet), $survey_year, $min_n (suppression threshold), $question
-- (the year's column: DLEAVING, or DLEAVINGB in 2020). {leaving_category} is spliced in by
-- warehouse/fevs_scores.py from the year's own code order in warehouse/reference/fevs_survey_years.csv
-- (2019: A no, B another federal job, C outside government, D other; 2020+: A no, B other,
-- C within government, D outside government) and maps an answer to its category, else NULL.
-- Shares are POSTWT-weighted over valid answers A-D; blanks (and anything else) are excluded from
-- numerator and denominator, as OPM excludes them. Weights are summed as exact integers (POSTWT × 10^10).
WITH answers AS (
    SELECT agency_code, round(postwt * 1e10)::BIGINT AS w10, {leaving_category} AS category
    FROM read_parquet($raw_path)
),
rolled AS (
    SELECT CASE WHEN grouping(agency_code) = 1 THEN 'government' ELSE 'agency' END AS org_level,
           CASE WHEN grouping(agency_code) = 1 THEN 'ALL' ELSE agency_code END     AS agency_code,
           count(*)::BIGINT AS n,
           sum(w10) AS w,
           coalesce(sum(w10) FILTER (WHERE category = 'no'), 0)                 AS w_no,
           coalesce(sum(w10) FILTER (WHERE category = 'within_government'), 0)  AS w_within,
           coalesce(sum(w10) FILTER (WHERE category = 'outside_government'), 0) AS w_outside,
           coalesce(sum(w10) FILTER (WHERE category = 'other'), 0)              AS w_other
    FROM answers
    WHERE category IS NOT NULL
    GROUP BY GROUPING SETS ((), (agency_code))
    HAVING count(*) > 0
)
SELECT $survey_year::SMALLINT                                                AS survey_year,
       org_level,
       agency_code,
       $question                                                            AS question,
       n                                                                    AS respondents,
       CASE WHEN n >= $min_n THEN 100 * w_no::DOUBLE / w::DOUBLE END        AS pct_no,
       CASE WHEN n >= $min_n THEN 100 * w_within::DOUBLE / w::DOUBLE END    AS pct_within_government,
       CASE WHEN n >= $min_n THEN 100 * w_outside::DOUBLE / w::DOUBLE END   AS pct_outside_government,
       CASE WHEN n >= $min_n THEN 100 * w_other::DOUBLE / w::DOUBLE END     AS pct_other,
       CASE WHEN n >= $min_n THEN 100 * (w - w_no)::DOUBLE / w::DOUBLE END  AS pct_any,
       n < $min_n                                                           AS suppressed
FROM rolled
ORDER BY org_level DESC, agency_code
