"""The one Definitions entry point (`dagster dev -w workspace.yaml`, `make ui`)."""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from datetime import timedelta  # noqa: E402

from dagster import (AssetSelection, AutomationCondition, AutomationConditionSensorDefinition, DefaultSensorStatus, Definitions,  # noqa: E402
                     FreshnessPolicy, in_process_executor, load_asset_checks_from_modules, load_assets_from_modules, map_asset_specs)

from assets import catalog, cross_agency, cx, factors, fevs, keys, remote, report, star, workforce  # noqa: E402
from dagster import TableColumn, TableColumnConstraints, TableSchema  # noqa: E402
from warehouse.contracts import exists as contract_exists, load as load_contract, load_stage, stage_exists  # noqa: E402
from quality_checks import cross_agency_checks, cx_checks, fevs_checks, workforce_checks  # noqa: E402

from .alerts import run_failure_alert  # noqa: E402
from .jobs import a11_quarterly, css_yearly, fevs_yearly, publish, workforce_monthly  # noqa: E402
from .resources import CxexResource, HttpResource  # noqa: E402
from .schedules import SCHEDULES, observe_remote_sources  # noqa: E402
from .sensors import SENSORS  # noqa: E402

ASSET_MODULES = [fevs, workforce, cx, cross_agency, catalog, remote, report, factors, star]
CHECK_MODULES = [fevs_checks, workforce_checks, cx_checks, cross_agency_checks]

# How old a published table may get before the UI marks it stale: each source's release cadence
# plus its publication lag (warn first, fail later). Tables rebuilt from every source follow the
# fastest one (workforce, monthly).
DAY = timedelta(days=1)
FRESHNESS = {
    keys.PUBLISH_WORKFORCE_METRICS: (45 * DAY, 75 * DAY),
    keys.PUBLISH_WORKFORCE_AGENCIES: (45 * DAY, 75 * DAY),
    keys.PUBLISH_CX_SERVICE_SCORES: (100 * DAY, 130 * DAY),
    keys.PUBLISH_CX_INDEX_SCORES: (100 * DAY, 130 * DAY),
    keys.PUBLISH_INTERNAL_CX_SCORES: (380 * DAY, 430 * DAY),
    keys.PUBLISH_FEVS_ITEM_SCORES: (400 * DAY, 550 * DAY),  # FEVS was not fielded in 2025: a gap is normal
    keys.PUBLISH_EX_INDEX_SCORES: (400 * DAY, 550 * DAY),
    keys.PUBLISH_FEVS_INTENT_TO_LEAVE: (400 * DAY, 550 * DAY),
    keys.PUBLISH_FEVS_ITEM_SHARES: (400 * DAY, 550 * DAY),
    keys.PUBLISH_INTENT_VS_ATTRITION: (45 * DAY, 75 * DAY),
    keys.PUBLISH_INTENT_VS_ATTRITION_CORRELATIONS: (45 * DAY, 75 * DAY),
    keys.PUBLISH_AGENCY_CROSSWALK: (45 * DAY, 75 * DAY),
    keys.PUBLISH_AGENCY_SCORECARD: (45 * DAY, 75 * DAY),
    keys.PUBLISH_CX_EX_LINKAGE: (45 * DAY, 75 * DAY),
    keys.PUBLISH_EX_CX_FACTORS: (45 * DAY, 75 * DAY),
    keys.PUBLISH_FOCUS_AREA_SCORES: (45 * DAY, 75 * DAY),
    keys.PUBLISH_AGENCY_ASSESSMENT: (45 * DAY, 75 * DAY),
    keys.WAREHOUSE_CATALOG: (45 * DAY, 75 * DAY),
    keys.PUBLISH_REPORT: (45 * DAY, 75 * DAY),
    **{k: (45 * DAY, 75 * DAY) for k in keys.DIMENSION_KEYS.values()},  # the star's dimensions follow the facts
}


def _column_schema(table: str, raw: bool = False) -> TableSchema:
    """A contract's columns as Dagster shows them on the asset's page (declared once, in the contract)."""
    contract = load_stage(table) if raw else load_contract(table)
    return TableSchema(columns=[TableColumn(c.name, c.type, description=c.description,
                                            constraints=TableColumnConstraints(nullable=c.nullable))
                                for c in contract.columns])


# Declarative publication (replaces a hand-written "publish after partitions" sensor): a published or
# cross-agency table is requested once something it depends on was updated, nothing it depends on is
# still running, and it is not running itself. A partition whose blocking check failed never updates
# its staged tables, so only what depends on it waits; every other source still publishes. Evaluated
# by the `cxex_automation` sensor (off by default: turn it on in the UI's Automation tab).
PUBLISH_CONDITION = (AutomationCondition.any_deps_updated().since_last_handled()
                     & ~AutomationCondition.any_deps_in_progress() & ~AutomationCondition.in_progress()
                     ).with_label("deps updated, none in progress")


def _with_freshness_and_schema(spec):
    """Freshness windows, the column schema of every asset whose table has a contract, and the
    publication condition on every published, cross-agency and catalog asset."""
    windows = FRESHNESS.get(spec.key)
    if windows is not None:
        warn, fail = windows
        spec = spec.replace_attributes(freshness_policy=FreshnessPolicy.time_window(fail_window=fail, warn_window=warn))
    if spec.group_name in ("publish", "cross_agency"):
        spec = spec.replace_attributes(automation_condition=PUBLISH_CONDITION)
    table = spec.key.path[-1]
    if spec.key.path[0] in ("publish", "warehouse") and contract_exists(table):
        spec = spec.merge_attributes(metadata={"dagster/column_schema": _column_schema(table)})
    elif spec.key.path[0] == "raw" and stage_exists(table):
        spec = spec.merge_attributes(metadata={"dagster/column_schema": _column_schema(table, raw=True)})
    return spec


automation = AutomationConditionSensorDefinition(
    "cxex_automation", target=AssetSelection.all(), default_status=DefaultSensorStatus.STOPPED,
    description="Declarative automation (off by default): fetches remote files when their observed version changes, "
                "and publishes a source's tables (then the cross-agency tables and the catalog) once its partitions "
                "succeed with their blocking checks passed.")


def build_definitions(cxex: CxexResource | None = None, http: HttpResource | None = None) -> Definitions:
    """The definitions over `cxex`'s settings (default: the environment's, validated here, before any work)."""
    cxex = cxex or CxexResource.from_env()
    return Definitions(
        assets=map_asset_specs(_with_freshness_and_schema, load_assets_from_modules(ASSET_MODULES)),
        asset_checks=load_asset_checks_from_modules(CHECK_MODULES),
        jobs=[fevs_yearly, workforce_monthly, a11_quarterly, css_yearly, publish, observe_remote_sources],
        schedules=SCHEDULES,
        sensors=[*SENSORS, run_failure_alert, automation],
        resources={"cxex": cxex, "http": http or HttpResource(cxex=cxex)},
        executor=in_process_executor,  # see pipelines/jobs.py
    )


defs = build_definitions()
