"""Factors, focus areas and an assessment per agency: which work-environment measures go with good
internal and public CX (ex_cx_factors), seven focus areas scored (focus_area_scores), and what a
leader reads for their agency (agency_assessment).

Like the other cross-agency assets they read tables published in the same run, so they only see
data that passed every blocking check. Compute is in warehouse/factors.py.
"""

import pyarrow as pa
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from warehouse import compute, factors
from warehouse.contracts import load as load_contract
from warehouse.reference import fevs_fiscal_year_rows

from . import keys
from .common import add_provenance, preview, publish_result
from .cross_agency import GROUP, _provenance, _published, curated_agencies

PANEL_TABLES = ("fevs_item_scores", "ex_index_scores", "fevs_intent_to_leave", "workforce_metrics", "internal_cx_scores",
                "cx_service_scores", "agency_scorecard")
PANEL_DEPS = [keys.PUBLISH_AGENCY_SCORECARD, keys.PUBLISH_FEVS_ITEM_SCORES, keys.PUBLISH_FEVS_INTENT_TO_LEAVE,
              keys.PUBLISH_CX_SERVICE_SCORES]


def factor_inputs(store) -> dict:
    """The panel (long rows), the size of each agency-year, agency names: shared by the three assets."""
    tables = {t: _published(store, t) for t in PANEL_TABLES}
    panel = compute.run_sql("factor_panel", relations={
        **tables, "agencies": curated_agencies(), "fevs_years": pa.Table.from_pylist(fevs_fiscal_year_rows()),
        "item_keys": pa.Table.from_pylist(factors.item_keys())})
    card = tables["agency_scorecard"].select(["year", "agency_code", "size_group", "avg_headcount"]).to_pylist()
    names = {r["agency_code"]: r["agency_name"] for r in curated_agencies().to_pylist()}
    return {"panel": panel.to_pylist(), "correlations": factors.correlations(panel, card),
            "size_groups": {(r["year"], r["agency_code"]): r["size_group"] for r in card}, "agencies": names}


def compute_factor_tables(inputs: dict) -> dict[str, list[dict]]:
    """All three tables' rows from factor_inputs (the assessment needs the other two)."""
    screen = factors.factor_screen(inputs["correlations"])
    focus = factors.focus_area_scores(inputs["panel"], factors.focus_area_definitions(), inputs["agencies"], inputs["size_groups"])
    assessment = factors.agency_assessment(screen, focus, inputs["panel"], inputs["size_groups"], inputs["agencies"])
    return {"ex_cx_factors": screen, "focus_area_scores": focus, "agency_assessment": assessment}


def _publish(context, name: str, rows: list[dict], partition_col: str) -> MaterializeResult:
    store = context.resources.cxex.store
    table = add_provenance(factors.to_table(rows, name), _provenance(store, PANEL_TABLES), context.run_id)
    return publish_result(context, load_contract(name), table, partition_col)


@asset(key=keys.PUBLISH_EX_CX_FACTORS, group_name=GROUP, kinds={"duckdb", "parquet"}, required_resource_keys={"cxex"},
       deps=PANEL_DEPS)
def ex_cx_factors(context: AssetExecutionContext) -> MaterializeResult:
    """The factor screen: every FEVS item (by declared cross-year key), FEVS index, intent to leave and workforce
    metric against internal CX (overall and per function), the public CX index and trust; per year and pooled,
    with Benjamini-Hochberg q-values, sign stability, a size-controlled partial correlation and a robust flag."""
    inputs = factor_inputs(context.resources.cxex.store)
    rows = factors.factor_screen(inputs["correlations"])
    result = _publish(context, "ex_cx_factors", rows, "period")
    top = [r for r in rows if r["period"] == factors.POOLED and r["robust"]]
    result.metadata["robust_pooled"] = MetadataValue.json({o: [r["candidate"] for r in top if r["outcome"] == o]
                                                           for o in factors.OUTCOMES})
    return result


@asset(key=keys.PUBLISH_FOCUS_AREA_SCORES, group_name=GROUP, kinds={"duckdb", "parquet"}, required_resource_keys={"cxex"},
       deps=PANEL_DEPS)
def focus_area_scores(context: AssetExecutionContext) -> MaterializeResult:
    """Seven focus areas per agency × year from the indicators in warehouse/reference/focus_areas.csv: the
    coverage-aware mean of direction-adjusted within-year z-scores, rank and percentile in the size group."""
    inputs = factor_inputs(context.resources.cxex.store)
    rows = factors.focus_area_scores(inputs["panel"], factors.focus_area_definitions(), inputs["agencies"], inputs["size_groups"])
    return _publish(context, "focus_area_scores", rows, "year")


@asset(key=keys.PUBLISH_AGENCY_ASSESSMENT, group_name=GROUP, kinds={"duckdb", "parquet"}, required_resource_keys={"cxex"},
       deps=[*PANEL_DEPS, keys.PUBLISH_EX_CX_FACTORS, keys.PUBLISH_FOCUS_AREA_SCORES])
def agency_assessment(context: AssetExecutionContext) -> MaterializeResult:
    """Per agency × year, in reading order: where we stand, what goes with better CX (robust factors), where to
    start (the two weakest focus areas)."""
    store = context.resources.cxex.store
    inputs = factor_inputs(store)
    screen = store.read_table("ex_cx_factors").to_pylist()
    focus = store.read_table("focus_area_scores").to_pylist()
    rows = factors.agency_assessment(screen, focus, inputs["panel"], inputs["size_groups"], inputs["agencies"])
    result = _publish(context, "agency_assessment", rows, "year")
    if rows:
        last = max(r["year"] for r in rows)
        result.metadata["preview"] = preview(pa.Table.from_pylist(
            [{k: r[k] for k in ("agency_code", "section", "item", "value", "percentile_in_size_group")} for r in rows if r["year"] == last]), 12)
    return result
