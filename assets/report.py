"""The report site (issue 15): a static scorecard beside the published tables, rebuilt with every publication."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue

from warehouse.report import publish_report

from . import keys
from .publication import publisher

# Every published table (so the site follows each publication); the report reads the ones it shows.
PUBLISHED = sorted((k for k in vars(keys).values() if isinstance(k, AssetKey) and k.path[0] == "publish"
                    and k != keys.PUBLISH_REPORT), key=lambda k: k.to_user_string())


@publisher(key=keys.PUBLISH_REPORT, deps=[*PUBLISHED, keys.WAREHOUSE_CATALOG],  # after the snapshot's commit
       group_name="publish", kinds={"html"}, required_resource_keys={"cxex"})
def report(context: AssetExecutionContext) -> MaterializeResult:
    """<publish>/report/index.html: overview (EX vs CX scatter, sortable scorecard, robust factors), one page per
    agency, data quality, data dictionary and methodology; charts by plotly.js written once into the site, no network.

    Generated from the published tables only (plus _manifest.json and the validation results), so it shows nothing a
    BI user of the tables cannot see. Open it from file:// or from the object store it is published to.
    """
    cxex = context.resources.cxex
    site = publish_report(cxex.store, cxex.layout.validation_glob)
    context.log.info(f"report site: {site.index} ({site.pages} pages, {site.bytes / 1e6:.1f} MB, {site.build_seconds:.1f}s)")
    return MaterializeResult(metadata={"url": MetadataValue.url(site.url), "path": MetadataValue.path(site.index),
                                       "pages": site.pages, "bytes": site.bytes,
                                       "build_seconds": MetadataValue.float(round(site.build_seconds, 2))})
