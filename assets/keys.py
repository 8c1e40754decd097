"""Asset keys mirror where the data lives: raw/, warehouse/ (staging), publish/."""

from dagster import AssetKey

RAW_FEVS_RESPONSES = AssetKey(["raw", "fevs_responses"])
FEVS_ITEM_SCORES = AssetKey(["warehouse", "fevs_item_scores"])
EX_INDEX_SCORES = AssetKey(["warehouse", "ex_index_scores"])
FEVS_INTENT_TO_LEAVE = AssetKey(["warehouse", "fevs_intent_to_leave"])
PUBLISH_FEVS_ITEM_SCORES = AssetKey(["publish", "fevs_item_scores"])
PUBLISH_EX_INDEX_SCORES = AssetKey(["publish", "ex_index_scores"])
PUBLISH_FEVS_INTENT_TO_LEAVE = AssetKey(["publish", "fevs_intent_to_leave"])
FEVS_ITEM_SHARES = AssetKey(["warehouse", "fevs_item_shares"])
PUBLISH_FEVS_ITEM_SHARES = AssetKey(["publish", "fevs_item_shares"])
PUBLISH_INTENT_VS_ATTRITION = AssetKey(["publish", "intent_vs_attrition"])
PUBLISH_INTENT_VS_ATTRITION_CORRELATIONS = AssetKey(["publish", "intent_vs_attrition_correlations"])
INTENT_VS_ATTRITION_KEYS = [PUBLISH_INTENT_VS_ATTRITION, PUBLISH_INTENT_VS_ATTRITION_CORRELATIONS]  # cross-source (FEVS, workforce)
# the FEVS tables #31 added, for the places that list published tables (catalog, star)
FEVS_EXTRA_PUBLISHED = [PUBLISH_FEVS_ITEM_SHARES, *INTENT_VS_ATTRITION_KEYS]
WAREHOUSE_CATALOG = AssetKey(["warehouse", "catalog"])

RAW_WORKFORCE_EMPLOYMENT = AssetKey(["raw", "workforce_employment"])
RAW_WORKFORCE_ACTIONS = AssetKey(["raw", "workforce_actions"])
WORKFORCE_MONTHLY = AssetKey(["warehouse", "workforce_monthly"])
PUBLISH_WORKFORCE_METRICS = AssetKey(["publish", "workforce_metrics"])
PUBLISH_WORKFORCE_AGENCIES = AssetKey(["publish", "workforce_agencies"])

RAW_A11 = AssetKey(["raw", "a11_cx"])
CX_SERVICE_SCORES = AssetKey(["warehouse", "cx_service_scores"])
RAW_GSA_CSS = AssetKey(["raw", "gsa_css"])
INTERNAL_CX_SCORES = AssetKey(["warehouse", "internal_cx_scores"])
PUBLISH_CX_SERVICE_SCORES = AssetKey(["publish", "cx_service_scores"])
PUBLISH_CX_INDEX_SCORES = AssetKey(["publish", "cx_index_scores"])
PUBLISH_INTERNAL_CX_SCORES = AssetKey(["publish", "internal_cx_scores"])

PUBLISH_AGENCY_CROSSWALK = AssetKey(["publish", "agency_crosswalk"])
PUBLISH_AGENCY_SCORECARD = AssetKey(["publish", "agency_scorecard"])
PUBLISH_CX_EX_LINKAGE = AssetKey(["publish", "cx_ex_linkage"])

# Remote sources: observed (ETag / Last-Modified), then fetched into the landing folders.
SOURCE_REMOTE_FILES = AssetKey(["source", "remote_files"])
LANDING_REMOTE_FILES = AssetKey(["landing", "remote_files"])

# The report site (static HTML beside the published tables).
PUBLISH_REPORT = AssetKey(["publish", "report"])
# Factors, focus areas and the assessment per agency (assets/factors.py)
PUBLISH_EX_CX_FACTORS = AssetKey(["publish", "ex_cx_factors"])
PUBLISH_FOCUS_AREA_SCORES = AssetKey(["publish", "focus_area_scores"])
PUBLISH_AGENCY_ASSESSMENT = AssetKey(["publish", "agency_assessment"])
# The BI star's conformed dimensions (assets/star.py).
PUBLISH_DIM_AGENCY = AssetKey(["publish", "dim_agency"])
PUBLISH_DIM_PERIOD = AssetKey(["publish", "dim_period"])
PUBLISH_DIM_LEVEL1 = AssetKey(["publish", "dim_level1"])
PUBLISH_DIM_FEVS_ITEM = AssetKey(["publish", "dim_fevs_item"])
PUBLISH_DIM_CX_SERVICE = AssetKey(["publish", "dim_cx_service"])
PUBLISH_DIM_FEVS_QUESTION = AssetKey(["publish", "dim_fevs_question"])
DIMENSION_KEYS = {k.path[-1]: k for k in (PUBLISH_DIM_AGENCY, PUBLISH_DIM_PERIOD, PUBLISH_DIM_LEVEL1, PUBLISH_DIM_FEVS_ITEM,
                                          PUBLISH_DIM_CX_SERVICE, PUBLISH_DIM_FEVS_QUESTION)}
