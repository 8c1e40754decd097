"""The BI star's conformed dimensions: dim_agency, dim_period, dim_level1, dim_fevs_item, dim_cx_service, dim_fevs_question.

Built from the curated reference files and every key the published facts use (warehouse/star.py),
so each fact joins each dimension on its key with its row count unchanged.
"""

import hashlib

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult

from warehouse.contracts import all_contracts, load as load_contract
from warehouse.reference import REFERENCE_DIR
from warehouse.star import DIMENSIONS, build_dimensions, is_fact

from assets.cross_agency.spec import DIMENSION_KEYS
from assets.publication import publisher
from assets.common import add_provenance, publication_of, publish_result

GROUP = "cross_agency"
REFERENCE_FILES = ("agency_crosswalk.csv", "agency_short_names.csv", "fevs_level1.csv", "fevs_items.csv", "fevs_item_keys.csv",
                   "fevs_wording_fixes.csv",
                   "fevs_item_map.csv", "fevs_survey_years.csv", "a11_service_registry.csv")
FACT_DEPS = [AssetKey(["publish", c.table]) for c in all_contracts() if is_fact(c)]  # every fact of the star
DESCRIPTIONS = {d: load_contract(d).description for d in DIMENSIONS}


def published_facts(store, run_id: str | None = None) -> dict:
    """Every fact of the star (warehouse.star.is_fact) as this run will publish it: a version staged
    by the run if there is one, else the committed one (warehouse/publish.py)."""
    return {c.table: store.read_table(c.table, run_id) for c in all_contracts()
            if is_fact(c) and store.exists(c.table, run_id)}


def _provenance(store, facts: dict, run_id: str | None = None) -> dict:
    manifest = store.read_manifest(run_id)["tables"]
    used = {t: manifest[t] for t in sorted(facts) if t in manifest}
    ref = {f: hashlib.sha256((REFERENCE_DIR / f).read_bytes()).hexdigest() for f in REFERENCE_FILES}
    lines = [f"{f}:{h}" for f, h in ref.items()] + [f"{t}:{v['sha256']}" for t, v in used.items()]
    sample = any(bool(t.column("source_is_sample").to_pylist() and any(t.column("source_is_sample").to_pylist()))
                 for t in facts.values() if "source_is_sample" in t.column_names)
    return {"source": "cxex_star",
            "source_file": ", ".join([f"warehouse/reference/{f}" for f in REFERENCE_FILES]
                                     + [f"publish/{t}@{v['version']}" for t, v in used.items()]),
            "source_sha256": hashlib.sha256("\n".join(lines).encode()).hexdigest(),
            "source_is_sample": sample, "source_retrieved_at": None}


@publisher(specs=[AssetSpec(DIMENSION_KEYS[d], group_name=GROUP, kinds={"duckdb", "parquet"}, deps=FACT_DEPS,
                              description=DESCRIPTIONS[d]) for d in DIMENSIONS])
def star_dimensions(context: AssetExecutionContext):
    """The six conformed dimensions, published together (warehouse/star.py)."""
    store, seen = context.resources.cxex.store, publication_of(context)  # the tables as this run's publication sees them
    facts = published_facts(store, seen)
    record = _provenance(store, facts, seen)
    for name, table in build_dimensions(facts).items():
        table = add_provenance(table, record, context.run_id)
        result = publish_result(context, load_contract(name), table, table.column_names[0])
        yield MaterializeResult(asset_key=DIMENSION_KEYS[name], metadata={
            k: v for k, v in result.metadata.items() if not k.endswith("_keys") and not k.startswith("sample_")})
