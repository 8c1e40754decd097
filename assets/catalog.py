"""The analysts' DuckDB catalog over everything published."""


from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from . import keys
from .publication import publisher
from .common import commit_snapshot


@publisher(key=keys.WAREHOUSE_CATALOG, group_name="publish", kinds={"duckdb"}, required_resource_keys={"cxex"})  # after every table
def warehouse_catalog(context: AssetExecutionContext) -> MaterializeResult:
    """Commit the run's tables as one snapshot, then $CXEX_DATA_DIR/warehouse.duckdb: a table per table of
    that snapshot (columns commented), catalog_snapshot, quality.validation_results and quality.validation_results_latest.

    This step is the run's commit: every publish step before it only staged its table's new version,
    so a failed step leaves the whole previous snapshot current (warehouse/publish.py). Open the
    catalog read-only with `make sql` or any DuckDB tool, from anywhere (it holds the rows). The file is rebuilt into a
    temporary file and renamed into place, so open connections keep the snapshot they opened.
    """
    layout = context.resources.cxex.layout
    manifest, views = commit_snapshot(context)
    snapshot = (manifest or context.resources.cxex.store.read_manifest()).get("snapshot") or ""
    return MaterializeResult(metadata={"views": MetadataValue.json(views), "path": MetadataValue.path(str(layout.warehouse_file)),
                                       "snapshot": snapshot, "committed": manifest is not None})
