-- Workforce health per fiscal year × organisation, from the validated monthly staging files.
-- Inputs: $employment_glob, $actions_glob (lists of staged monthly files), relation agencies (DTagy lookup).
-- Fiscal year: October-September (FY2024 = Oct 2023 .. Sep 2024). Annual rates use the average
-- on-board headcount over the fiscal year's monthly snapshots and are published only for complete
-- years (12 snapshots). Actions count in the fiscal year of their effective date.
WITH emp AS (
    SELECT *, (snapshot_yyyymm // 100 + CASE WHEN snapshot_yyyymm % 100 >= 10 THEN 1 ELSE 0 END)::SMALLINT AS fiscal_year
    FROM read_parquet($employment_glob)
),
heads AS (
    SELECT fiscal_year, org_level, agency_code, coalesce(agency_subelement_code, '') AS sub,
           count(DISTINCT snapshot_yyyymm)::SMALLINT                AS months_observed,
           avg(headcount)                                           AS avg_headcount,
           arg_max(headcount, snapshot_yyyymm)                      AS end_headcount,
           arg_max(supervisors, snapshot_yyyymm)                    AS supervisors,
           arg_max(non_supervisors, snapshot_yyyymm)                AS non_supervisors,
           arg_max(retirement_eligible_est, snapshot_yyyymm)        AS retirement_eligible_est,
           arg_max(median_los_years, snapshot_yyyymm)               AS median_los_years,
           max(snapshot_yyyymm)                                     AS last_snapshot_yyyymm,
           sum(suppressed_cells)                                    AS emp_suppressed
    FROM emp GROUP BY ALL
),
acts AS (
    SELECT (effective_yyyymm // 100 + CASE WHEN effective_yyyymm % 100 >= 10 THEN 1 ELSE 0 END)::SMALLINT AS fiscal_year,
           org_level, agency_code, coalesce(agency_subelement_code, '') AS sub,
           sum(actions) FILTER (WHERE action = 'separation')                          AS separations,
           sum(actions) FILTER (WHERE action = 'separation' AND category = 'quit')    AS quits,
           sum(actions) FILTER (WHERE action = 'separation' AND category = 'retirement') AS retirements,
           sum(actions) FILTER (WHERE action = 'separation' AND category = 'transfer_out') AS transfers_out,
           sum(first_year_actions) FILTER (WHERE action = 'separation')               AS first_year_separations,
           sum(actions) FILTER (WHERE action = 'accession' AND category = 'new_hire') AS new_hires,
           sum(actions) FILTER (WHERE action = 'accession' AND category = 'transfer_in') AS transfers_in,
           sum(suppressed_cells)                                                      AS act_suppressed
    FROM read_parquet($actions_glob) GROUP BY ALL
),
joined AS (
    SELECT h.*, coalesce(a.separations, 0) AS separations, coalesce(a.quits, 0) AS quits,
           coalesce(a.retirements, 0) AS retirements, coalesce(a.transfers_out, 0) AS transfers_out,
           coalesce(a.first_year_separations, 0) AS first_year_separations,
           coalesce(a.new_hires, 0) AS new_hires, coalesce(a.transfers_in, 0) AS transfers_in,
           h.emp_suppressed + coalesce(a.act_suppressed, 0) AS suppressed_cells,
           p.new_hires AS prior_year_new_hires, ph.months_observed AS prior_months
    FROM heads h
    LEFT JOIN acts a USING (fiscal_year, org_level, agency_code, sub)
    LEFT JOIN acts p ON p.fiscal_year = h.fiscal_year - 1 AND p.org_level = h.org_level
                    AND p.agency_code = h.agency_code AND p.sub = h.sub
    LEFT JOIN heads ph ON ph.fiscal_year = h.fiscal_year - 1 AND ph.org_level = h.org_level
                      AND ph.agency_code = h.agency_code AND ph.sub = h.sub
)
SELECT j.fiscal_year, j.org_level, j.agency_code, nullif(j.sub, '') AS agency_subelement_code,
       CASE WHEN j.org_level = 'government' THEN 'All agencies in the data' ELSE ag.agency_name END AS agency_name,
       sg.agency_subelement_name,
       j.org_level = 'government' OR (ag.agency_name IS NOT NULL AND (j.sub = '' OR sg.agency_subelement_name IS NOT NULL)) AS in_lookup,
       j.months_observed, j.last_snapshot_yyyymm::INTEGER AS last_snapshot_yyyymm,
       j.avg_headcount, j.end_headcount::BIGINT AS end_headcount,
       j.separations::BIGINT AS separations, j.quits::BIGINT AS quits, j.retirements::BIGINT AS retirements,
       j.transfers_out::BIGINT AS transfers_out, j.new_hires::BIGINT AS new_hires, j.transfers_in::BIGINT AS transfers_in,
       CASE WHEN j.months_observed = 12 AND j.avg_headcount > 0 THEN 100 * j.quits / j.avg_headcount END         AS quit_rate,
       CASE WHEN j.months_observed = 12 AND j.avg_headcount > 0 THEN 100 * j.separations / j.avg_headcount END   AS separation_rate,
       CASE WHEN j.months_observed = 12 AND j.avg_headcount > 0 THEN 100 * j.retirements / j.avg_headcount END   AS retirement_rate,
       CASE WHEN j.months_observed = 12 AND j.avg_headcount > 0 THEN 100 * j.transfers_out / j.avg_headcount END AS transfer_out_rate,
       CASE WHEN j.months_observed = 12 AND j.avg_headcount > 0 THEN 100 * j.new_hires / j.avg_headcount END     AS new_hire_rate,
       j.first_year_separations::BIGINT AS first_year_separations,
       CASE WHEN j.prior_months = 12 THEN j.prior_year_new_hires END::BIGINT AS prior_year_new_hires,
       CASE WHEN j.months_observed = 12 AND j.prior_months = 12 AND j.prior_year_new_hires > 0
            THEN 100 * j.first_year_separations / j.prior_year_new_hires END AS first_year_attrition_rate,
       j.supervisors::BIGINT AS supervisors, j.non_supervisors::BIGINT AS non_supervisors,
       CASE WHEN j.supervisors > 0 THEN j.non_supervisors / j.supervisors END AS supervisor_ratio,
       j.retirement_eligible_est::BIGINT AS retirement_eligible_est,
       CASE WHEN j.end_headcount > 0 THEN 100 * j.retirement_eligible_est / j.end_headcount END AS retirement_eligible_share_est,
       j.median_los_years,
       j.suppressed_cells::BIGINT AS suppressed_cells
FROM joined j
LEFT JOIN (SELECT DISTINCT agency_code, agency_name FROM agencies) ag ON ag.agency_code = j.agency_code
LEFT JOIN agencies sg ON sg.agency_subelement_code = j.sub
ORDER BY j.fiscal_year, j.org_level, j.agency_code, agency_subelement_code NULLS FIRST
