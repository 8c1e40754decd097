-- dim_level1: FEVS sub-agencies (LEVEL1) per survey year, named from OPM's PRDF codebooks where we hold
-- one (warehouse/reference/fevs_level1.csv), plus every level1_key a fact uses; `ALL` is the whole agency.
-- Relations (warehouse/star.py): level1_names, seen_level1, dim_agency.
WITH keys AS (
    SELECT level1_key, survey_year, agency_code, level1_code FROM seen_level1
    UNION
    SELECT 'FEVS' || survey_year || '/' || agency_code || '/' || level1_code, survey_year, agency_code, level1_code
    FROM level1_names
)
SELECT k.level1_key, 'FEVS' || k.survey_year AS period_key, k.survey_year::SMALLINT AS survey_year,
       k.agency_code, coalesce(d.agency_name, k.agency_code) AS agency_name, k.level1_code,
       CASE WHEN k.agency_code = 'ALL' THEN 'Governmentwide'
            WHEN k.level1_code = 'ALL' THEN coalesce(d.agency_name, k.agency_code) || ' (whole agency)'
            ELSE coalesce(n.level1_name, coalesce(d.agency_name, k.agency_code) || ': LEVEL1 ' || k.level1_code) END AS level1_name,
       CASE WHEN k.level1_code = 'ALL' THEN 'whole_agency'
            WHEN n.level1_name IS NOT NULL THEN 'codebook'
            ELSE 'no_codebook_name' END AS name_status,
       n.source AS name_source
FROM keys k
LEFT JOIN level1_names n ON n.survey_year = k.survey_year AND n.level1_code = k.level1_code
LEFT JOIN dim_agency d ON d.agency_code = k.agency_code
ORDER BY k.survey_year, k.agency_code, k.level1_code
