-- The agency × year panel behind the factor screen and the focus areas: one row per fiscal year ×
-- agency × variable (candidate, outcome or focus-area indicator), long. Relations registered by the
-- asset: fevs_item_scores, ex_index_scores, fevs_intent_to_leave, workforce_metrics,
-- internal_cx_scores, cx_service_scores, agency_scorecard (published tables), item_keys
-- (fevs_item_keys.csv), fevs_years (fevs_survey_years.csv), agencies (curated crosswalk).
-- Years are fiscal years, as in agency_scorecard: each FEVS survey pairs with the fiscal year it was
-- fielded in, the later survey when two fall in one fiscal year. Agency level only; OPM's pooled
-- `XX` group is no agency. Suppressed cells are absent, never zero.
-- FEVS items enter through their declared cross-year key (item_keys), never by Q number; an item
-- without a key is its own candidate `fevs_item:<survey year>.<item>`, screened in its year only.
-- `basis` (`era|scale|parts`) says what a value is made of: two years of a variable are like for like
-- only when their bases match (A-11 era and scale for trust and the A-11 indicators; era, trust scale
-- and components for the CX index; the functions averaged for internal CX); empty for the rest.
WITH fevs_pick AS (
    SELECT y.fiscal_year AS year, max(y.survey_year) AS survey_year
    FROM fevs_years y WHERE y.survey_year IN (SELECT survey_year FROM ex_index_scores)
    GROUP BY ALL
),
ranked_agencies AS (SELECT agency_code FROM agencies WHERE agency_kind <> 'pooled'),
long AS (
    SELECT p.year, s.agency_code, 'fevs_item:' || coalesce(k.item_key, s.survey_year::VARCHAR || '.' || s.item) AS variable,
           'fevs_item' AS kind,
           coalesce(k.label, 'FEVS ' || s.survey_year::VARCHAR || ' ' || s.item || ' (no cross-year key declared)')
               || CASE WHEN s.polarity = 'negative' THEN ' [negatively worded: % disagreeing]' ELSE '' END AS label,
           s.pct_positive AS value, 'candidate' AS role, '' AS basis
    FROM fevs_item_scores s
    JOIN fevs_pick p ON p.survey_year = s.survey_year
    LEFT JOIN item_keys k ON k.survey_year = s.survey_year AND k.item = s.item
    WHERE s.org_level = 'agency' AND NOT s.suppressed AND s.pct_positive IS NOT NULL
    UNION ALL
    SELECT p.year, e.agency_code, 'fevs_index:' || e.index_code, 'fevs_index', e.index_name, e.score, 'candidate', ''
    FROM ex_index_scores e JOIN fevs_pick p ON p.survey_year = e.survey_year
    WHERE e.org_level = 'agency' AND NOT e.suppressed AND e.score IS NOT NULL
    UNION ALL
    SELECT p.year, l.agency_code, 'fevs_intent_to_leave', 'intent_to_leave',
           'Considering leaving within the year, any reason (% of FEVS respondents)', l.pct_any, 'candidate', ''
    FROM fevs_intent_to_leave l JOIN fevs_pick p ON p.survey_year = l.survey_year
    WHERE l.org_level = 'agency' AND NOT l.suppressed AND l.pct_any IS NOT NULL
    UNION ALL
    SELECT w.fiscal_year, w.agency_code, 'workforce:' || m.metric, 'workforce', m.label, m.value, 'candidate', ''
    FROM workforce_metrics w
    CROSS JOIN LATERAL (VALUES
        ('quit_rate', 'Quit rate (quits per 100 on board)', w.quit_rate),
        ('separation_rate', 'Separation rate (all separations per 100 on board)', w.separation_rate),
        ('retirement_rate', 'Retirement rate (per 100 on board)', w.retirement_rate),
        ('transfer_out_rate', 'Transfer-out rate (per 100 on board)', w.transfer_out_rate),
        ('new_hire_rate', 'New-hire rate (per 100 on board)', w.new_hire_rate),
        ('first_year_attrition_rate', 'First-year attrition (quits and removals per 100 on board under a year)', w.first_year_attrition_rate),
        ('supervisor_ratio', 'Employees per supervisor (OPM DTsuper groups)', w.supervisor_ratio),
        ('retirement_eligible_share_est', 'Share eligible to retire now (%, estimate)', w.retirement_eligible_share_est),
        ('median_los_years', 'Median length of service (years)', w.median_los_years)) AS m(metric, label, value)
    WHERE w.org_level = 'agency' AND m.value IS NOT NULL
    UNION ALL
    SELECT fiscal_year, agency_code, CASE WHEN function = 'all' THEN 'internal_cx' ELSE 'internal_cx_' || function END,
           'internal_cx',
           'Internal CX (GSA CSS, 0-100): ' || CASE function WHEN 'all' THEN 'all functions' WHEN 'hr' THEN 'human resources'
               WHEN 'it' THEN 'IT' ELSE replace(function, '_', ' ') END,
           score_100, 'outcome', '||' || functions::VARCHAR || ' functions'
    FROM internal_cx_scores WHERE NOT suppressed AND score_100 IS NOT NULL
    UNION ALL
    SELECT year, agency_code, o.variable, 'public_cx', o.label, o.value, 'outcome', o.basis
    FROM agency_scorecard
    CROSS JOIN LATERAL (VALUES
        ('cx_index', 'Public CX index (A-11, z across agencies)', cx_index,
         cx_era || '|' || coalesce(cx_trust_scale, '') || '|' || coalesce(cx_component_set, '')),
        ('cx_trust', CASE WHEN cx_era = 'a11_v1' THEN 'Public trust (A-11 era 1: 1-5 mean rescaled to 0-100)'
                          ELSE 'Public trust (A-11 era 2: % favourable, ' || replace(cx_trust_scale, '_', ' ') || ')' END,
         cx_trust, cx_era || '|' || coalesce(cx_trust_scale, '') || '|')) AS o(variable, label, value, basis)
    WHERE o.value IS NOT NULL
    UNION ALL
    -- A-11 employee helpfulness and humanity, in the fiscal year's headline era only
    SELECT c.fiscal_year, c.agency_code, 'a11:' || c.driver, 'a11',
           CASE WHEN c.driver = 'humanity' THEN 'A-11 humanity (% naming it as went well, era 2)'
                WHEN any_value(c.era) = 'a11_v1' THEN 'A-11 helpful employees (era 1: 1-5 mean rescaled to 0-100)'
                ELSE 'A-11 helpful employees (era 2: % naming it as went well)' END,
           CASE WHEN any_value(c.era) = 'a11_v1'
                THEN sum(c.responses * (c.mean_score - 1) / 4 * 100) FILTER (WHERE c.mean_score IS NOT NULL)
                     / nullif(sum(c.responses) FILTER (WHERE c.mean_score IS NOT NULL), 0)
                ELSE sum(c.positive_shown * c.pct_positive_mention) FILTER (WHERE c.pct_positive_mention IS NOT NULL)
                     / nullif(sum(c.positive_shown) FILTER (WHERE c.pct_positive_mention IS NOT NULL), 0) END,
           'indicator', any_value(c.era) || '||'
    FROM cx_service_scores c
    JOIN (SELECT DISTINCT year, cx_era FROM agency_scorecard WHERE cx_era IS NOT NULL) e
      ON e.year = c.fiscal_year AND e.cx_era = c.era
    WHERE c.driver IN ('employee', 'humanity') AND NOT c.suppressed AND c.agency_code IS NOT NULL
    GROUP BY c.fiscal_year, c.agency_code, c.driver
)
SELECT year::SMALLINT AS year, agency_code, variable, kind, label, value::DOUBLE AS value, role, basis
FROM long
WHERE agency_code IN (SELECT agency_code FROM ranked_agencies) AND value IS NOT NULL AND isfinite(value)
ORDER BY year, agency_code, variable
