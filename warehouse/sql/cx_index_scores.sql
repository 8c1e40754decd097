-- CX indices per agency × fiscal year × A-11 era, from every staged cx_service_scores row that is
-- not suppressed. Inputs: $scores (list of staged files), $min_n. Each service-quarter estimate is
-- weighted by its responses; its standard error is the one cx_service_scores computed (never read
-- back from a clipped interval); the index's is sqrt(sum(w^2 se^2)) / sum(w): service-quarters are
-- different respondents, so they are treated as independent (the dependence between the drivers of
-- the same respondents is handled inside each service-quarter, see cx_service_scores.sql).
--   cx_trust:       trust on 0-100. Era 1: the 1-5 mean rescaled, (mean - 1) / 4 * 100 (scale
--                   `likert_1_5_mean`). Era 2: percent favourable, thumbs up (`thumbs_up_down`) or
--                   4-5 of 5 (`likert_scale`); `mixed` when an agency's services used both.
--   cx_drivers_v1:  era 1: the `composite` of the six drivers other than trust (trust is counted once,
--                   in cx_trust), rescaled to 0-100; interval from the no-independence bound.
--   cx_mentions_v2: era 2: `net_mentions`, the per-respondent went-well minus didn't score, -100..100.
-- score_within_scale_z: the same response-weighted mean over the agency's service-quarters, of each
-- service-quarter's z-score among every service-quarter of that fiscal year, era, index and scale
-- (unweighted mean and SD; null when the scale has fewer than 2 or no spread). Thumbs-up shares and
-- 4-5-of-5 shares are not comparable (an instrument offset would move agencies by their mix), so the
-- scorecard z-scores this, never a `mixed` score; for one scale it is an affine map of `score`.
-- scale_break marks a row whose scale differs from the same agency's previous row of the same index
-- (ordered by fiscal year and era): the series must not be read across it. `headline` marks the rows
-- of each fiscal year's main era (the era with most quarters that year; ties go to the later era): the
-- agency scorecard and the CX-EX linkage use those, so a year is never compared across eras.
WITH s AS (SELECT * FROM read_parquet($scores) WHERE NOT suppressed AND agency_code IS NOT NULL),
est AS (
    SELECT agency_code, fiscal_year, era, 'cx_trust' AS index_code, service_provider_id, service_id, fiscal_quarter,
           responses AS w, (mean_score - 1) / 4 * 100 AS score, mean_se * 25 AS se, 'likert_1_5_mean' AS scale, ci_method
    FROM s WHERE era = 'a11_v1' AND driver = 'trust' AND mean_score IS NOT NULL
    UNION ALL
    SELECT agency_code, fiscal_year, era, 'cx_trust', service_provider_id, service_id, fiscal_quarter,
           responses, pct_favourable, favourable_se, scale, 'binomial'
    FROM s WHERE era = 'a11_v2' AND driver = 'trust' AND pct_favourable IS NOT NULL
    UNION ALL
    SELECT agency_code, fiscal_year, era, 'cx_drivers_v1', service_provider_id, service_id, fiscal_quarter,
           responses, (mean_score - 1) / 4 * 100, mean_se * 25, 'likert_1_5_mean', ci_method
    FROM s WHERE era = 'a11_v1' AND driver = 'composite' AND mean_score IS NOT NULL
    UNION ALL
    SELECT agency_code, fiscal_year, era, 'cx_mentions_v2', service_provider_id, service_id, fiscal_quarter,
           responses, net_mention, net_mention_se, 'went_well_didnt', 'per_respondent'
    FROM s WHERE era = 'a11_v2' AND driver = 'net_mentions' AND net_mention IS NOT NULL
),
std AS (
    SELECT *, (score - avg(score) OVER k) / nullif(stddev_samp(score) OVER k, 0) AS z
    FROM est WINDOW k AS (PARTITION BY fiscal_year, era, index_code, scale)
),
agg AS (
    SELECT agency_code, fiscal_year, era, index_code,
           -- summed in a fixed order, so that a re-run gives bit-identical numbers
           list_sum(list(w * score ORDER BY service_provider_id, service_id, fiscal_quarter, scale)) / sum(w) AS score,
           sqrt(list_sum(list(w ^ 2 * se ^ 2 ORDER BY service_provider_id, service_id, fiscal_quarter, scale))) / sum(w) AS se,
           list_sum(list(w * z ORDER BY service_provider_id, service_id, fiscal_quarter, scale) FILTER (WHERE z IS NOT NULL))
               / sum(w) FILTER (WHERE z IS NOT NULL) AS score_within_scale_z,
           count(DISTINCT service_provider_id || '/' || service_id) AS services,
           count(DISTINCT service_provider_id || '/' || service_id || '/' || fiscal_quarter) AS service_quarters,
           CASE WHEN count(DISTINCT scale) > 1 THEN 'mixed' ELSE any_value(scale) END AS scale,
           string_agg(DISTINCT ci_method, ',' ORDER BY ci_method) AS ci_method
    FROM std GROUP BY ALL
),
resp AS (  -- per service-quarter and scale (different respondents) the largest count behind any one estimate, summed
    SELECT agency_code, fiscal_year, era, index_code, sum(max_w)::BIGINT AS responses
    FROM (SELECT agency_code, fiscal_year, era, index_code, service_provider_id, service_id, fiscal_quarter, scale, max(w) AS max_w
          FROM est GROUP BY ALL)
    GROUP BY ALL
),
year_era AS (
    SELECT fiscal_year, arg_max(era, (quarters, era)) AS main_era
    FROM (SELECT fiscal_year, era, count(DISTINCT fiscal_quarter) AS quarters FROM s GROUP BY ALL)
    GROUP BY fiscal_year
),
rows AS (
    SELECT a.*, r.responses, y.main_era = a.era AS headline,
           coalesce(lag(a.scale) OVER (PARTITION BY a.agency_code, a.index_code ORDER BY a.fiscal_year, a.era), a.scale)
               <> a.scale AS scale_break
    FROM agg a JOIN resp r USING (agency_code, fiscal_year, era, index_code) JOIN year_era y USING (fiscal_year)
)
SELECT fiscal_year::SMALLINT AS fiscal_year, agency_code, index_code, era, scale, scale_break, headline,
       CASE WHEN responses >= $min_n THEN score END AS score,
       CASE WHEN responses >= $min_n THEN se END AS se,
       CASE WHEN responses >= $min_n THEN score_within_scale_z END AS score_within_scale_z,
       CASE WHEN responses >= $min_n THEN score - 1.96 * se END AS ci_low,
       CASE WHEN responses >= $min_n THEN score + 1.96 * se END AS ci_high,
       ci_method, services, service_quarters, responses,
       responses < $min_n AS suppressed
FROM rows
ORDER BY fiscal_year, agency_code, index_code, era
