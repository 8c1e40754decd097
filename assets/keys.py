"""Asset keys mirror where the data lives: raw/, warehouse/ (staging), publish/."""

from dagster import AssetKey

RAW_FEVS_RESPONSES = AssetKey(["raw", "fevs_responses"])
FEVS_ITEM_SCORES = AssetKey(["warehouse", "fevs_item_scores"])
EX_INDEX_SCORES = AssetKey(["warehouse", "ex_index_scores"])
PUBLISH_FEVS_ITEM_SCORES = AssetKey(["publish", "fevs_item_scores"])
PUBLISH_EX_INDEX_SCORES = AssetKey(["publish", "ex_index_scores"])
WAREHOUSE_CATALOG = AssetKey(["warehouse", "catalog"])
