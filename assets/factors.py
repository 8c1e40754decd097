"""Factors, focus areas and an assessment per agency: which work-environment measures go with good
internal and public CX (ex_cx_factors), seven focus areas scored (focus_area_scores), and what a
leader reads for their agency (agency_assessment).

Like the other cross-agency assets they read tables published in the same run, so they only see
data that passed every blocking check. Compute is in warehouse/factors.py.
"""

import pyarrow as pa
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, MetadataValue

from warehouse import compute, factors
from warehouse.contracts import load as load_contract
from warehouse.reference import fevs_fiscal_year_rows

from . import keys
from .publication import publisher
from .common import add_provenance, publication_of, publish_result
from .cross_agency import GROUP, _provenance, _published, built_from, curated_agencies

PANEL_TABLES = ("fevs_item_scores", "ex_index_scores", "fevs_intent_to_leave", "workforce_metrics", "internal_cx_scores",
                "cx_service_scores", "agency_scorecard")
PANEL_DEPS = [keys.PUBLISH_AGENCY_SCORECARD, keys.PUBLISH_FEVS_ITEM_SCORES, keys.PUBLISH_FEVS_INTENT_TO_LEAVE,
              keys.PUBLISH_CX_SERVICE_SCORES]


def factor_inputs(store, run_id: str | None = None) -> dict:
    """The panel (long rows), its correlations, each agency-year's size group, agency names (the tables
    as run `run_id` sees them: its staged versions, else the committed snapshot's)."""
    tables = {t: _published(store, t, run_id) for t in PANEL_TABLES}
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


SPECS = [AssetSpec(key, group_name=GROUP, kinds={"duckdb", "parquet"}, deps=PANEL_DEPS, description=desc) for key, desc in (
    (keys.PUBLISH_EX_CX_FACTORS,
     "The factor screen: every FEVS item (by declared cross-year key), FEVS index, intent to leave and workforce metric "
     "against internal CX (overall and per function), the public CX index and trust; per year and pooled, with "
     "Benjamini-Hochberg q-values, sign stability, a size-controlled partial correlation and a robust flag."),
    (keys.PUBLISH_FOCUS_AREA_SCORES,
     "Seven focus areas per agency × year from the indicators in warehouse/reference/focus_areas.csv: the coverage-aware "
     "mean of direction-adjusted within-year z-scores, with rank and percentile in the size group."),
    (keys.PUBLISH_AGENCY_ASSESSMENT,
     "Per agency × year, in reading order: where we stand, what goes with better CX (robust factors), where to start "
     "(the two weakest focus areas)."))]


@publisher(specs=SPECS)
def factor_tables(context: AssetExecutionContext):
    """The three tables from one panel, computed once (the assessment reads the other two)."""
    store, seen = context.resources.cxex.store, publication_of(context)  # the tables as this run's publication sees them
    tables = compute_factor_tables(factor_inputs(store, seen))
    prov = _provenance(store, seen, PANEL_TABLES)
    inputs = built_from(store, seen, PANEL_TABLES)
    for key, (name, partition_col) in zip((s.key for s in SPECS), (("ex_cx_factors", "period"), ("focus_area_scores", "year"),
                                                                    ("agency_assessment", "year"))):
        table = add_provenance(factors.to_table(tables[name], name), prov, context.run_id)
        result = publish_result(context, load_contract(name), table, partition_col, inputs)
        if name == "ex_cx_factors":
            robust = [r for r in tables[name] if r["period"] == factors.POOLED and r["robust"]]
            result.metadata["robust_pooled"] = MetadataValue.json({o: [r["candidate"] for r in robust if r["outcome"] == o]
                                                                   for o in factors.OUTCOMES})
        yield MaterializeResult(asset_key=key, metadata=result.metadata)
