-- One row per agency × year: EX, CX and internal CX composite indices with their components,
-- contributions, ranks, deltas and coverage. Relations registered by the asset: ex_index_scores,
-- workforce_metrics, cx_index_scores, internal_cx_scores (published tables), agencies (curated
-- crosswalk), weights (composite_weights.csv), fevs_years (fevs_survey_years.csv: survey_year,
-- fiscal_year, fiscal_year_basis); parameters $min_coverage, $min_peers.
-- Year alignment is data: each FEVS survey year pairs with the fiscal year it was fielded in
-- (2021 was fielded Nov-Dec 2021, fiscal 2022; 2020 straddled fiscal 2020 and 2021 and is paired
-- with 2021, basis `straddled`). When two surveys fall in one fiscal year (2021 and 2022 both in
-- FY2022) the later survey is used; the row names the survey year it took. Normalization: z-score across the agencies of the same year (ranked
-- agencies only: not the pooled XX group), multiplied by the component's direction so that higher
-- is always better. CX components come from cx_index_scores' `headline` rows: one A-11 era per
-- fiscal year (`cx_era`), so no year mixes the eras' measures. A family index is the weight-averaged z of the components an agency has;
-- missing components are never imputed, and an index needs $min_coverage of its family's weight.
-- CX components are z-scored on cx_index_scores' score_within_scale_z (standardised within each
-- response scale before pooling), never on a `mixed` score.
-- Changes like for like (docs/methodology.md, "Changes like for like"): a change is published only
-- between consecutive fiscal years whose index has the same components (and, for CX, the same A-11
-- era and trust scale); otherwise it is null and `*_break` says why (`era`, `scale`, `components`).
-- Peers: a rank in the size group needs $min_peers agencies of that group with the index, else it is
-- taken over all agencies; `*_peer_group` and `*_peer_group_agencies` name the group used.
WITH fevs_pick AS (
    SELECT y.fiscal_year AS year, max(y.survey_year) AS fevs_survey_year,
           arg_max(y.fiscal_year_basis, y.survey_year) AS fevs_fiscal_year_basis
    FROM fevs_years y
    WHERE y.survey_year IN (SELECT survey_year FROM ex_index_scores)
    GROUP BY ALL
),
comp AS (
    SELECT p.year, agency_code, index_code AS component, score AS value, score AS zvalue, respondents AS n, NULL AS scale
    FROM ex_index_scores e JOIN fevs_pick p ON e.survey_year = p.fevs_survey_year
    WHERE org_level = 'agency' AND NOT suppressed AND index_code IN ('eei', 'global_satisfaction')
    UNION ALL
    SELECT fiscal_year, agency_code, c.component, c.value, c.value, end_headcount, NULL
    FROM workforce_metrics
    CROSS JOIN LATERAL (VALUES ('quit_rate', quit_rate), ('first_year_attrition_rate', first_year_attrition_rate),
                               ('supervisor_ratio', supervisor_ratio),
                               ('retirement_eligible_share_est', retirement_eligible_share_est)) AS c(component, value)
    WHERE org_level = 'agency' AND c.value IS NOT NULL
    UNION ALL
    SELECT fiscal_year, agency_code, index_code, score, score_within_scale_z, responses, scale
    FROM cx_index_scores WHERE NOT suppressed AND headline
    UNION ALL
    SELECT fiscal_year, agency_code, 'internal_cx', score_100, score_100, ratings, functions::VARCHAR || ' functions'
    FROM internal_cx_scores
    WHERE function = 'all' AND NOT suppressed
),
ranked_agencies AS (SELECT agency_code FROM agencies WHERE agency_kind <> 'pooled'),
z AS (
    SELECT c.year, c.agency_code, c.component, c.value, c.n, c.scale, w.family, w.weight,
           CASE WHEN count(c.zvalue) OVER p >= 3 AND stddev_samp(c.zvalue) OVER p > 0
                THEN w.direction * (c.zvalue - avg(c.zvalue) OVER p) / stddev_samp(c.zvalue) OVER p END AS z
    FROM comp c
    JOIN weights w USING (component)
    WHERE c.agency_code IN (SELECT agency_code FROM ranked_agencies)
    WINDOW p AS (PARTITION BY c.year, c.component)
),
family_weight AS (SELECT family, sum(weight) AS total FROM weights GROUP BY family),
fam AS (
    SELECT z.year, z.agency_code, z.family,
           sum(z.weight * z.z) / nullif(sum(z.weight) FILTER (WHERE z.z IS NOT NULL), 0) AS idx,
           sum(z.weight) FILTER (WHERE z.z IS NOT NULL) / any_value(f.total) AS coverage,
           count(z.z) AS components,
           -- what the index is made of: components with a z (and the scale of each that has one)
           string_agg(z.component || coalesce('[' || z.scale || ']', ''), ',' ORDER BY z.component)
               FILTER (WHERE z.z IS NOT NULL) AS basis
    FROM z JOIN family_weight f USING (family)
    GROUP BY ALL
),
wide AS (
    SELECT year, agency_code,
           max(idx) FILTER (WHERE family = 'ex' AND coverage >= $min_coverage) AS ex_index,
           coalesce(max(coverage) FILTER (WHERE family = 'ex'), 0) AS ex_coverage,
           coalesce(max(components) FILTER (WHERE family = 'ex'), 0) AS ex_components,
           max(basis) FILTER (WHERE family = 'ex') AS ex_basis,
           max(basis) FILTER (WHERE family = 'cx') AS cx_basis,
           max(basis) FILTER (WHERE family = 'internal_cx') AS internal_cx_basis,
           max(idx) FILTER (WHERE family = 'cx' AND coverage >= $min_coverage) AS cx_index,
           coalesce(max(coverage) FILTER (WHERE family = 'cx'), 0) AS cx_coverage,
           coalesce(max(components) FILTER (WHERE family = 'cx'), 0) AS cx_components,
           max(idx) FILTER (WHERE family = 'internal_cx' AND coverage >= $min_coverage) AS internal_cx_index,
           coalesce(max(coverage) FILTER (WHERE family = 'internal_cx'), 0) AS internal_cx_coverage
    FROM fam GROUP BY ALL
),
vals AS (
    SELECT year, agency_code,
           max(value) FILTER (WHERE component = 'eei') AS eei,
           max(value) FILTER (WHERE component = 'global_satisfaction') AS global_satisfaction,
           max(value) FILTER (WHERE component = 'quit_rate') AS quit_rate,
           max(value) FILTER (WHERE component = 'first_year_attrition_rate') AS first_year_attrition_rate,
           max(value) FILTER (WHERE component = 'supervisor_ratio') AS supervisor_ratio,
           max(value) FILTER (WHERE component = 'retirement_eligible_share_est') AS retirement_eligible_share_est,
           max(value) FILTER (WHERE component = 'cx_trust') AS cx_trust,
           max(scale) FILTER (WHERE component = 'cx_trust') AS cx_trust_scale,
           max(value) FILTER (WHERE component = 'cx_drivers_v1') AS cx_drivers_v1,
           max(value) FILTER (WHERE component = 'cx_mentions_v2') AS cx_mentions_v2,
           max(value) FILTER (WHERE component = 'internal_cx') AS internal_cx,
           max(n) FILTER (WHERE component = 'eei')::BIGINT AS fevs_respondents,
           max(n) FILTER (WHERE component IN ('cx_trust', 'cx_drivers_v1', 'cx_mentions_v2'))::BIGINT AS cx_responses,
           max(n) FILTER (WHERE component = 'internal_cx')::BIGINT AS internal_cx_ratings
    FROM comp GROUP BY ALL
),
contrib AS (
    SELECT z.year, z.agency_code,
           max(z.weight * z.z / fw.present) FILTER (WHERE z.component = 'eei') AS contrib_eei,
           max(z.weight * z.z / fw.present) FILTER (WHERE z.component = 'global_satisfaction') AS contrib_global_satisfaction,
           max(z.weight * z.z / fw.present) FILTER (WHERE z.component = 'quit_rate') AS contrib_quit_rate,
           max(z.weight * z.z / fw.present) FILTER (WHERE z.component = 'first_year_attrition_rate') AS contrib_first_year_attrition_rate,
           max(z.weight * z.z / fw.present) FILTER (WHERE z.component = 'retirement_eligible_share_est') AS contrib_retirement_eligible_share_est,
           max(z.weight * z.z / fw.present) FILTER (WHERE z.component = 'cx_trust') AS contrib_cx_trust,
           max(z.weight * z.z / fw.present) FILTER (WHERE z.component = 'cx_drivers_v1') AS contrib_cx_drivers_v1,
           max(z.weight * z.z / fw.present) FILTER (WHERE z.component = 'cx_mentions_v2') AS contrib_cx_mentions_v2
    FROM z
    JOIN (SELECT year, agency_code, family, sum(weight) FILTER (WHERE z IS NOT NULL) AS present FROM z GROUP BY ALL) fw
      USING (year, agency_code, family)
    WHERE z.z IS NOT NULL
    GROUP BY ALL
),
cx_era AS (SELECT DISTINCT fiscal_year AS year, era AS cx_era FROM cx_index_scores WHERE headline),
size AS (
    SELECT fiscal_year AS year, agency_code, avg_headcount,
           CASE WHEN avg_headcount >= 15000 THEN 'large' WHEN avg_headcount >= 1000 THEN 'midsize'
                WHEN avg_headcount >= 100 THEN 'small' ELSE 'very_small' END AS size_group
    FROM workforce_metrics WHERE org_level = 'agency' AND headcount_basis IN ('monthly snapshots', 'quarterly snapshots')
),
base AS (
    SELECT v.year, v.agency_code, a.agency_name, a.department_code, a.agency_kind,
           CASE WHEN v.eei IS NOT NULL OR v.global_satisfaction IS NOT NULL THEN fp.fevs_survey_year END AS fevs_survey_year,
           CASE WHEN v.eei IS NOT NULL OR v.global_satisfaction IS NOT NULL THEN fp.fevs_fiscal_year_basis END AS fevs_fiscal_year_basis,
           coalesce(s.size_group, 'unknown') AS size_group, s.avg_headcount,
           w.ex_index, w.ex_coverage, w.ex_components, w.cx_index, w.cx_coverage, w.cx_components,
           w.internal_cx_index, w.internal_cx_coverage, e.cx_era, w.ex_basis, w.cx_basis, w.internal_cx_basis,
           v.* EXCLUDE (year, agency_code), c.* EXCLUDE (year, agency_code)
    FROM vals v
    LEFT JOIN wide w USING (year, agency_code)
    LEFT JOIN contrib c USING (year, agency_code)
    LEFT JOIN agencies a USING (agency_code)
    LEFT JOIN size s USING (year, agency_code)
    LEFT JOIN fevs_pick fp ON fp.year = v.year
    LEFT JOIN cx_era e USING (year)
),
peers AS (
    SELECT *,
           CASE WHEN count(ex_index) OVER (PARTITION BY year, size_group) >= $min_peers THEN size_group ELSE 'all' END AS ex_peer_group,
           CASE WHEN count(cx_index) OVER (PARTITION BY year, size_group) >= $min_peers THEN size_group ELSE 'all' END AS cx_peer_group
    FROM base WHERE agency_kind IS DISTINCT FROM 'pooled'
),
ranked AS (
    SELECT *,
           CASE WHEN ex_index IS NOT NULL THEN rank() OVER (PARTITION BY year, ex_index IS NULL ORDER BY ex_index DESC) END AS ex_rank,
           CASE WHEN ex_index IS NOT NULL THEN 100 * cume_dist() OVER (PARTITION BY year, ex_index IS NULL ORDER BY ex_index) END AS ex_percentile,
           -- the size group's rank, or (below $min_peers) the rank among all agencies
           CASE WHEN ex_index IS NULL THEN NULL WHEN ex_peer_group = 'all'
                THEN rank() OVER (PARTITION BY year, ex_index IS NULL ORDER BY ex_index DESC)
                ELSE rank() OVER (PARTITION BY year, size_group, ex_index IS NULL ORDER BY ex_index DESC) END AS ex_rank_in_size_group,
           CASE WHEN ex_index IS NULL THEN NULL WHEN ex_peer_group = 'all' THEN count(ex_index) OVER (PARTITION BY year)
                ELSE count(ex_index) OVER (PARTITION BY year, size_group) END AS ex_peer_group_agencies,
           CASE WHEN cx_index IS NOT NULL THEN rank() OVER (PARTITION BY year, cx_index IS NULL ORDER BY cx_index DESC) END AS cx_rank,
           CASE WHEN cx_index IS NOT NULL THEN 100 * cume_dist() OVER (PARTITION BY year, cx_index IS NULL ORDER BY cx_index) END AS cx_percentile,
           -- the size group's rank, or (below $min_peers) the rank among all agencies
           CASE WHEN cx_index IS NULL THEN NULL WHEN cx_peer_group = 'all'
                THEN rank() OVER (PARTITION BY year, cx_index IS NULL ORDER BY cx_index DESC)
                ELSE rank() OVER (PARTITION BY year, size_group, cx_index IS NULL ORDER BY cx_index DESC) END AS cx_rank_in_size_group,
           CASE WHEN cx_index IS NULL THEN NULL WHEN cx_peer_group = 'all' THEN count(cx_index) OVER (PARTITION BY year)
                ELSE count(cx_index) OVER (PARTITION BY year, size_group) END AS cx_peer_group_agencies,
           CASE WHEN internal_cx_index IS NOT NULL THEN rank() OVER (PARTITION BY year, internal_cx_index IS NULL ORDER BY internal_cx_index DESC) END AS internal_cx_rank,
           lag(year) OVER (PARTITION BY agency_code ORDER BY year) AS prior_year,
           lag(ex_index) OVER (PARTITION BY agency_code ORDER BY year) AS prior_ex_index,
           lag(cx_index) OVER (PARTITION BY agency_code ORDER BY year) AS prior_cx_index,
           lag(internal_cx_index) OVER (PARTITION BY agency_code ORDER BY year) AS prior_internal_cx_index,
           lag(eei) OVER (PARTITION BY agency_code ORDER BY year) AS prior_eei,
           lag(cx_trust) OVER (PARTITION BY agency_code ORDER BY year) AS prior_cx_trust,
           lag(cx_era) OVER (PARTITION BY agency_code ORDER BY year) AS prior_cx_era,
           lag(cx_trust_scale) OVER (PARTITION BY agency_code ORDER BY year) AS prior_cx_trust_scale,
           lag(ex_basis) OVER (PARTITION BY agency_code ORDER BY year) AS prior_ex_basis,
           lag(cx_basis) OVER (PARTITION BY agency_code ORDER BY year) AS prior_cx_basis,
           lag(internal_cx_basis) OVER (PARTITION BY agency_code ORDER BY year) AS prior_internal_cx_basis,
           lag(internal_cx) OVER (PARTITION BY agency_code ORDER BY year) AS prior_internal_cx
    FROM peers
),
breaks AS (
    SELECT *, prior_year = year - 1 AS consecutive,
           CASE WHEN prior_year = year - 1 AND ex_index IS NOT NULL AND prior_ex_index IS NOT NULL
                 AND ex_basis IS DISTINCT FROM prior_ex_basis THEN 'components' END AS ex_break,
           CASE WHEN prior_year <> year - 1 OR cx_index IS NULL OR prior_cx_index IS NULL THEN NULL
                WHEN cx_era IS DISTINCT FROM prior_cx_era THEN 'era'
                WHEN cx_trust_scale IS DISTINCT FROM prior_cx_trust_scale THEN 'scale'
                WHEN cx_basis IS DISTINCT FROM prior_cx_basis THEN 'components' END AS cx_break,
           CASE WHEN prior_year = year - 1 AND internal_cx IS NOT NULL AND prior_internal_cx IS NOT NULL
                 AND internal_cx_basis IS DISTINCT FROM prior_internal_cx_basis THEN 'components' END AS internal_cx_break,
           CASE WHEN prior_year <> year - 1 OR cx_trust IS NULL OR prior_cx_trust IS NULL THEN NULL
                WHEN cx_era IS DISTINCT FROM prior_cx_era THEN 'era'
                WHEN cx_trust_scale IS DISTINCT FROM prior_cx_trust_scale THEN 'scale' END AS cx_trust_break
    FROM ranked
)
-- change from the prior year only when the prior row is the previous year and nothing broke between them
SELECT year::SMALLINT AS year, agency_code, agency_name IS NOT NULL AS in_crosswalk, agency_name, department_code,
       size_group, avg_headcount,
       ex_index, ex_rank::BIGINT AS ex_rank, ex_percentile, ex_rank_in_size_group::BIGINT AS ex_rank_in_size_group,
       CASE WHEN ex_index IS NOT NULL THEN ex_peer_group END AS ex_peer_group, ex_peer_group_agencies::BIGINT AS ex_peer_group_agencies,
       CASE WHEN consecutive AND ex_break IS NULL THEN ex_index - prior_ex_index END AS ex_delta, ex_break,
       coalesce(ex_coverage, 0) AS ex_coverage, coalesce(ex_components, 0)::BIGINT AS ex_components,
       cx_index, cx_rank::BIGINT AS cx_rank, cx_percentile, cx_rank_in_size_group::BIGINT AS cx_rank_in_size_group,
       CASE WHEN cx_index IS NOT NULL THEN cx_peer_group END AS cx_peer_group, cx_peer_group_agencies::BIGINT AS cx_peer_group_agencies,
       CASE WHEN consecutive AND cx_break IS NULL THEN cx_index - prior_cx_index END AS cx_delta, cx_break,
       coalesce(cx_coverage, 0) AS cx_coverage, coalesce(cx_components, 0)::BIGINT AS cx_components, cx_era,
       internal_cx_index, internal_cx_rank::BIGINT AS internal_cx_rank,
       CASE WHEN consecutive AND internal_cx_break IS NULL THEN internal_cx_index - prior_internal_cx_index END AS internal_cx_delta,
       internal_cx_break,
       coalesce(internal_cx_coverage, 0) AS internal_cx_coverage,
       eei, global_satisfaction, quit_rate, first_year_attrition_rate, supervisor_ratio, retirement_eligible_share_est,
       ex_basis AS ex_component_set, cx_basis AS cx_component_set,
       cx_trust, cx_trust_scale, cx_drivers_v1, cx_mentions_v2, internal_cx,
       contrib_eei, contrib_global_satisfaction, contrib_quit_rate, contrib_first_year_attrition_rate,
       contrib_retirement_eligible_share_est, contrib_cx_trust, contrib_cx_drivers_v1,
       contrib_cx_mentions_v2,
       fevs_respondents, fevs_survey_year::SMALLINT AS fevs_survey_year, fevs_fiscal_year_basis,
       cx_responses, internal_cx_ratings,
       -- changes in the measures' own points (the z deltas above measure relative standing)
       CASE WHEN consecutive THEN eei - prior_eei END AS eei_delta_points,
       CASE WHEN consecutive AND cx_trust_break IS NULL THEN cx_trust - prior_cx_trust END AS cx_trust_delta_points,
       cx_trust_break,
       CASE WHEN consecutive AND internal_cx_break IS NULL THEN internal_cx - prior_internal_cx END AS internal_cx_delta_points
FROM breaks
ORDER BY year, agency_code
