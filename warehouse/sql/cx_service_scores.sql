-- A-11 scores per service × fiscal quarter × driver (× trust scale), both eras. Inputs: $volumes_path,
-- $drivers_path (era 1 per-driver results), $responses_path (era 2 responses), $min_n; macros from
-- cx_macros.sql. Standard errors are computed from the data and published unclipped (`mean_se`,
-- `favourable_se`, `net_mention_se`); the 95 % intervals are estimate ± 1.96 se, clipped to the scale.
-- Era 1: a driver's rows over touchpoints are pooled (response-weighted mean; per-point counts
-- summed); its SD comes from the counts, else the Bhatia-Davis bound sqrt((5-m)(m-1)). The row
-- `composite` is the plain mean of the six drivers other than trust, with the no-independence bound
-- se <= mean of the six drivers' se (Cauchy-Schwarz: holds whatever the drivers' correlation).
-- Era 2: responses belong to one collection detail each (no join multiplies them). Trust is percent
-- favourable per scale (`thumbs_up_down`: thumbs up; `likert_scale`: 4-5 of 5) with a Wilson interval;
-- each went-well / didn't share is over the respondents shown that side (any flag of the side not
-- null); `net_mentions` is the per-respondent mean of (went-well flags - didn't flags) / 6 over the
-- six named drivers (flags not shown count 0), with its SE from the respondents' own scores.
WITH vol AS (
    SELECT fiscal_year, quarter, service_provider_id, service_id, any_value(agency_code) AS agency_code,
           sum(customers) AS customers, sum(surveys_offered) AS surveys_offered, sum(respondents) AS respondents,
           min(trust_question_text) AS trust_question_text
    FROM read_parquet($volumes_path) GROUP BY ALL
),
d1 AS (  -- one row per touchpoint × driver, with its own n and mean
    SELECT d.*, v.respondents AS service_respondents,
           coalesce(d.count_total, d.responses, v.respondents) AS n_c,
           d.layout = 'wide' OR (d.count_total IS NULL AND d.responses IS NULL) AS n_is_total,
           CASE WHEN d.count_total > 0
                THEN (d.count_1 + 2 * d.count_2 + 3 * d.count_3 + 4 * d.count_4 + 5 * d.count_5) / d.count_total
                ELSE d.mean_score END AS mean_c
    FROM read_parquet($drivers_path) d
    LEFT JOIN vol v USING (fiscal_year, quarter, service_provider_id, service_id)
),
v1 AS (
    SELECT fiscal_year, quarter, service_provider_id, service_id, any_value(agency_code) AS agency_code, driver,
           string_agg(DISTINCT question_text, ' | ' ORDER BY question_text) AS question_text,
           coalesce(sum(n_c) FILTER (WHERE mean_c IS NOT NULL), max(n_c), 0) AS n,
           bool_or(n_is_total) AS n_is_service_total,
           -- summed in a fixed order, so that a re-run gives bit-identical numbers
           list_sum(list(n_c * mean_c ORDER BY channel, source_file, source_row) FILTER (WHERE mean_c IS NOT NULL))
               / sum(n_c) FILTER (WHERE mean_c IS NOT NULL) AS mean_score,
           count(*) FILTER (WHERE mean_c IS NOT NULL) = count(count_total) FILTER (WHERE mean_c IS NOT NULL) AS has_counts,
           sum(count_1) AS count_1, sum(count_2) AS count_2, sum(count_3) AS count_3, sum(count_4) AS count_4,
           sum(count_5) AS count_5, sum(count_total) AS count_total
    FROM d1 GROUP BY fiscal_year, quarter, service_provider_id, service_id, driver
),
v1_scored AS (
    SELECT *,
           CASE WHEN has_counts AND count_total > 1 THEN sqrt(
                   (count_1 * (1 - mean_score) ^ 2 + count_2 * (2 - mean_score) ^ 2 + count_3 * (3 - mean_score) ^ 2
                    + count_4 * (4 - mean_score) ^ 2 + count_5 * (5 - mean_score) ^ 2) / (count_total - 1) / count_total)
                WHEN n > 0 AND mean_score IS NOT NULL THEN sqrt(greatest((5 - mean_score) * (mean_score - 1), 0) / n) END AS mean_se,
           CASE WHEN has_counts AND count_total > 1 THEN 'normal_from_counts'
                WHEN mean_score IS NOT NULL THEN 'bhatia_davis_bound' END AS ci_method,
           CASE WHEN has_counts AND count_total > 0 THEN (count_4 + count_5) END AS k_fav,
           CASE WHEN has_counts AND count_total > 0 THEN count_total END AS n_fav
    FROM v1
),
v1_composite AS (
    SELECT fiscal_year, quarter, service_provider_id, service_id, any_value(agency_code) AS agency_code,
           'composite' AS driver, min(n) AS n, bool_or(n_is_service_total) AS n_is_service_total,
           list_sum(list(mean_score ORDER BY driver)) / 6 AS mean_score, list_sum(list(mean_se ORDER BY driver)) / 6 AS mean_se
    FROM v1_scored
    WHERE driver <> 'trust' AND mean_score IS NOT NULL AND n > 0
    GROUP BY fiscal_year, quarter, service_provider_id, service_id
    HAVING count(*) = 6  -- a composite of fewer drivers would not be the same measure
),
r AS (SELECT * FROM read_parquet($responses_path)),
trust AS (
    SELECT fiscal_year, quarter, service_provider_id, service_id, any_value(agency_code) AS agency_code,
           survey_type AS scale, min(trust_question_text) AS question_text,
           count(question_1) AS n,
           count(*) FILTER (WHERE (survey_type = 'thumbs_up_down' AND question_1 = 1)
                               OR (survey_type = 'likert_scale' AND question_1 >= 4)) AS k,
           avg(question_1) FILTER (WHERE survey_type = 'likert_scale') AS mean_score,
           -- SD from exact integer sums (deterministic): (Σx² - (Σx)²/n) / (n - 1)
           sqrt((sum(question_1::BIGINT ^ 2) FILTER (WHERE survey_type = 'likert_scale')
                 - sum(question_1::BIGINT) FILTER (WHERE survey_type = 'likert_scale') ^ 2
                   / count(question_1) FILTER (WHERE survey_type = 'likert_scale'))
                / nullif(count(question_1) FILTER (WHERE survey_type = 'likert_scale') - 1, 0)) AS sd,
           count(question_1) FILTER (WHERE survey_type = 'likert_scale') AS n_likert
    FROM r GROUP BY fiscal_year, quarter, service_provider_id, service_id, survey_type
),
shown AS (
    SELECT *,
           (positive_effectiveness IS NOT NULL OR positive_ease IS NOT NULL OR positive_efficiency IS NOT NULL
            OR positive_transparency IS NOT NULL OR positive_humanity IS NOT NULL OR positive_employee IS NOT NULL
            OR positive_other IS NOT NULL) AS saw_positive,
           (negative_effectiveness IS NOT NULL OR negative_ease IS NOT NULL OR negative_efficiency IS NOT NULL
            OR negative_transparency IS NOT NULL OR negative_humanity IS NOT NULL OR negative_employee IS NOT NULL
            OR negative_other IS NOT NULL) AS saw_negative,
           (coalesce(positive_effectiveness, 0) + coalesce(positive_ease, 0) + coalesce(positive_efficiency, 0)
            + coalesce(positive_transparency, 0) + coalesce(positive_humanity, 0) + coalesce(positive_employee, 0)
            - coalesce(negative_effectiveness, 0) - coalesce(negative_ease, 0) - coalesce(negative_efficiency, 0)
            - coalesce(negative_transparency, 0) - coalesce(negative_humanity, 0) - coalesce(negative_employee, 0))::BIGINT
           AS net6  -- 6 × the respondent's score, an integer
    FROM r
),
flags AS (
    UNPIVOT (SELECT fiscal_year, quarter, service_provider_id, service_id, agency_code, saw_positive, saw_negative,
                    COLUMNS('^(positive|negative)_') FROM shown)
    ON COLUMNS('^(positive|negative)_') INTO NAME flag VALUE v
),
mentions AS (
    SELECT fiscal_year, quarter, service_provider_id, service_id, any_value(agency_code) AS agency_code,
           regexp_extract(flag, '^(?:positive|negative)_(.*)$', 1) AS driver,
           count(*) FILTER (WHERE flag LIKE 'positive_%' AND saw_positive) AS n_pos,
           coalesce(sum(v) FILTER (WHERE flag LIKE 'positive_%'), 0) AS k_pos,
           count(*) FILTER (WHERE flag LIKE 'negative_%' AND saw_negative) AS n_neg,
           coalesce(sum(v) FILTER (WHERE flag LIKE 'negative_%'), 0) AS k_neg
    FROM flags GROUP BY fiscal_year, quarter, service_provider_id, service_id, driver
),
net AS (
    SELECT fiscal_year, quarter, service_provider_id, service_id, any_value(agency_code) AS agency_code,
           count(*) AS n, 100 * sum(net6) / count(*) / 6 AS net_mention,
           100 / 6 * sqrt((sum(net6 ^ 2) - sum(net6) ^ 2 / count(*)) / nullif(count(*) - 1, 0)) / sqrt(count(*)) AS net_mention_se
    FROM shown GROUP BY fiscal_year, quarter, service_provider_id, service_id
),
unioned AS (
    SELECT fiscal_year, quarter, 'a11_v1' AS era, service_provider_id, service_id, agency_code, driver,
           'likert_1_5' AS scale, question_text, n AS responses, n_is_service_total, mean_score, mean_se, ci_method,
           k_fav, n_fav, NULL::BIGINT AS n_pos, NULL::BIGINT AS k_pos, NULL::BIGINT AS n_neg, NULL::BIGINT AS k_neg,
           NULL::DOUBLE AS net_mention, NULL::DOUBLE AS net_mention_se
    FROM v1_scored
    UNION ALL
    SELECT fiscal_year, quarter, 'a11_v1', service_provider_id, service_id, agency_code, driver, 'likert_1_5', NULL,
           n, n_is_service_total, mean_score, mean_se, 'no_independence_bound', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM v1_composite
    UNION ALL
    SELECT fiscal_year, quarter, 'a11_v2', service_provider_id, service_id, agency_code, 'trust', scale, question_text,
           n, false, mean_score, CASE WHEN n_likert > 1 THEN sd / sqrt(n_likert) END,
           CASE WHEN scale = 'likert_scale' AND n_likert > 1 THEN 'normal_from_responses' ELSE 'wilson' END,
           k, n, NULL, NULL, NULL, NULL, NULL, NULL
    FROM trust
    UNION ALL
    SELECT fiscal_year, quarter, 'a11_v2', service_provider_id, service_id, agency_code, driver, 'went_well_didnt', NULL,
           greatest(n_pos, n_neg), false, NULL, NULL, 'wilson', NULL, NULL, n_pos, k_pos, n_neg, k_neg, NULL, NULL
    FROM mentions
    UNION ALL
    SELECT fiscal_year, quarter, 'a11_v2', service_provider_id, service_id, agency_code, 'net_mentions', 'went_well_didnt', NULL,
           n, false, NULL, NULL, 'normal_from_responses', NULL, NULL, NULL, NULL, NULL, NULL, net_mention, net_mention_se
    FROM net
)
SELECT u.fiscal_year::SMALLINT AS fiscal_year, u.quarter::TINYINT AS quarter,
       'FY' || u.fiscal_year || 'Q' || u.quarter AS fiscal_quarter, u.era,
       u.service_provider_id, u.service_id, u.agency_code, u.driver, u.scale, u.question_text,
       u.responses::BIGINT AS responses, u.n_is_service_total AS responses_is_service_total,
       CASE WHEN u.responses >= $min_n THEN u.mean_score END AS mean_score,
       CASE WHEN u.responses >= $min_n THEN u.mean_se END AS mean_se,
       CASE WHEN u.responses >= $min_n AND u.mean_score IS NOT NULL AND u.mean_se IS NOT NULL THEN greatest(u.mean_score - 1.96 * u.mean_se, 1) END AS mean_ci_low,
       CASE WHEN u.responses >= $min_n AND u.mean_score IS NOT NULL AND u.mean_se IS NOT NULL THEN least(u.mean_score + 1.96 * u.mean_se, 5) END AS mean_ci_high,
       CASE WHEN u.responses >= $min_n THEN u.ci_method END AS ci_method,
       CASE WHEN u.responses >= $min_n AND u.n_fav > 0 THEN 100 * u.k_fav / u.n_fav END AS pct_favourable,
       CASE WHEN u.responses >= $min_n AND u.n_fav > 0 THEN 100 * sqrt((u.k_fav / u.n_fav) * (1 - u.k_fav / u.n_fav) / u.n_fav) END AS favourable_se,
       CASE WHEN u.responses >= $min_n THEN wilson_low(u.k_fav, u.n_fav) END AS favourable_ci_low,
       CASE WHEN u.responses >= $min_n THEN wilson_high(u.k_fav, u.n_fav) END AS favourable_ci_high,
       u.n_pos::BIGINT AS positive_shown,
       CASE WHEN u.responses >= $min_n AND u.n_pos > 0 THEN 100 * u.k_pos / u.n_pos END AS pct_positive_mention,
       CASE WHEN u.responses >= $min_n THEN wilson_low(u.k_pos, u.n_pos) END AS positive_ci_low,
       CASE WHEN u.responses >= $min_n THEN wilson_high(u.k_pos, u.n_pos) END AS positive_ci_high,
       u.n_neg::BIGINT AS negative_shown,
       CASE WHEN u.responses >= $min_n AND u.n_neg > 0 THEN 100 * u.k_neg / u.n_neg END AS pct_negative_mention,
       CASE WHEN u.responses >= $min_n THEN wilson_low(u.k_neg, u.n_neg) END AS negative_ci_low,
       CASE WHEN u.responses >= $min_n THEN wilson_high(u.k_neg, u.n_neg) END AS negative_ci_high,
       CASE WHEN u.responses >= $min_n THEN u.net_mention END AS net_mention,
       CASE WHEN u.responses >= $min_n THEN u.net_mention_se END AS net_mention_se,
       v.customers::BIGINT AS customers, v.surveys_offered::BIGINT AS surveys_offered, v.respondents::BIGINT AS respondents,
       coalesce(u.responses, 0) < $min_n AS suppressed
FROM unioned u
LEFT JOIN vol v USING (fiscal_year, quarter, service_provider_id, service_id)
ORDER BY u.service_provider_id, u.service_id, u.era, u.driver, u.scale
