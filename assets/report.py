"""The report site (issue 15): a static scorecard beside the published tables, rebuilt with every publication."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from warehouse.known_defects import short_warning
from warehouse.report import publish_report

from . import keys

# Every published table (so the site follows each publication); the report reads the ones it shows.
PUBLISHED = sorted((k for k in vars(keys).values() if isinstance(k, AssetKey) and k.path[0] == "publish"
                    and k != keys.PUBLISH_REPORT), key=lambda k: k.to_user_string())


@asset(key=keys.PUBLISH_REPORT, deps=[*PUBLISHED, keys.WAREHOUSE_CATALOG],  # after the snapshot's commit
       group_name="publish", kinds={"html"}, required_resource_keys={"cxex"})
def report(context: AssetExecutionContext) -> MaterializeResult:
    """<publish>/report/index.html: overview (EX vs CX scatter, sortable scorecard, robust factors), one page per
    agency, data quality, data dictionary and methodology; charts by plotly.js written once into the site, no network.

    Generated from the published tables only (plus _manifest.json, the validation results and each asset check's
    latest verdict), so it shows nothing a BI user of the tables cannot see. Open it from file:// or from the object
    store it is published to.
    """
    cxex = context.resources.cxex
    site = publish_report(cxex.store, cxex.layout.validation_glob, checks=latest_checks(context))
    context.log.info(f"report site: {site.index} ({site.pages} pages, {site.bytes / 1e6:.1f} MB, {site.build_seconds:.1f}s)")
    return MaterializeResult(metadata={"url": MetadataValue.url(site.url), "path": MetadataValue.path(site.index),
                                       "pages": site.pages, "bytes": site.bytes,
                                       "build_seconds": MetadataValue.float(round(site.build_seconds, 2))})


def latest_checks(context) -> list[dict]:
    """Each asset check's latest evaluation (what the quality page counts, as `make run` does)."""
    from dagster import load_asset_checks_from_modules

    from pipelines.definitions import CHECK_MODULES  # the code location's checks (a job holds only its own)

    keys_ = {k for d in load_asset_checks_from_modules(CHECK_MODULES) for k in d.check_keys}
    out = []
    for key in sorted(keys_, key=lambda k: k.to_user_string()):
        rec = context.instance.get_latest_asset_check_evaluation_record(key)
        ev = rec.event.dagster_event.event_specific_data if rec and rec.event and rec.event.dagster_event else None
        if ev is None or not hasattr(ev, "passed"):  # planned or running: no verdict yet
            continue
        failed = ev.metadata.get("failed_partitions")
        said = ev.description or "" if ev.passed else short_warning(key.name, ev.description or "", ev.metadata)
        out.append({"check": key.name, "asset": key.asset_key.to_user_string(), "passed": ev.passed,
                    "severity": ev.severity.value, "description": said.removeprefix(f"{key.name}: "),
                    "evaluated_at": rec.event.timestamp, "failed_partitions": list(failed.value) if failed else []})
    return out
