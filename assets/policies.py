"""What the UI shows of each asset beyond its code: freshness windows, column schemas, automation."""

from datetime import timedelta

from dagster import AutomationCondition, FreshnessPolicy, TableColumn, TableColumnConstraints, TableSchema

from warehouse.contracts import exists as contract_exists, load as load_contract, load_stage, stage_exists

from . import keys

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


def with_freshness_and_schema(spec):
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
