-- A-11 scores per service × fiscal quarter × driver, both eras. Inputs: $volumes_path,
-- $drivers_path (era 1 per-driver results), $responses_path (era 2 responses), $min_n; macros from
-- cx_macros.sql. Era 1: mean score (1-5) as published or from per-point counts; percent favourable
-- (4-5) and exact CIs where counts are published, a conservative bound otherwise. Era 2: trust is
-- percent favourable (thumbs up, or 4-5 of 5) with a Wilson interval, and each "what went well /
-- didn't" flag is a share of the respondents.
WITH vol AS (
    SELECT fiscal_year, quarter, service_provider_id, service_id, any_value(agency_code) AS agency_code,
           sum(customers) AS customers, sum(surveys_offered) AS surveys_offered, sum(respondents) AS respondents,
           any_value(trust_question_text) AS trust_question_text
    FROM read_parquet($volumes_path) GROUP BY ALL
),
v1 AS (
    SELECT d.fiscal_year, d.quarter, 'a11_v1' AS era, d.service_provider_id, d.service_id, d.agency_code, d.driver,
           d.question_text,
           coalesce(d.count_total, d.responses, v.respondents) AS n,
           d.count_total IS NULL AND d.responses IS NULL AS n_is_service_total,
           CASE WHEN d.count_total > 0
                THEN (d.count_1 + 2 * d.count_2 + 3 * d.count_3 + 4 * d.count_4 + 5 * d.count_5) / d.count_total
                ELSE d.mean_score END AS mean_score,
           d.count_total, d.count_1, d.count_2, d.count_3, d.count_4, d.count_5
    FROM read_parquet($drivers_path) d
    LEFT JOIN vol v USING (fiscal_year, quarter, service_provider_id, service_id)
),
v1_scored AS (
    SELECT *,
           CASE WHEN count_total > 1 THEN 1.96 * sqrt(
                   (count_1 * (1 - mean_score) ^ 2 + count_2 * (2 - mean_score) ^ 2 + count_3 * (3 - mean_score) ^ 2
                    + count_4 * (4 - mean_score) ^ 2 + count_5 * (5 - mean_score) ^ 2) / (count_total - 1) / count_total)
                ELSE bound_half_width(mean_score, n, 1, 5) END AS mean_half,
           CASE WHEN count_total > 1 THEN 'normal_from_counts' WHEN mean_score IS NOT NULL THEN 'bhatia_davis_bound' END AS ci_method,
           CASE WHEN count_total > 0 THEN 100 * (count_4 + count_5) / count_total END AS pct_favourable,
           CASE WHEN count_total > 0 THEN wilson_low(count_4 + count_5, count_total) END AS fav_low,
           CASE WHEN count_total > 0 THEN wilson_high(count_4 + count_5, count_total) END AS fav_high
    FROM v1
),
r AS (SELECT * FROM read_parquet($responses_path)),
trust AS (
    SELECT fiscal_year, quarter, 'a11_v2' AS era, service_provider_id, service_id, any_value(agency_code) AS agency_code,
           'trust' AS driver, any_value(trust_question_text) AS question_text,
           count(question_1) AS n,
           count(*) FILTER (WHERE (survey_type = 'thumbs_up_down' AND question_1 = 1) OR (survey_type = 'likert_5' AND question_1 >= 4)) AS k,
           avg(question_1) FILTER (WHERE survey_type = 'likert_5') AS mean_score,
           stddev_samp(question_1) FILTER (WHERE survey_type = 'likert_5') AS sd,
           count(question_1) FILTER (WHERE survey_type = 'likert_5') AS n_likert
    FROM r GROUP BY fiscal_year, quarter, service_provider_id, service_id
),
flags AS (
    UNPIVOT (SELECT fiscal_year, quarter, service_provider_id, service_id, agency_code,
                    COLUMNS('^(positive|negative)_') FROM r)
    ON COLUMNS('^(positive|negative)_') INTO NAME flag VALUE v
),
mentions AS (
    SELECT fiscal_year, quarter, 'a11_v2' AS era, service_provider_id, service_id, any_value(agency_code) AS agency_code,
           regexp_extract(flag, '^(?:positive|negative)_(.*)$', 1) AS driver,
           count(*) FILTER (WHERE flag LIKE 'positive_%') AS n,
           sum(v) FILTER (WHERE flag LIKE 'positive_%') AS k_pos,
           sum(v) FILTER (WHERE flag LIKE 'negative_%') AS k_neg
    FROM flags GROUP BY fiscal_year, quarter, service_provider_id, service_id, driver
),
unioned AS (
    SELECT fiscal_year, quarter, era, service_provider_id, service_id, agency_code, driver, question_text,
           n AS responses, n_is_service_total, mean_score, mean_score - mean_half AS mean_ci_low,
           mean_score + mean_half AS mean_ci_high, ci_method, pct_favourable, fav_low, fav_high,
           NULL::DOUBLE AS pct_positive_mention, NULL::DOUBLE AS pos_low, NULL::DOUBLE AS pos_high,
           NULL::DOUBLE AS pct_negative_mention
    FROM v1_scored
    UNION ALL
    SELECT fiscal_year, quarter, era, service_provider_id, service_id, agency_code, driver, question_text,
           n, false, mean_score, mean_score - 1.96 * sd / sqrt(n_likert), mean_score + 1.96 * sd / sqrt(n_likert),
           CASE WHEN n_likert > 1 THEN 'normal_from_responses' END,
           100 * k / n, wilson_low(k, n), wilson_high(k, n), NULL, NULL, NULL, NULL
    FROM trust
    UNION ALL
    SELECT fiscal_year, quarter, era, service_provider_id, service_id, agency_code, driver, NULL,
           n, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           100 * k_pos / n, wilson_low(k_pos, n), wilson_high(k_pos, n), 100 * k_neg / n
    FROM mentions
)
SELECT u.fiscal_year::SMALLINT AS fiscal_year, u.quarter::TINYINT AS quarter,
       'FY' || u.fiscal_year || 'Q' || u.quarter AS fiscal_quarter, u.era,
       u.service_provider_id, u.service_id, u.agency_code, u.driver, u.question_text,
       u.responses::BIGINT AS responses, u.n_is_service_total AS responses_is_service_total,
       CASE WHEN u.responses >= $min_n THEN u.mean_score END AS mean_score,
       CASE WHEN u.responses >= $min_n AND u.mean_ci_low IS NOT NULL THEN greatest(u.mean_ci_low, 1) END AS mean_ci_low,
       CASE WHEN u.responses >= $min_n AND u.mean_ci_high IS NOT NULL THEN least(u.mean_ci_high, 5) END AS mean_ci_high,  -- least() skips nulls
       CASE WHEN u.responses >= $min_n THEN u.ci_method END AS ci_method,
       CASE WHEN u.responses >= $min_n THEN u.pct_favourable END AS pct_favourable,
       CASE WHEN u.responses >= $min_n THEN u.fav_low END AS favourable_ci_low,
       CASE WHEN u.responses >= $min_n THEN u.fav_high END AS favourable_ci_high,
       CASE WHEN u.responses >= $min_n THEN u.pct_positive_mention END AS pct_positive_mention,
       CASE WHEN u.responses >= $min_n THEN u.pos_low END AS positive_ci_low,
       CASE WHEN u.responses >= $min_n THEN u.pos_high END AS positive_ci_high,
       CASE WHEN u.responses >= $min_n THEN u.pct_negative_mention END AS pct_negative_mention,
       v.customers::BIGINT AS customers, v.surveys_offered::BIGINT AS surveys_offered, v.respondents::BIGINT AS respondents,
       coalesce(u.responses, 0) < $min_n AS suppressed
FROM unioned u
LEFT JOIN vol v USING (fiscal_year, quarter, service_provider_id, service_id)
ORDER BY u.service_id, u.era, u.driver
