-- dim_cx_service: one row per A-11 service as the facts name it (provider × service), with the provider's
-- name, department and bureau from the curated registry (a11_service_registry.csv: performance.gov's HISP
-- list and Touchpoints slugs). A row whose service is the provider itself covers the provider's services.
-- Relations (warehouse/star.py): registry, seen_services, dim_agency.
WITH reg AS (
    SELECT service_provider_id, any_value(service_provider_name) AS service_provider_name,
           any_value(department) AS department, any_value(nullif(bureau, '')) AS bureau
    FROM registry GROUP BY service_provider_id
)
SELECT s.service_key, s.service_provider_id, s.service_id,
       CASE WHEN s.service_id = s.service_provider_id
            THEN coalesce(r.service_provider_name, s.service_provider_id) || ' (all services)'
            ELSE s.service_id END AS service_name,
       coalesce(r.service_provider_name, s.service_provider_id) AS service_provider_name,
       r.department, r.bureau, coalesce(s.agency_code, 'UNK') AS agency_code, d.agency_name,
       r.service_provider_id IS NOT NULL AS in_registry
FROM (SELECT service_key, any_value(service_provider_id) AS service_provider_id, any_value(service_id) AS service_id,
             min(agency_code) AS agency_code FROM seen_services GROUP BY service_key) s
LEFT JOIN reg r USING (service_provider_id)
LEFT JOIN dim_agency d ON d.agency_code = coalesce(s.agency_code, 'UNK')
ORDER BY s.service_key
