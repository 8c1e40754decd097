"""Whether intent to leave comes true: FEVS intent-to-leave shares beside the next fiscal year's attrition.

Reads fevs_intent_to_leave and workforce_metrics as this run's publication sees them (already validated
and contract-checked) and publishes intent_vs_attrition (per agency × survey year) and
intent_vs_attrition_correlations (across agencies, per survey year; cx_ex_linkage's statistics rules).
"""

import pyarrow as pa
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult

from warehouse import compute
from warehouse.contracts import load as load_contract
from warehouse.reference import fevs_fiscal_year_rows

from assets.cross_agency.spec import INTENT_VS_ATTRITION_KEYS
from assets.fevs.spec import PUBLISH_FEVS_INTENT_TO_LEAVE
from assets.workforce.spec import PUBLISH_WORKFORCE_METRICS
from assets.publication import publisher
from assets.common import add_provenance, publication_of, publish_result
from assets.cross_agency.assets import _provenance, _published, built_from

INPUTS = ("fevs_intent_to_leave", "workforce_metrics")
MIN_AGENCIES = 5  # as cx_ex_linkage: fewer agencies give n with null coefficients
TABLES = {k.path[-1]: k for k in INTENT_VS_ATTRITION_KEYS}


def compute_intent_vs_attrition(intent: pa.Table, workforce: pa.Table, min_n: int = MIN_AGENCIES) -> dict[str, pa.Table]:
    years = pa.Table.from_pylist([{"survey_year": r["survey_year"], "fiscal_year": r["fiscal_year"]} for r in fevs_fiscal_year_rows()])
    panel = compute.run_sql("intent_vs_attrition", relations={"intent": intent, "workforce": workforce, "years": years})
    corr = compute.run_sql("intent_vs_attrition_correlations", {"min_n": min_n}, {"panel": panel})
    return {"intent_vs_attrition": panel, "intent_vs_attrition_correlations": corr}


@publisher(specs=[AssetSpec(key, group_name="cross_agency", kinds={"duckdb", "parquet"},
                              deps=[PUBLISH_FEVS_INTENT_TO_LEAVE, PUBLISH_WORKFORCE_METRICS],
                              description=load_contract(name).description) for name, key in TABLES.items()])
def intent_vs_attrition(context: AssetExecutionContext):
    """Intent to leave (FEVS) beside the following fiscal year's quit, transfer-out and separation rates."""
    store, seen = context.resources.cxex.store, publication_of(context)
    tables = compute_intent_vs_attrition(*(_published(store, t, seen) for t in INPUTS))
    record = _provenance(store, seen, INPUTS)
    for name, table in tables.items():
        result = publish_result(context, load_contract(name), add_provenance(table, record, context.run_id),
                                "survey_year", built_from(store, seen, INPUTS))
        yield MaterializeResult(asset_key=TABLES[name], metadata=result.metadata)
