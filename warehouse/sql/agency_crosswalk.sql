-- Every agency identifier seen in any source, mapped to the canonical agency (OPM code).
-- Relations: agencies (curated crosswalk), registry (A-11 services), and the published tables
-- ex_index_scores, workforce_metrics, workforce_agencies, cx_index_scores, internal_cx_scores.
WITH seen AS (
    SELECT 'opm_agency' AS identifier_source, agency_code AS identifier, agency_name AS identifier_name, agency_code FROM agencies
    UNION ALL
    SELECT DISTINCT 'fevs_agency', agency_code, NULL, agency_code FROM ex_index_scores WHERE org_level = 'agency'
    UNION ALL
    SELECT DISTINCT 'fevs_level1', level1_code, NULL, agency_code FROM ex_index_scores WHERE org_level = 'level1'
    UNION ALL
    SELECT DISTINCT 'workforce_agency', agency_code, NULL, agency_code FROM workforce_metrics WHERE org_level = 'agency'
    UNION ALL
    SELECT DISTINCT 'fedscope_subelement', agency_subelement_code, agency_subelement_name, agency_code FROM workforce_agencies
    UNION ALL
    SELECT DISTINCT 'fedscope_subelement', agency_subelement_code, NULL, agency_code FROM workforce_metrics
    WHERE org_level = 'subelement' AND agency_subelement_code NOT IN (SELECT agency_subelement_code FROM workforce_agencies)
    UNION ALL
    SELECT 'a11_service_provider', service_provider_id,
           concat_ws(' / ', department, nullif(bureau, ''), service_provider_name), nullif(agency_code, '')
    FROM (SELECT DISTINCT service_provider_id, department, bureau, service_provider_name, agency_code FROM registry)
    UNION ALL
    SELECT DISTINCT 'gsa_css', agency_code, NULL, agency_code FROM internal_cx_scores
)
SELECT s.identifier_source, s.identifier, any_value(s.identifier_name) AS identifier_name, s.agency_code,
       a.agency_code IS NOT NULL AS mapped,
       any_value(a.agency_name) AS agency_name, any_value(a.department_code) AS department_code,
       any_value(a.department_name) AS department_name, any_value(a.agency_kind) AS agency_kind,
       any_value(a.in_fevs) AS in_fevs, any_value(nullif(a.notes, '')) AS notes
FROM seen s
LEFT JOIN agencies a USING (agency_code)
GROUP BY s.identifier_source, s.identifier, s.agency_code, a.agency_code
ORDER BY s.identifier_source, s.identifier
