-- How EX and CX move together across agencies, per year: for each EX measure and each CX measure,
-- the Pearson and Spearman correlations over the agencies that have both, n, and a 95 % interval
-- by Fisher's z (r ± 1.96/sqrt(n − 3) on atanh scale; Spearman's with the Fieller-Hartley-Pearson
-- standard error sqrt(1.06 / (n − 3)), Biometrika 1957). Relation: scorecard (this run's
-- agency_scorecard). Correlations need $min_n agencies; fewer give n with null coefficients.
-- Within comparable eras: the scorecard takes each year's CX from one A-11 era (`cx_era`).
-- This is a transparent factor table, not a replication of any published model. internal_cx is not
-- a measure of its own: internal_cx_index is its z-score, so the two gave the same correlations twice.
WITH long AS (
    SELECT s.year, s.cx_era, s.agency_code, e.ex_measure, e.ex_value, c.cx_measure, c.cx_value
    FROM scorecard s
    CROSS JOIN LATERAL (VALUES ('ex_index', s.ex_index), ('eei', s.eei), ('global_satisfaction', s.global_satisfaction),
                               ('quit_rate', s.quit_rate), ('first_year_attrition_rate', s.first_year_attrition_rate),
                               ('supervisor_ratio', s.supervisor_ratio),
                               ('retirement_eligible_share_est', s.retirement_eligible_share_est)) AS e(ex_measure, ex_value)
    CROSS JOIN LATERAL (VALUES ('cx_index', s.cx_index), ('cx_trust', s.cx_trust),
                               ('internal_cx_index', s.internal_cx_index)) AS c(cx_measure, cx_value)
    WHERE e.ex_value IS NOT NULL AND c.cx_value IS NOT NULL
),
ranked AS (
    SELECT *, rank() OVER (PARTITION BY year, ex_measure, cx_measure ORDER BY ex_value) +
              (count(*) OVER (PARTITION BY year, ex_measure, cx_measure, ex_value) - 1) / 2.0 AS ex_rank,
              rank() OVER (PARTITION BY year, ex_measure, cx_measure ORDER BY cx_value) +
              (count(*) OVER (PARTITION BY year, ex_measure, cx_measure, cx_value) - 1) / 2.0 AS cx_rank
    FROM long
),
r AS (
    SELECT year, any_value(cx_era) AS cx_era, ex_measure, cx_measure, count(*) AS n,
           corr(ex_value, cx_value) AS pearson, corr(ex_rank, cx_rank) AS spearman
    FROM ranked GROUP BY year, ex_measure, cx_measure
)
SELECT year::SMALLINT AS year, cx_era, ex_measure, cx_measure, n::BIGINT AS n,
       CASE WHEN n >= $min_n THEN pearson END AS pearson_r,
       CASE WHEN n >= $min_n AND abs(pearson) < 1 THEN tanh(atanh(pearson) - 1.96 / sqrt(n - 3)) END AS pearson_ci_low,
       CASE WHEN n >= $min_n AND abs(pearson) < 1 THEN tanh(atanh(pearson) + 1.96 / sqrt(n - 3)) END AS pearson_ci_high,
       CASE WHEN n >= $min_n THEN spearman END AS spearman_rho,
       CASE WHEN n >= $min_n AND abs(spearman) < 1 THEN tanh(atanh(spearman) - 1.96 * sqrt(1.06 / (n - 3))) END AS spearman_ci_low,
       CASE WHEN n >= $min_n AND abs(spearman) < 1 THEN tanh(atanh(spearman) + 1.96 * sqrt(1.06 / (n - 3))) END AS spearman_ci_high
FROM r
ORDER BY year, ex_measure, cx_measure
