-- GSA Mission-Support Customer Satisfaction Survey per agency × fiscal year × function (1-7
-- scale), plus an `all` row weighted by respondents over the functions that are not suppressed. Inputs: $css_path, $min_n; cx_macros.sql.
-- score_100 rescales the mean to 0-100: (mean - 1) / 6 * 100. The 95 % interval uses the published
-- standard deviation when there is one, else the Bhatia-Davis bound for a 1-7 scale.
WITH c AS (
    SELECT *, CASE WHEN score_sd IS NOT NULL THEN 1.96 * score_sd / sqrt(respondents)
                   ELSE bound_half_width(mean_score, respondents, 1, 7) END AS half
    FROM read_parquet($css_path)
),
rows AS (
    SELECT fiscal_year, agency_code, function, mean_score, half, respondents FROM c
    UNION ALL
    SELECT fiscal_year, agency_code, 'all', sum(respondents * mean_score) / sum(respondents),
           sqrt(sum(respondents ^ 2 * half ^ 2)) / sum(respondents), sum(respondents)
    FROM c WHERE respondents >= $min_n  -- small cells stay out, so `all` cannot reveal them by subtraction
    GROUP BY fiscal_year, agency_code
)
SELECT fiscal_year::SMALLINT AS fiscal_year, agency_code, function,
       CASE WHEN respondents >= $min_n THEN mean_score END AS mean_score,
       CASE WHEN respondents >= $min_n THEN (mean_score - 1) / 6 * 100 END AS score_100,
       CASE WHEN respondents >= $min_n AND half IS NOT NULL THEN greatest(mean_score - half, 1) END AS ci_low,
       CASE WHEN respondents >= $min_n AND half IS NOT NULL THEN least(mean_score + half, 7) END AS ci_high,  -- least() skips nulls
       respondents::BIGINT AS respondents,
       respondents < $min_n AS suppressed
FROM rows
ORDER BY fiscal_year, agency_code, function
