-- GSA Mission-Support Customer Satisfaction Survey per agency × fiscal year × function (1-7
-- scale), plus an `all` row. Inputs: $css_path, $min_n; cx_macros.sql.
-- score_100 rescales the mean to 0-100: (mean - 1) / 6 * 100. The 95 % interval uses the published
-- standard deviation when there is one, else the Bhatia-Davis bound for a 1-7 scale.
-- `all` (docs/methodology.md, "Internal CX, all functions"): the unweighted mean of the functions
-- GSA asked about that fiscal year (equal, fixed weights: a function rated by more staff does not
-- count more), null (suppressed) when the agency is missing any of them or any is suppressed. The
-- same employees rate several functions, so the functions are not independent: the half-width is
-- the mean of the functions' half-widths, the bound that holds whatever their correlation
-- (sd(Σ wᵢXᵢ) ≤ Σ wᵢ sd(Xᵢ)). The file counts respondents per function, not distinct people: `all`
-- has `ratings` (their sum) and a null `respondents`.
WITH c AS (
    SELECT *, CASE WHEN score_sd IS NOT NULL THEN 1.96 * score_sd / sqrt(respondents)
                   ELSE bound_half_width(mean_score, respondents, 1, 7) END AS half
    FROM read_parquet($css_path)
),
asked AS (SELECT fiscal_year, count(DISTINCT function) AS functions FROM c GROUP BY ALL),
rows AS (
    SELECT fiscal_year, agency_code, function, mean_score, half, respondents, respondents AS ratings, 1 AS functions,
           respondents < $min_n AS suppressed
    FROM c
    UNION ALL
    SELECT fiscal_year, agency_code, 'all', avg(mean_score), avg(half), NULL, sum(respondents), any_value(a.functions),
           count(DISTINCT function) FILTER (WHERE respondents >= $min_n) < any_value(a.functions)
    FROM c JOIN asked a USING (fiscal_year)
    GROUP BY fiscal_year, agency_code
)
SELECT fiscal_year::SMALLINT AS fiscal_year, agency_code, function,
       CASE WHEN NOT suppressed THEN mean_score END AS mean_score,
       CASE WHEN NOT suppressed THEN (mean_score - 1) / 6 * 100 END AS score_100,
       CASE WHEN NOT suppressed AND half IS NOT NULL THEN greatest(mean_score - half, 1) END AS ci_low,
       CASE WHEN NOT suppressed AND half IS NOT NULL THEN least(mean_score + half, 7) END AS ci_high,  -- least() skips nulls
       respondents::BIGINT AS respondents, ratings::BIGINT AS ratings, functions::INTEGER AS functions,
       suppressed
FROM rows
ORDER BY fiscal_year, agency_code, function
