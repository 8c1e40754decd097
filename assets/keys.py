"""Asset keys mirror where the data lives: raw/, warehouse/ (staging), publish/. Each source's keys are
declared in its folder (assets/<source>/spec.py); these are the publication's own and the remote files'."""

from dagster import AssetKey

WAREHOUSE_CATALOG = AssetKey(["warehouse", "catalog"])
# The report site (static HTML beside the published tables).
PUBLISH_REPORT = AssetKey(["publish", "report"])
# Remote sources: observed (ETag / Last-Modified), then fetched into the landing folders.
SOURCE_REMOTE_FILES = AssetKey(["source", "remote_files"])
LANDING_REMOTE_FILES = AssetKey(["landing", "remote_files"])
