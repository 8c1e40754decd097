-- Across agencies, per FEVS survey year: how each intent-to-leave share tracks each attrition rate of the
-- following fiscal year. Pearson and Spearman (average ranks for ties) over the agencies with both
-- values, n, and a 95 % interval by Fisher's z (r ± 1.96/sqrt(n − 3) on atanh scale): the rules of
-- cx_ex_linkage. Fewer than $min_n agencies give n with null coefficients. Relation: panel (this run's
-- intent_vs_attrition).
WITH long AS (
    SELECT p.survey_year, p.attrition_fiscal_year, p.agency_code, i.intent_measure, i.intent_value, a.attrition_measure, a.attrition_value
    FROM panel p
    CROSS JOIN LATERAL (VALUES ('any', p.pct_intent_any), ('within_government', p.pct_intent_within_government),
                               ('outside_government', p.pct_intent_outside_government)) AS i(intent_measure, intent_value)
    CROSS JOIN LATERAL (VALUES ('quit_rate', p.quit_rate), ('transfer_out_rate', p.transfer_out_rate),
                               ('separation_rate', p.separation_rate)) AS a(attrition_measure, attrition_value)
    WHERE i.intent_value IS NOT NULL AND a.attrition_value IS NOT NULL
),
ranked AS (
    SELECT *, rank() OVER (PARTITION BY survey_year, intent_measure, attrition_measure ORDER BY intent_value) +
              (count(*) OVER (PARTITION BY survey_year, intent_measure, attrition_measure, intent_value) - 1) / 2.0 AS i_rank,
              rank() OVER (PARTITION BY survey_year, intent_measure, attrition_measure ORDER BY attrition_value) +
              (count(*) OVER (PARTITION BY survey_year, intent_measure, attrition_measure, attrition_value) - 1) / 2.0 AS a_rank
    FROM long
),
r AS (
    SELECT survey_year, any_value(attrition_fiscal_year) AS attrition_fiscal_year, intent_measure, attrition_measure,
           count(*) AS n, corr(intent_value, attrition_value) AS pearson, corr(i_rank, a_rank) AS spearman
    FROM ranked GROUP BY survey_year, intent_measure, attrition_measure
)
SELECT survey_year::SMALLINT AS survey_year, attrition_fiscal_year::SMALLINT AS attrition_fiscal_year,
       intent_measure, attrition_measure, n::BIGINT AS n,
       CASE WHEN n >= $min_n THEN pearson END AS pearson_r,
       CASE WHEN n >= $min_n AND abs(pearson) < 1 THEN tanh(atanh(pearson) - 1.96 / sqrt(n - 3)) END AS pearson_ci_low,
       CASE WHEN n >= $min_n AND abs(pearson) < 1 THEN tanh(atanh(pearson) + 1.96 / sqrt(n - 3)) END AS pearson_ci_high,
       CASE WHEN n >= $min_n THEN spearman END AS spearman_rho,
       CASE WHEN n >= $min_n AND abs(spearman) < 1 THEN tanh(atanh(spearman) - 1.96 / sqrt(n - 3)) END AS spearman_ci_low,
       CASE WHEN n >= $min_n AND abs(spearman) < 1 THEN tanh(atanh(spearman) + 1.96 / sqrt(n - 3)) END AS spearman_ci_high
FROM r
ORDER BY survey_year, intent_measure, attrition_measure
