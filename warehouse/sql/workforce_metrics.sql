-- Workforce health per fiscal year × organisation, from the validated monthly staging files.
-- Inputs: $employment_glob, $actions_glob (lists of staged monthly files), relation agencies (DTagy lookup,
-- possibly empty: Federal Workforce Data ships no DTagy, its files carry the names).
-- Fiscal year: October-September (FY2024 = Oct 2023 .. Sep 2024). Headcount is the average over the
-- fiscal year's snapshots present: 12 monthly (Federal Workforce Data) or the 4 quarter ends (FedScope
-- employment cubes are quarterly); headcount_basis says which. Annual rates are published only for a
-- year with all 12 monthly snapshots or all 4 quarter-end ones. Actions count in the fiscal year of
-- their effective date; a year with actions but no snapshot still publishes its counts (rates null).
-- First-year attrition (docs/methodology.md): quits (SC) and removals (SI) of employees with under one
-- year of service, per 100 of the average on board with under one year of service over the year's
-- snapshots (the population at risk, `first_year_at_risk`); transfers out, expired appointments,
-- retirements and deaths are not attrition. Null below $first_year_min_at_risk people at risk.
WITH emp AS (
    SELECT *, (snapshot_yyyymm // 100 + CASE WHEN snapshot_yyyymm % 100 >= 10 THEN 1 ELSE 0 END)::SMALLINT AS fiscal_year
    FROM read_parquet($employment_glob, union_by_name = true)
),
heads AS (
    SELECT fiscal_year, org_level, agency_code, coalesce(agency_subelement_code, '') AS sub,
           count(DISTINCT snapshot_yyyymm)::SMALLINT                AS months_observed,
           count(DISTINCT snapshot_yyyymm) FILTER (WHERE snapshot_yyyymm % 100 IN (3, 6, 9, 12))::SMALLINT AS quarter_ends,
           avg(headcount)                                           AS avg_headcount,
           avg(first_year_headcount)                                AS first_year_at_risk,
           arg_max(headcount, snapshot_yyyymm)                      AS end_headcount,
           arg_max(supervisors, snapshot_yyyymm)                    AS supervisors,
           arg_max(leaders, snapshot_yyyymm)                        AS leaders,
           arg_max(non_supervisors, snapshot_yyyymm)                AS non_supervisors,
           arg_max(retirement_eligible_est, snapshot_yyyymm)        AS retirement_eligible_est,
           arg_max(eligibility_from_scd, snapshot_yyyymm)           AS eligibility_from_scd,
           arg_max(median_los_years, snapshot_yyyymm)               AS median_los_years,
           max(snapshot_yyyymm)                                     AS last_snapshot_yyyymm,
           max(agency_name) AS file_agency_name, max(agency_subelement_name) AS file_subelement_name,
           sum(suppressed_cells)                                    AS emp_suppressed
    FROM emp GROUP BY ALL
),
acts AS (
    SELECT (effective_yyyymm // 100 + CASE WHEN effective_yyyymm % 100 >= 10 THEN 1 ELSE 0 END)::SMALLINT AS fiscal_year,
           org_level, agency_code, coalesce(agency_subelement_code, '') AS sub,
           sum(actions) FILTER (WHERE action = 'separation')                          AS separations,
           -- deferred resignations (drp_indicator = Y) are reported on their own, never as quits
           sum(actions - deferred_actions) FILTER (WHERE action = 'separation' AND category = 'quit') AS quits,
           sum(deferred_actions) FILTER (WHERE action = 'separation')                 AS deferred_resignations,
           sum(actions) FILTER (WHERE action = 'separation' AND category = 'retirement') AS retirements,
           sum(actions) FILTER (WHERE action = 'separation' AND category = 'transfer_out') AS transfers_out,
           sum(actions) FILTER (WHERE action = 'separation' AND category = 'termination') AS terminations,
           sum(first_year_actions) FILTER (WHERE action = 'separation')               AS first_year_separations,
           sum(first_year_actions) FILTER (WHERE action = 'separation' AND category IN ('quit', 'termination'))
                                                                                      AS first_year_quits_removals,
           sum(actions) FILTER (WHERE action = 'accession' AND category = 'new_hire') AS new_hires,
           sum(actions) FILTER (WHERE action = 'accession' AND category = 'transfer_in') AS transfers_in,
           max(agency_name) AS file_agency_name, max(agency_subelement_name) AS file_subelement_name,
           sum(suppressed_cells)                                                      AS act_suppressed
    FROM read_parquet($actions_glob, union_by_name = true) GROUP BY ALL
),
years AS (
    SELECT fiscal_year, org_level, agency_code, sub FROM heads
    UNION SELECT fiscal_year, org_level, agency_code, sub FROM acts
),
joined AS (
    SELECT y.fiscal_year, y.org_level, y.agency_code, y.sub,
           coalesce(h.months_observed, 0)::SMALLINT AS months_observed, coalesce(h.quarter_ends, 0) AS quarter_ends,
           h.avg_headcount, h.end_headcount, h.supervisors, h.leaders, h.non_supervisors, h.retirement_eligible_est,
           h.eligibility_from_scd, h.median_los_years, h.last_snapshot_yyyymm,
           coalesce(h.file_agency_name, a.file_agency_name) AS file_agency_name,
           coalesce(h.file_subelement_name, a.file_subelement_name) AS file_subelement_name,
           coalesce(a.separations, 0) AS separations, coalesce(a.quits, 0) AS quits,
           coalesce(a.deferred_resignations, 0) AS deferred_resignations,
           coalesce(a.retirements, 0) AS retirements, coalesce(a.transfers_out, 0) AS transfers_out,
           coalesce(a.terminations, 0) AS terminations,
           coalesce(a.first_year_separations, 0) AS first_year_separations,
           coalesce(a.first_year_quits_removals, 0) AS first_year_quits_removals, h.first_year_at_risk,
           coalesce(a.new_hires, 0) AS new_hires, coalesce(a.transfers_in, 0) AS transfers_in,
           coalesce(h.emp_suppressed, 0) + coalesce(a.act_suppressed, 0) AS suppressed_cells,
           p.new_hires AS prior_year_new_hires,
           ph.months_observed = 12 OR (ph.months_observed = 4 AND ph.quarter_ends = 4) AS prior_complete
    FROM years y
    LEFT JOIN heads h USING (fiscal_year, org_level, agency_code, sub)
    LEFT JOIN acts a USING (fiscal_year, org_level, agency_code, sub)
    LEFT JOIN acts p ON p.fiscal_year = y.fiscal_year - 1 AND p.org_level = y.org_level
                    AND p.agency_code = y.agency_code AND p.sub = y.sub
    LEFT JOIN heads ph ON ph.fiscal_year = y.fiscal_year - 1 AND ph.org_level = y.org_level
                      AND ph.agency_code = y.agency_code AND ph.sub = y.sub
),
rated AS (
    SELECT *,
           CASE WHEN months_observed = 12 THEN 'monthly snapshots'
                WHEN months_observed = 4 AND quarter_ends = 4 THEN 'quarterly snapshots'
                WHEN months_observed > 0 THEN 'partial year' END AS headcount_basis,
           (months_observed = 12 OR (months_observed = 4 AND quarter_ends = 4)) AND avg_headcount > 0 AS complete
    FROM joined
)
SELECT j.fiscal_year, j.org_level, j.agency_code, nullif(j.sub, '') AS agency_subelement_code,
       CASE WHEN j.org_level = 'government' THEN 'All agencies in the data'
            ELSE coalesce(ag.agency_name, j.file_agency_name) END AS agency_name,
       CASE WHEN j.sub <> '' THEN coalesce(sg.agency_subelement_name, j.file_subelement_name) END AS agency_subelement_name,
       j.org_level = 'government' OR (ag.agency_name IS NOT NULL AND (j.sub = '' OR sg.agency_subelement_name IS NOT NULL)) AS in_lookup,
       j.months_observed, j.headcount_basis, j.last_snapshot_yyyymm::INTEGER AS last_snapshot_yyyymm,
       j.avg_headcount, j.end_headcount::BIGINT AS end_headcount,
       j.separations::BIGINT AS separations, j.quits::BIGINT AS quits,
       j.deferred_resignations::BIGINT AS deferred_resignations, j.retirements::BIGINT AS retirements,
       j.transfers_out::BIGINT AS transfers_out, j.terminations::BIGINT AS terminations,
       j.new_hires::BIGINT AS new_hires, j.transfers_in::BIGINT AS transfers_in,
       CASE WHEN j.complete THEN 100 * j.quits / j.avg_headcount END         AS quit_rate,
       CASE WHEN j.complete THEN 100 * j.separations / j.avg_headcount END   AS separation_rate,
       CASE WHEN j.complete THEN 100 * j.retirements / j.avg_headcount END   AS retirement_rate,
       CASE WHEN j.complete THEN 100 * j.transfers_out / j.avg_headcount END AS transfer_out_rate,
       CASE WHEN j.complete THEN 100 * j.new_hires / j.avg_headcount END     AS new_hire_rate,
       j.first_year_separations::BIGINT AS first_year_separations,
       CASE WHEN j.prior_complete THEN j.prior_year_new_hires END::BIGINT AS prior_year_new_hires,
       j.first_year_quits_removals::BIGINT AS first_year_quits_removals,
       CASE WHEN j.complete THEN j.first_year_at_risk END AS first_year_at_risk,
       CASE WHEN j.complete AND j.first_year_at_risk >= $first_year_min_at_risk
            THEN 100 * j.first_year_quits_removals / j.first_year_at_risk END AS first_year_attrition_rate,
       j.supervisors::BIGINT AS supervisors, j.leaders::BIGINT AS leaders, j.non_supervisors::BIGINT AS non_supervisors,
       CASE WHEN j.supervisors > 0 THEN (j.non_supervisors + j.leaders) / j.supervisors END AS supervisor_ratio,
       j.retirement_eligible_est::BIGINT AS retirement_eligible_est,
       CASE WHEN j.end_headcount > 0 THEN 100 * j.retirement_eligible_est / j.end_headcount END AS retirement_eligible_share_est,
       CASE WHEN j.eligibility_from_scd THEN 'service computation date'
            WHEN j.months_observed > 0 THEN 'age and service brackets (estimate)' END AS retirement_eligibility_basis,
       j.median_los_years,
       j.suppressed_cells::BIGINT AS suppressed_cells
FROM rated j
LEFT JOIN (SELECT DISTINCT agency_code, agency_name FROM agencies) ag ON ag.agency_code = j.agency_code
LEFT JOIN agencies sg ON sg.agency_subelement_code = j.sub
ORDER BY j.fiscal_year, j.org_level, j.agency_code, agency_subelement_code NULLS FIRST
