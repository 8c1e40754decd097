"""The analysts' DuckDB catalog over everything published."""


from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from warehouse.catalog import build_catalog

from . import keys


@asset(key=keys.WAREHOUSE_CATALOG, deps=[keys.PUBLISH_FEVS_ITEM_SCORES, keys.PUBLISH_EX_INDEX_SCORES, keys.PUBLISH_FEVS_INTENT_TO_LEAVE,
                                        keys.PUBLISH_WORKFORCE_METRICS, keys.PUBLISH_WORKFORCE_AGENCIES,
                                        keys.PUBLISH_CX_SERVICE_SCORES, keys.PUBLISH_CX_INDEX_SCORES,
                                        keys.PUBLISH_INTERNAL_CX_SCORES, keys.PUBLISH_AGENCY_CROSSWALK,
                                        keys.PUBLISH_AGENCY_SCORECARD, keys.PUBLISH_CX_EX_LINKAGE,
                                        keys.PUBLISH_EX_CX_FACTORS, keys.PUBLISH_FOCUS_AREA_SCORES, keys.PUBLISH_AGENCY_ASSESSMENT,
                                        *keys.DIMENSION_KEYS.values()],
       group_name="publish", kinds={"duckdb"}, required_resource_keys={"cxex"})
def warehouse_catalog(context: AssetExecutionContext) -> MaterializeResult:
    """$CXEX_DATA_DIR/warehouse.duckdb: a view per published table (columns commented) and quality.validation_results.

    Open it read-only with `make sql` (Harlequin; piped SQL prints its result). The file holds only views,
    rebuilt into a temporary file and renamed into place, so open connections are never disturbed.
    """
    layout = context.resources.cxex.layout
    views = build_catalog(layout.warehouse_file, context.resources.cxex.store, layout.validation_glob)
    return MaterializeResult(metadata={"views": MetadataValue.json(views), "path": MetadataValue.path(str(layout.warehouse_file))})
