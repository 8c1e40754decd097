-- Accession and separation rows, counted per file month × organisation × effective month × category
-- (every group is within one file month, so one query serves a range of months).
-- Inputs: $actions_path (one month's typed actions, or a list of them), relation codes(code_type, code, category).
-- A code missing from the reference keeps its rows under category 'unknown' (and a check reports it).
-- deferred_actions: the rows flagged drp_indicator = Y (FY2025 deferred resignation program).
WITH a AS (
    SELECT a.*, coalesce(c.category, 'unknown') AS category
    FROM read_parquet($actions_path) a
    LEFT JOIN codes c ON c.code_type = a.action AND c.code = a.category_code
)
SELECT file_yyyymm,
       effective_yyyymm,
       CASE WHEN grouping(agency_code) = 1 THEN 'government'
            WHEN grouping(agency_subelement_code) = 1 THEN 'agency' ELSE 'subelement' END AS org_level,
       CASE WHEN grouping(agency_code) = 1 THEN 'ALL' ELSE agency_code END AS agency_code,
       CASE WHEN grouping(agency_subelement_code) = 1 THEN NULL ELSE agency_subelement_code END AS agency_subelement_code,
       CASE WHEN grouping(agency_code) = 0 THEN max(agency_name) END AS agency_name,
       CASE WHEN grouping(agency_subelement_code) = 0 THEN max(agency_subelement_name) END AS agency_subelement_name,
       action, category,
       coalesce(sum(count), 0)::BIGINT                             AS actions,
       coalesce(sum(count) FILTER (WHERE deferred_resignation), 0)::BIGINT AS deferred_actions,
       coalesce(sum(count) FILTER (WHERE los_bracket = 'A'), 0)::BIGINT AS first_year_actions,
       (count(*) FILTER (WHERE count_suppressed))::BIGINT          AS suppressed_cells
FROM a
GROUP BY GROUPING SETS ((file_yyyymm, effective_yyyymm, action, category),
                        (file_yyyymm, effective_yyyymm, action, category, agency_code),
                        (file_yyyymm, effective_yyyymm, action, category, agency_code, agency_subelement_code))
