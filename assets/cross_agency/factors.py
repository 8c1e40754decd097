"""Factors, focus areas and an assessment per agency: which work-environment measures go with good
internal and public CX (ex_cx_factors), seven focus areas scored (focus_area_scores), and what a
leader reads for their agency (agency_assessment).

Like the other cross-agency assets they read tables published in the same run, so they only see
data that passed every blocking check. Compute is in warehouse/factors.py.
"""

import pyarrow as pa
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, MetadataValue

from warehouse import compute, factors
from warehouse.assessment import agency_assessment
from warehouse.contracts import load as load_contract
from warehouse.reference import fevs_fiscal_year_rows

from assets.cross_agency.spec import PUBLISH_AGENCY_ASSESSMENT, PUBLISH_AGENCY_SCORECARD, PUBLISH_EX_CX_FACTORS, PUBLISH_FOCUS_AREA_SCORES
from assets.cx.spec import PUBLISH_CX_SERVICE_SCORES
from assets.fevs.spec import PUBLISH_FEVS_INTENT_TO_LEAVE, PUBLISH_FEVS_ITEM_SCORES
from assets.publication import publisher
from assets.common import add_provenance, publication_of, publish_result
from assets.cross_agency.assets import GROUP, _provenance, _published, built_from, curated_agencies

PANEL_TABLES = ("fevs_item_scores", "ex_index_scores", "fevs_intent_to_leave", "workforce_metrics", "internal_cx_scores",
                "cx_service_scores", "agency_scorecard")
PANEL_DEPS = [PUBLISH_AGENCY_SCORECARD, PUBLISH_FEVS_ITEM_SCORES, PUBLISH_FEVS_INTENT_TO_LEAVE,
              PUBLISH_CX_SERVICE_SCORES]


def factor_inputs(store, run_id: str | None = None, min_peers: int = 3) -> dict:
    """The panel (long rows), the focus-area scores, the correlations of the panel and the focus areas
    (screened as candidates, for the advice's evidence), each agency-year's size group, agency names
    (the tables as run `run_id` sees them: its staged versions, else the committed snapshot's)."""
    tables = {t: _published(store, t, run_id) for t in PANEL_TABLES}
    panel = compute.run_sql("factor_panel", relations={
        **tables, "agencies": curated_agencies(), "fevs_years": pa.Table.from_pylist(fevs_fiscal_year_rows()),
        "item_keys": pa.Table.from_pylist(factors.item_keys())})
    card = tables["agency_scorecard"].select(["year", "agency_code", "size_group", "avg_headcount"]).to_pylist()
    names = {r["agency_code"]: r["agency_name"] for r in curated_agencies().to_pylist()}
    size_groups = {(r["year"], r["agency_code"]): r["size_group"] for r in card}
    rows = panel.to_pylist()
    focus = factors.focus_area_scores(rows, factors.focus_area_definitions(), names, size_groups, min_peers)
    areas = pa.Table.from_pylist([{"year": f["year"], "agency_code": f["agency_code"], "variable": "focus_area:" + f["focus_area"],
                                   "kind": "focus_area", "label": f"{f['focus_area_label']} (focus-area score)",
                                   "value": f["score"], "role": "candidate", "basis": ""}
                                  for f in focus if f["score"] is not None], schema=panel.schema)
    return {"panel": rows, "focus": focus, "correlations": factors.correlations(pa.concat_tables([panel, areas]), card),
            "size_groups": size_groups, "agencies": names}


def compute_factor_tables(inputs: dict, min_peers: int = 3) -> dict[str, list[dict]]:
    """All three tables' rows from factor_inputs (the assessment needs the other two)."""
    screen = factors.factor_screen(inputs["correlations"])
    assessment = agency_assessment(screen, inputs["focus"], inputs["panel"], inputs["size_groups"], inputs["agencies"],
                                   factors.focus_area_definitions(), min_peers)
    return {"ex_cx_factors": screen, "focus_area_scores": inputs["focus"], "agency_assessment": assessment}


SPECS = [AssetSpec(key, group_name=GROUP, kinds={"duckdb", "parquet"}, deps=PANEL_DEPS, description=desc) for key, desc in (
    (PUBLISH_EX_CX_FACTORS,
     "The factor screen: every FEVS item (by declared cross-year key), FEVS index, intent to leave and workforce metric "
     "against internal CX (overall and per function), the public CX index and trust; per year and pooled, with "
     "Benjamini-Hochberg q-values, sign stability, a size-controlled partial correlation and a robust flag."),
    (PUBLISH_FOCUS_AREA_SCORES,
     "Seven focus areas per agency × year from the indicators in warehouse/reference/focus_areas.csv: the coverage-aware "
     "mean of direction-adjusted within-year z-scores, with rank and percentile in the comparison group (the size group, "
     "or all agencies below CXEX_MIN_PEERS) and the change from the prior year when like for like."),
    (PUBLISH_AGENCY_ASSESSMENT,
     "Per agency × year, in reading order: where we stand, what goes with better CX (robust factors, composites as one "
     "finding), where to start (areas below the peer median, not built from the outcome, linked to it by the factor "
     "screen; or a sentence that none qualifies)."))]


@publisher(specs=SPECS)
def factor_tables(context: AssetExecutionContext):
    """The three tables from one panel, computed once (the assessment reads the other two)."""
    store, seen = context.resources.cxex.store, publication_of(context)  # the tables as this run's publication sees them
    min_peers = context.resources.cxex.min_peers
    tables = compute_factor_tables(factor_inputs(store, seen, min_peers), min_peers)
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
