"""What the UI shows of each asset beyond its code: freshness windows, column schemas, automation."""

from functools import lru_cache

from dagster import AutomationCondition, FreshnessPolicy, TableColumn, TableColumnConstraints, TableSchema

from warehouse.contracts import exists as contract_exists, load as load_contract, load_stage, stage_exists

from . import keys


@lru_cache(maxsize=1)
def freshness_windows() -> dict:
    """How old each published table may get before the UI marks it stale (warn first, fail later): its
    source's release cadence plus publication lag, as its spec declares (assets/<source>/spec.py); the
    catalog and the report follow the fastest source (monthly)."""
    from .domains import all_specs
    from .spec import DAY

    windows = {k: spec.freshness for spec in all_specs() for k in spec.published}
    return {**windows, keys.WAREHOUSE_CATALOG: (45 * DAY, 75 * DAY), keys.PUBLISH_REPORT: (45 * DAY, 75 * DAY)}


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
    windows = freshness_windows().get(spec.key)
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
