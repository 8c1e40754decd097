-- dim_period: every period a fact uses (FEVS survey years, fiscal years, fiscal quarters) and the fiscal
-- years, quarters and months around them, with start and end dates. The federal fiscal year N runs from
-- 1 October of N-1 to 30 September of N; Q1 is October-December. A FEVS survey year's dates are its
-- fielding months from fevs_survey_years.csv (null where that file does not say).
-- Relations (warehouse/star.py): seen_periods (period_key), survey_years (fevs_survey_years.csv).
WITH fevs AS (
    SELECT survey_year, fiscal_year, fiscal_year_basis, fielded FROM survey_years
    WHERE 'FEVS' || survey_year IN (SELECT period_key FROM seen_periods)
),
fy AS (
    SELECT DISTINCT CAST(substr(period_key, 3, 4) AS INTEGER) AS fy FROM seen_periods WHERE period_key LIKE 'FY%'
    UNION SELECT fiscal_year FROM fevs
),
quarters AS (SELECT fy, q, make_date(fy - 1, 10, 1) + to_months(3 * (q - 1)) AS start_date FROM fy, range(1, 5) r(q)),
months AS (SELECT fy, q, start_date + to_months(m) AS start_date FROM quarters, range(0, 3) r(m))
SELECT 'FEVS' || survey_year AS period_key, 'fevs_survey_year' AS period_type, 'FEVS ' || survey_year AS label,
       survey_year::SMALLINT AS survey_year, fiscal_year::SMALLINT AS fiscal_year, 'FY' || fiscal_year AS fiscal_year_key,
       NULL::TINYINT AS fiscal_quarter,
       CASE WHEN fielded IS NOT NULL THEN strptime(split_part(fielded, '..', 1) || '-01', '%Y-%m-%d')::DATE END AS start_date,
       CASE WHEN fielded IS NOT NULL THEN last_day(strptime(split_part(fielded, '..', 2) || '-01', '%Y-%m-%d')::DATE) END AS end_date,
       fiscal_year_basis
FROM fevs
UNION ALL
SELECT 'FY' || fy, 'fiscal_year', 'FY' || fy, NULL, fy, 'FY' || fy, NULL,
       make_date(fy - 1, 10, 1), make_date(fy, 9, 30), NULL
FROM fy
UNION ALL
SELECT 'FY' || fy || 'Q' || q, 'fiscal_quarter', 'FY' || fy || ' Q' || q, NULL, fy, 'FY' || fy, q,
       start_date::DATE, (start_date + to_months(3) - INTERVAL 1 DAY)::DATE, NULL
FROM quarters
UNION ALL
SELECT strftime(start_date, '%Y-%m'), 'month', strftime(start_date, '%b %Y'), NULL, fy, 'FY' || fy, q,
       start_date::DATE, last_day(start_date::DATE), NULL
FROM months
ORDER BY fiscal_year, start_date NULLS FIRST, period_key
