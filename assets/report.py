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
    meta = build_report(cxex, context.instance, context.run_id, _check_keys(context))
    context.log.info(f"report site: {meta['path'].value} ({meta['pages'].value} pages, {meta['bytes'].value / 1e6:.1f} MB)")
    return MaterializeResult(metadata=meta)


def _check_keys(context):
    """Every asset check of the code location the run belongs to; None for a job executed on its own (a test's
    `execute_in_process`), which has no code location."""
    try:
        return context.repository_def.asset_graph.asset_check_keys
    except Exception:  # noqa: BLE001 - Dagster raises its invariant error when no repository is set
        return None


def build_report(cxex, instance, run_id: str | None = None, check_keys=None) -> dict:
    """The site from what is published now (`make report` calls this too); its metadata."""
    site = publish_report(cxex.store, cxex.layout.validation_glob, checks=latest_checks(instance, run_id, check_keys))
    return {"url": MetadataValue.url(site.url), "path": MetadataValue.path(site.index), "pages": MetadataValue.int(site.pages),
            "bytes": MetadataValue.int(site.bytes), "build_seconds": MetadataValue.float(round(site.build_seconds, 2))}


def latest_checks(instance, run_id: str | None = None, check_keys=None, max_runs: int = 200) -> list[dict]:
    """Each asset check's latest evaluation recorded in the instance (what the quality page counts, as `make
    run` does), for checks of any job. Runs are read newest first, each through its own event log, until
    every one of `check_keys` (the code location's checks) has been seen, so the cost is that of the last
    few runs, not of the instance's whole history (reading every evaluation ever stored took 8.8 s of a
    publication in a data folder of a few hundred runs); without `check_keys`, the newest `max_runs`."""
    from dagster import DagsterEventType

    wanted = {(k.asset_key.to_user_string(), k.name) for k in check_keys} if check_keys is not None else None
    latest: dict[tuple[str, str], tuple] = {}
    for run in instance.get_runs(limit=max_runs):  # newest first
        in_run: dict[tuple[str, str], tuple] = {}
        for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
            ev = entry.dagster_event.event_specific_data
            in_run[(ev.asset_key.to_user_string(), ev.check_name)] = (ev, entry.timestamp)  # a run's last word wins
        for key, value in in_run.items():
            latest.setdefault(key, value)  # a newer run's evaluation wins over an older run's
        if wanted is not None and wanted <= latest.keys():
            break
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
