-- One month of workforce data, aggregated per organisation: the employment snapshot's headcount,
-- supervisory mix, estimated retirement eligibility and median length of service.
-- Inputs: $employment_path (typed snapshot), relation codes(code_type, code, category) from
-- warehouse/reference/workforce_codes.csv. Suppressed counts (null) are left out and counted.
WITH emp AS (
    SELECT e.*, coalesce(s.category, 'unknown') AS supervisory_category,
           -- estimated retirement eligibility from age and service brackets (docs/methodology.md):
           -- 65+ with 5+ years (age 62 + 5), 60-64 with 20+ (60 + 20), 55-59 with 30+ (MRA + 30)
           (e.age_bracket = 'K' AND e.los_bracket BETWEEN 'D' AND 'J')
           OR (e.age_bracket = 'J' AND e.los_bracket BETWEEN 'G' AND 'J')
           OR (e.age_bracket = 'I' AND e.los_bracket BETWEEN 'I' AND 'J') AS retirement_eligible
    FROM read_parquet($employment_path) e
    LEFT JOIN (SELECT code, category FROM codes WHERE code_type = 'supervisory') s
           ON s.code = e.supervisory_status_code
),
-- one row per employee for the median (rows carry counts, mostly 1)
los AS (
    SELECT agency_code, agency_subelement_code, los_years
    FROM emp, range(coalesce(count, 0)) AS r(i)
    WHERE los_years IS NOT NULL
),
medians AS (
    SELECT CASE WHEN grouping(agency_code) = 1 THEN 'government'
                WHEN grouping(agency_subelement_code) = 1 THEN 'agency' ELSE 'subelement' END AS org_level,
           CASE WHEN grouping(agency_code) = 1 THEN 'ALL' ELSE agency_code END AS agency,
           CASE WHEN grouping(agency_subelement_code) = 1 THEN '' ELSE agency_subelement_code END AS subelement,
           quantile_cont(los_years, 0.5) AS median_los_years
    FROM los
    GROUP BY GROUPING SETS ((), (agency_code), (agency_code, agency_subelement_code))
),
totals AS (
    SELECT CASE WHEN grouping(agency_code) = 1 THEN 'government'
                WHEN grouping(agency_subelement_code) = 1 THEN 'agency' ELSE 'subelement' END AS org_level,
           CASE WHEN grouping(agency_code) = 1 THEN 'ALL' ELSE agency_code END AS agency,
           CASE WHEN grouping(agency_subelement_code) = 1 THEN '' ELSE agency_subelement_code END AS subelement,
           any_value(snapshot_yyyymm)                                           AS snapshot_yyyymm,
           coalesce(sum(count), 0)                                               AS headcount,
           coalesce(sum(count) FILTER (WHERE supervisory_category = 'supervisor'), 0)     AS supervisors,
           coalesce(sum(count) FILTER (WHERE supervisory_category = 'non_supervisor'), 0) AS non_supervisors,
           coalesce(sum(count) FILTER (WHERE retirement_eligible), 0)            AS retirement_eligible_est,
           count(*) FILTER (WHERE count_suppressed)                              AS suppressed_cells
    FROM emp
    GROUP BY GROUPING SETS ((), (agency_code), (agency_code, agency_subelement_code))
)
SELECT t.snapshot_yyyymm, t.org_level, t.agency AS agency_code, nullif(t.subelement, '') AS agency_subelement_code,
       t.headcount::BIGINT AS headcount, t.supervisors::BIGINT AS supervisors,
       t.non_supervisors::BIGINT AS non_supervisors, t.retirement_eligible_est::BIGINT AS retirement_eligible_est,
       m.median_los_years, t.suppressed_cells::BIGINT AS suppressed_cells
FROM totals t
LEFT JOIN medians m USING (org_level, agency, subelement)
ORDER BY org_level, agency_code, agency_subelement_code NULLS FIRST
