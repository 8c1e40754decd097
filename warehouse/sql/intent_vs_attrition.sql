-- Whether intent to leave comes true: per agency and FEVS survey year, the weighted shares intending to
-- leave (fevs_intent_to_leave, decoded with the year's own codes) beside the same agency's quit,
-- transfer-out and separation rates (workforce_metrics, org_level agency) in the fiscal year that follows
-- the survey's fiscal year (fevs_survey_years.csv: 2020, fielded across FY2020-2021, pairs with FY2022).
-- Relations: intent (fevs_intent_to_leave), workforce (workforce_metrics), years (survey_year, fiscal_year).
-- Only agencies: `XX` (OPM's pool of small agencies) is not one; suppressed intent cells are left out.
SELECT i.survey_year::SMALLINT                   AS survey_year,
       (y.fiscal_year + 1)::SMALLINT             AS attrition_fiscal_year,
       i.agency_code,
       i.question,
       i.respondents,
       i.pct_any                                 AS pct_intent_any,
       i.pct_within_government                   AS pct_intent_within_government,
       i.pct_outside_government                  AS pct_intent_outside_government,
       i.pct_other                               AS pct_intent_other,
       w.avg_headcount,
       w.quit_rate, w.transfer_out_rate, w.separation_rate
FROM intent i
JOIN years y ON y.survey_year = i.survey_year
LEFT JOIN workforce w ON w.org_level = 'agency' AND w.agency_code = i.agency_code AND w.fiscal_year = y.fiscal_year + 1
WHERE i.org_level = 'agency' AND i.agency_code <> 'XX' AND NOT i.suppressed
ORDER BY i.survey_year, i.agency_code
