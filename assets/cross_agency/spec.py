"""Cross-agency tables: computed from what the sources published (crosswalk, scorecard, linkage, factors,
focus areas, the assessment, FEVS intent to leave against workforce attrition) and the BI star's
conformed dimensions. Rebuilt with every publication, so they follow the fastest source (monthly)."""

from __future__ import annotations

from dagster import AssetKey

from assets.spec import DAY, DomainSpec

PUBLISH_AGENCY_CROSSWALK = AssetKey(["publish", "agency_crosswalk"])
PUBLISH_AGENCY_SCORECARD = AssetKey(["publish", "agency_scorecard"])
PUBLISH_CX_EX_LINKAGE = AssetKey(["publish", "cx_ex_linkage"])
PUBLISH_INTENT_VS_ATTRITION = AssetKey(["publish", "intent_vs_attrition"])
PUBLISH_INTENT_VS_ATTRITION_CORRELATIONS = AssetKey(["publish", "intent_vs_attrition_correlations"])
INTENT_VS_ATTRITION_KEYS = [PUBLISH_INTENT_VS_ATTRITION, PUBLISH_INTENT_VS_ATTRITION_CORRELATIONS]  # FEVS with workforce
PUBLISH_EX_CX_FACTORS = AssetKey(["publish", "ex_cx_factors"])
PUBLISH_FOCUS_AREA_SCORES = AssetKey(["publish", "focus_area_scores"])
PUBLISH_AGENCY_ASSESSMENT = AssetKey(["publish", "agency_assessment"])
DIMENSION_KEYS = {name: AssetKey(["publish", name]) for name in
                  ("dim_agency", "dim_period", "dim_level1", "dim_fevs_item", "dim_cx_service", "dim_fevs_question")}

SPEC = DomainSpec(
    "cross_agency",
    (PUBLISH_AGENCY_CROSSWALK, PUBLISH_AGENCY_SCORECARD, PUBLISH_CX_EX_LINKAGE, *INTENT_VS_ATTRITION_KEYS,
     PUBLISH_EX_CX_FACTORS, PUBLISH_FOCUS_AREA_SCORES, PUBLISH_AGENCY_ASSESSMENT, *DIMENSION_KEYS.values()),
    freshness=(45 * DAY, 75 * DAY))
