"""The report site (issue 15): a static scorecard beside the published tables, rebuilt with every publication."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from warehouse.known_defects import short_warning
from warehouse.report import publish_report

from . import keys
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
    meta = build_report(cxex, context.instance, context.run_id)
    context.log.info(f"report site: {meta['path'].value} ({meta['pages'].value} pages, {meta['bytes'].value / 1e6:.1f} MB)")
    return MaterializeResult(metadata=meta)


def build_report(cxex, instance, run_id: str | None = None) -> dict:
    """The site from what is published now (`make report` calls this too); its metadata."""
    site = publish_report(cxex.store, cxex.layout.validation_glob, checks=latest_checks(instance, run_id))
    return {"url": MetadataValue.url(site.url), "path": MetadataValue.path(site.index), "pages": MetadataValue.int(site.pages),
            "bytes": MetadataValue.int(site.bytes), "build_seconds": MetadataValue.float(round(site.build_seconds, 2))}


def latest_checks(instance, run_id: str | None = None, limit: int = 5000) -> list[dict]:
    """Each asset check's latest evaluation recorded in the instance (what the quality page counts, as `make
    run` does). Read from the instance's event log, newest first, so that it holds for checks of any job."""
    import warnings

    from dagster import DagsterEventType, EventRecordsFilter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the event-record API: still the public way in 1.13
        records = instance.get_event_records(
            EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION), limit=limit, ascending=False)
    latest: dict[tuple[str, str], tuple] = {}
    for rec in records:
        ev = rec.event_log_entry.dagster_event.event_specific_data
        latest.setdefault((ev.asset_key.to_user_string(), ev.check_name), (ev, rec.event_log_entry.timestamp))
    import time

    from .publication import IN_RUN

    for r in IN_RUN.get(run_id, []) if run_id else []:  # this publication's own checks, evaluated before the report
        latest[(r.asset_key.to_user_string(), r.check_name)] = (r, time.time())
    out = []
    for (asset, name), (ev, at) in sorted(latest.items()):
        failed = ev.metadata.get("failed_partitions")
        said = ev.description or "" if ev.passed else short_warning(name, ev.description or "", ev.metadata)
        out.append({"check": name, "asset": asset, "passed": ev.passed, "severity": ev.severity.value,
                    "description": said.removeprefix(f"{name}: "), "evaluated_at": at,
                    "failed_partitions": list(failed.value) if failed else []})
    return out
