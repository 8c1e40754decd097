-- Workforce data per month, aggregated per organisation: the employment snapshot's headcount,
-- supervisory mix (OPM's DTsuper grouping), retirement eligibility and median length of service.
-- Every group is within one snapshot month, so one query serves a range of months.
-- Inputs: $employment_path (one typed snapshot, or a list of them), relation codes(code_type, code, category) from
-- warehouse/reference/workforce_codes.csv. Suppressed counts (null) are left out and counted.
-- An empty snapshot (a month covered only by an action cube) gives no rows.
WITH emp AS (
    SELECT e.*, coalesce(s.category, 'unknown') AS supervisory_category,
           CASE WHEN e.service_years_scd IS NOT NULL THEN
               -- service from service_computation_date_leave (FWD), age from the bracket's lower bound
               -- (55-59 counts as the minimum retirement age, as in the bracket rule): 62 + 5, 60 + 20,
               -- MRA + 30, and 50 + 20 for law enforcement, firefighter and air traffic control occupations
               (e.age_bracket = 'K' AND e.service_years_scd >= 5)
               OR (e.age_bracket >= 'J' AND e.age_bracket <= 'K' AND e.service_years_scd >= 20)
               OR (e.age_bracket = 'I' AND e.service_years_scd >= 30)
               OR (o.code IS NOT NULL AND e.age_bracket BETWEEN 'H' AND 'K' AND e.service_years_scd >= 20)
           ELSE
               -- ESTIMATE from age and service brackets (FedScope, or no usable SCD):
               -- 65+ with 5+ years (age 62 + 5), 60-64 with 20+ (60 + 20), 55-59 with 30+ (MRA + 30)
               (e.age_bracket = 'K' AND e.los_bracket BETWEEN 'D' AND 'J')
               OR (e.age_bracket = 'J' AND e.los_bracket BETWEEN 'G' AND 'J')
               OR (e.age_bracket = 'I' AND e.los_bracket BETWEEN 'I' AND 'J')
           END AS retirement_eligible
    FROM read_parquet($employment_path) e
    LEFT JOIN (SELECT code, category FROM codes WHERE code_type = 'supervisory') s
           ON s.code = e.supervisory_status_code
    LEFT JOIN (SELECT code FROM codes WHERE code_type = 'special_retirement_occupation') o
           ON o.code = e.occupational_series_code
),
-- each organisation's employees per length of service (rows carry counts, mostly 1)
los AS (
    SELECT CASE WHEN grouping(agency_code) = 1 THEN 'government'
                WHEN grouping(agency_subelement_code) = 1 THEN 'agency' ELSE 'subelement' END AS org_level,
           CASE WHEN grouping(agency_code) = 1 THEN 'ALL' ELSE agency_code END AS agency,
           CASE WHEN grouping(agency_subelement_code) = 1 THEN '' ELSE agency_subelement_code END AS subelement,
           snapshot_yyyymm, los_years, sum(count) AS n
    FROM emp
    WHERE los_years IS NOT NULL AND count > 0
    GROUP BY GROUPING SETS ((snapshot_yyyymm, los_years), (snapshot_yyyymm, agency_code, los_years),
                           (snapshot_yyyymm, agency_code, agency_subelement_code, los_years))
),
ranked AS (
    SELECT *, sum(n) OVER (PARTITION BY org_level, agency, subelement, snapshot_yyyymm ORDER BY los_years
                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
           sum(n) OVER (PARTITION BY org_level, agency, subelement, snapshot_yyyymm) AS total
    FROM los
),
-- the median of N employees' service as quantile_cont(0.5) takes it: the values at 0-based positions
-- (N - 1) // 2 and N // 2 of the sorted list (the first value whose running count passes the position;
-- one value when N is odd), the first plus half the difference (docs/methodology.md)
ends AS (
    SELECT org_level, agency, subelement, snapshot_yyyymm,
           min(los_years) FILTER (WHERE upto > (total - 1) // 2) AS lo,
           min(los_years) FILTER (WHERE upto > total // 2) AS hi
    FROM ranked
    GROUP BY ALL
),
medians AS (
    SELECT org_level, agency, subelement, snapshot_yyyymm, lo + (hi - lo) * 0.5 AS median_los_years
    FROM ends
),
totals AS (
    SELECT CASE WHEN grouping(agency_code) = 1 THEN 'government'
                WHEN grouping(agency_subelement_code) = 1 THEN 'agency' ELSE 'subelement' END AS org_level,
           CASE WHEN grouping(agency_code) = 1 THEN 'ALL' ELSE agency_code END AS agency,
           CASE WHEN grouping(agency_subelement_code) = 1 THEN '' ELSE agency_subelement_code END AS subelement,
           snapshot_yyyymm,
           CASE WHEN grouping(agency_code) = 0 THEN max(agency_name) END        AS agency_name,
           CASE WHEN grouping(agency_subelement_code) = 0 THEN max(agency_subelement_name) END AS agency_subelement_name,
           coalesce(sum(count), 0)                                               AS headcount,
           -- on board with under one year of service (OPM LOS bracket A): first-year attrition's population at risk
           coalesce(sum(count) FILTER (WHERE los_bracket = 'A'), 0)              AS first_year_headcount,
           coalesce(sum(count) FILTER (WHERE supervisory_category = 'supervisor'), 0)     AS supervisors,
           coalesce(sum(count) FILTER (WHERE supervisory_category = 'leader'), 0)         AS leaders,
           coalesce(sum(count) FILTER (WHERE supervisory_category = 'non_supervisor'), 0) AS non_supervisors,
           coalesce(sum(count) FILTER (WHERE retirement_eligible), 0)            AS retirement_eligible_est,
           bool_or(service_years_scd IS NOT NULL)                                AS eligibility_from_scd,
           count(*) FILTER (WHERE count_suppressed)                              AS suppressed_cells
    FROM emp
    GROUP BY GROUPING SETS ((snapshot_yyyymm), (snapshot_yyyymm, agency_code),
                           (snapshot_yyyymm, agency_code, agency_subelement_code))
    HAVING count(*) > 0
)
SELECT t.snapshot_yyyymm, t.org_level, t.agency AS agency_code, nullif(t.subelement, '') AS agency_subelement_code,
       t.agency_name, t.agency_subelement_name,
       t.headcount::BIGINT AS headcount, t.first_year_headcount::BIGINT AS first_year_headcount, t.supervisors::BIGINT AS supervisors, t.leaders::BIGINT AS leaders,
       t.non_supervisors::BIGINT AS non_supervisors, t.retirement_eligible_est::BIGINT AS retirement_eligible_est,
       t.eligibility_from_scd, m.median_los_years, t.suppressed_cells::BIGINT AS suppressed_cells
FROM totals t
LEFT JOIN medians m USING (snapshot_yyyymm, org_level, agency, subelement)
ORDER BY t.snapshot_yyyymm, org_level, agency_code, agency_subelement_code NULLS FIRST
