-- dim_agency: one row per agency code any published fact uses, and every agency of the curated crosswalk.
-- Relations (warehouse/star.py): agencies (agency_crosswalk.csv), short_names (agency_short_names.csv),
-- seen_agencies (agency_code, agency_name of every fact), scorecard (year, agency_code, size_group).
WITH codes AS (
    SELECT agency_code FROM agencies
    UNION SELECT agency_code FROM seen_agencies
    UNION SELECT 'ALL' UNION SELECT 'UNK'
),
sizes AS (
    SELECT agency_code,
           arg_max(size_group, "year") FILTER (WHERE size_group <> 'unknown') AS size_group,
           max("year") FILTER (WHERE size_group <> 'unknown') AS size_group_fiscal_year,
           string_agg("year" || ': ' || size_group, '; ' ORDER BY "year") AS size_groups_by_year
    FROM scorecard GROUP BY agency_code
)
SELECT c.agency_code,
       coalesce(a.agency_name, CASE c.agency_code WHEN 'ALL' THEN 'All agencies (governmentwide)'
                                                  WHEN 'UNK' THEN 'Agency not identified' END,
                (SELECT min(s.agency_name) FROM seen_agencies s WHERE s.agency_code = c.agency_code),
                'Agency ' || c.agency_code || ' (not in the crosswalk)') AS agency_name,
       coalesce(n.short_name, CASE c.agency_code WHEN 'ALL' THEN 'Governmentwide' WHEN 'UNK' THEN 'Unknown' END,
                c.agency_code) AS short_name,
       coalesce(a.department_code, c.agency_code) AS department_code,
       coalesce(a.department_name, CASE c.agency_code WHEN 'ALL' THEN 'All agencies (governmentwide)'
                                                      WHEN 'UNK' THEN 'Agency not identified' END) AS department_name,
       CASE WHEN c.agency_code = 'ALL' THEN 'governmentwide'
            WHEN c.agency_code = 'UNK' THEN 'unmapped'
            WHEN a.agency_code IS NULL THEN 'not_in_crosswalk'
            WHEN a.agency_kind = 'pooled' THEN 'pooled'
            WHEN NOT a.in_fevs THEN 'not_in_fevs'
            ELSE 'agency' END AS kind,
       a.agency_kind,
       a.in_fevs,
       a.agency_code IS NOT NULL AS in_crosswalk,
       s.size_group, s.size_group_fiscal_year::SMALLINT AS size_group_fiscal_year, s.size_groups_by_year
FROM codes c
LEFT JOIN agencies a USING (agency_code)
LEFT JOIN short_names n USING (agency_code)
LEFT JOIN sizes s USING (agency_code)
ORDER BY c.agency_code
