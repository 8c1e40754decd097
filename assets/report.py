"""The report site (issue 15): a static scorecard beside the published tables, rebuilt with every publication."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from warehouse.known_defects import short_warning
from warehouse.report import publish_report

from . import keys
from .check_verdicts import latest_verdicts
from .publication import publisher

@publisher(key=keys.PUBLISH_REPORT, deps=[keys.WAREHOUSE_CATALOG], group_name="publish", kinds={"html"}, required_resource_keys={"cxex"})  # after the commit
def report(context: AssetExecutionContext) -> MaterializeResult:
    """<publish>/report/index.html: overview (EX vs CX scatter, sortable scorecard, robust factors), one page per
    agency, data quality, data dictionary and methodology; charts by plotly.js written once into the site, no network.

    Generated from the published tables only (plus _manifest.json, the validation results and each asset check's
    latest verdict), so it shows nothing a BI user of the tables cannot see. Open it from file:// or from the object
    store it is published to.
    """
    cxex = context.resources.cxex
    meta = build_report(cxex, context.instance)
    context.log.info(f"report site: {meta['path'].value} ({meta['pages'].value} pages, {meta['bytes'].value / 1e6:.1f} MB)")
    return MaterializeResult(metadata=meta)


def build_report(cxex, instance) -> dict:
    """The site from what is published now (`make report` calls this too); its metadata."""
    site = publish_report(cxex.store, cxex.layout.validation_glob, checks=latest_checks(instance, cxex.layout))
    return {"url": MetadataValue.url(site.url), "path": MetadataValue.path(site.index), "pages": MetadataValue.int(site.pages),
            "bytes": MetadataValue.int(site.bytes), "build_seconds": MetadataValue.float(round(site.build_seconds, 2))}


def latest_checks(instance, layout) -> list[dict]:
    """Each asset check's latest verdict (what the quality page counts, as `make run` does), recorded in the data
    folder by the check itself as Dagster evaluated it (assets/check_verdicts.py), in runs `instance` holds."""
    out = []
    for v in latest_verdicts(layout, instance):
        name, meta = v["check"], v["metadata"]
        said = v["description"] if v["passed"] else short_warning(name, v["description"], meta)
        out.append({"check": name, "asset": v["asset"], "passed": v["passed"], "severity": v["severity"],
                    "description": said.removeprefix(f"{name}: "), "evaluated_at": v["evaluated_at"],
                    "failed_partitions": list(meta.get("failed_partitions") or [])})
    return out
