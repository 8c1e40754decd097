-- CX indices per agency × fiscal year, from every staged cx_service_scores row that is not
-- suppressed. Inputs: $scores (list of staged files), $min_n. Each service-quarter-driver estimate
-- is weighted by its responses; its standard error comes from its own 95 % interval, and the
-- index's interval from the weighted combination sqrt(sum(w^2 se^2)) / sum(w) (estimates treated
-- as independent).
--   cx_drivers_v1: the seven A-11 drivers of era 1 (FY2019-FY2023 layout), mean score rescaled
--                  to 0-100 as (mean - 1) / 4 * 100.
--   cx_trust:      percent favourable on the trust question, in both eras (era 1 only where the
--                  per-point counts were published). The one measure comparable across eras.
--   cx_mentions_v2: era 2's "what went well" share minus "what didn't" share, averaged over the
--                  six named flags, on a -100..100 scale.
WITH s AS (SELECT * FROM read_parquet($scores) WHERE NOT suppressed),
est AS (
    SELECT agency_code, fiscal_year, 'cx_drivers_v1' AS index_code, service_id, fiscal_quarter, era, responses AS w,
           (mean_score - 1) / 4 * 100 AS score, (mean_ci_high - mean_ci_low) / 2 / 1.96 * 25 AS se
    FROM s WHERE era = 'a11_v1' AND mean_score IS NOT NULL
      AND driver IN ('satisfaction', 'trust', 'effectiveness', 'ease', 'efficiency', 'transparency', 'employee')
    UNION ALL
    SELECT agency_code, fiscal_year, 'cx_trust', service_id, fiscal_quarter, era, responses,
           pct_favourable, (favourable_ci_high - favourable_ci_low) / 2 / 1.96
    FROM s WHERE driver = 'trust' AND pct_favourable IS NOT NULL
    UNION ALL
    SELECT agency_code, fiscal_year, 'cx_mentions_v2', service_id, fiscal_quarter, era, responses,
           pct_positive_mention - pct_negative_mention, (positive_ci_high - positive_ci_low) / 2 / 1.96
    FROM s WHERE era = 'a11_v2' AND driver IN ('effectiveness', 'ease', 'efficiency', 'transparency', 'humanity', 'employee')
),
agg AS (
    SELECT agency_code, fiscal_year, index_code,
           sum(w * score) / sum(w) AS score,
           sqrt(sum(w ^ 2 * se ^ 2)) / sum(w) AS se,
           count(DISTINCT service_id) AS services,
           count(DISTINCT service_id || fiscal_quarter) AS service_quarters,
           -- responses: the largest count behind any one driver of each service-quarter, summed
           NULL::BIGINT AS responses,
           string_agg(DISTINCT era, ',' ORDER BY era) AS eras
    FROM est GROUP BY ALL
),
resp AS (
    SELECT agency_code, fiscal_year, index_code, sum(max_w)::BIGINT AS responses
    FROM (SELECT agency_code, fiscal_year, index_code, service_id, fiscal_quarter, max(w) AS max_w FROM est GROUP BY ALL)
    GROUP BY ALL
)
SELECT a.fiscal_year::SMALLINT AS fiscal_year, a.agency_code, a.index_code,
       CASE WHEN r.responses >= $min_n THEN a.score END AS score,
       CASE WHEN r.responses >= $min_n THEN a.score - 1.96 * a.se END AS ci_low,
       CASE WHEN r.responses >= $min_n THEN a.score + 1.96 * a.se END AS ci_high,
       a.services, a.service_quarters, r.responses, a.eras,
       r.responses < $min_n AS suppressed
FROM agg a JOIN resp r USING (agency_code, fiscal_year, index_code)
ORDER BY fiscal_year, agency_code, index_code
