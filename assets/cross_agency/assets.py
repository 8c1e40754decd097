"""Cross-agency assets: the agency crosswalk, the scorecard of composite indices, and the CX-EX linkage.

They read the tables published in the same run (already validated and contract-checked), so they
only ever see data that passed every blocking check: the versions this run staged, else the
committed snapshot's. The manifest records, for each, the source table versions it was built from
(`built_from`), so a cross-agency table kept from an earlier snapshot says which inputs it reflects.
"""

import csv

import pyarrow as pa
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from warehouse import compute
from warehouse.contracts import load as load_contract
from warehouse.reference import REFERENCE_DIR, fevs_fiscal_year_rows

from assets.cross_agency.spec import PUBLISH_AGENCY_CROSSWALK, PUBLISH_AGENCY_SCORECARD, PUBLISH_CX_EX_LINKAGE
from assets.cx.spec import PUBLISH_CX_INDEX_SCORES, PUBLISH_INTERNAL_CX_SCORES
from assets.fevs.spec import PUBLISH_EX_INDEX_SCORES
from assets.workforce.spec import PUBLISH_WORKFORCE_AGENCIES, PUBLISH_WORKFORCE_METRICS
from assets.publication import publisher
from assets.common import add_provenance, preview, publication_of, publish_result
from assets.cx.layouts import registry_table

GROUP = "cross_agency"
SOURCE = "cxex_cross_agency"
SOURCE_TABLES = ("ex_index_scores", "workforce_metrics", "workforce_agencies", "cx_index_scores", "internal_cx_scores")


def curated_agencies() -> pa.Table:
    with open(REFERENCE_DIR / "agency_crosswalk.csv", newline="") as f:
        rows = [{**r, "in_fevs": r["in_fevs"] == "true"} for r in csv.DictReader(f)]
    return pa.Table.from_pylist(rows)


def composite_weights() -> pa.Table:
    with open(REFERENCE_DIR / "composite_weights.csv", newline="") as f:
        rows = [{**r, "weight": float(r["weight"]), "direction": int(r["direction"])} for r in csv.DictReader(f)]
    return pa.Table.from_pylist(rows)


def _published(store, table: str, run_id: str | None = None) -> pa.Table:
    """A table as this run sees it (staged in this run, else the committed snapshot's), or an empty
    one with its contract's columns when it was never published."""
    return store.read_table(table, run_id) if store.exists(table, run_id) else load_contract(table).schema.empty_table()


def _sources(store, run_id: str) -> dict[str, pa.Table]:
    return {t: _published(store, t, run_id) for t in SOURCE_TABLES}


def built_from(store, run_id: str, tables: tuple[str, ...] = SOURCE_TABLES) -> dict[str, str]:
    """The version of each source table this run's cross-agency tables are built from (kept in the manifest)."""
    manifest = store.read_manifest(run_id)
    return {t: manifest["tables"][t]["version"] for t in tables if t in manifest["tables"]}


def _provenance(store, run_id: str, tables: tuple[str, ...] = SOURCE_TABLES) -> dict:
    """The cross-agency tables derive from published tables: their versions are the provenance."""
    import hashlib

    manifest = store.read_manifest(run_id)
    used = {t: manifest["tables"][t] for t in tables if t in manifest["tables"]}
    sample = False
    for t in tables:
        tab = _published(store, t, run_id)
        if "source_is_sample" in tab.column_names and tab.num_rows:
            sample |= bool(pa.compute.any(tab.column("source_is_sample")).as_py())
    return {"source": SOURCE,
            "source_file": ", ".join(f"publish/{t}@{v['version']}" for t, v in sorted(used.items())),
            "source_sha256": hashlib.sha256("\n".join(f"{t}:{v['sha256']}" for t, v in sorted(used.items())).encode()).hexdigest(),
            "source_is_sample": sample, "source_retrieved_at": None}


@publisher(key=PUBLISH_AGENCY_CROSSWALK, group_name=GROUP, kinds={"duckdb", "parquet"}, required_resource_keys={"cxex"},
       deps=[PUBLISH_EX_INDEX_SCORES, PUBLISH_WORKFORCE_METRICS, PUBLISH_WORKFORCE_AGENCIES,
             PUBLISH_CX_INDEX_SCORES, PUBLISH_INTERNAL_CX_SCORES])
def agency_crosswalk(context: AssetExecutionContext) -> MaterializeResult:
    """Every agency identifier any source uses, mapped to one canonical agency (OPM's two-character code).

    From the curated warehouse/reference/agency_crosswalk.csv: OPM codes (FEVS, FedScope/FWD),
    FedScope sub-elements, FEVS LEVEL1 codes, A-11 service providers, GSA CSS codes. Rows whose code is
    not in the curated list are kept with `mapped = false` and reported by a warning check.
    """
    store, seen = context.resources.cxex.store, publication_of(context)  # the tables as this run's publication sees them
    table = compute.agency_crosswalk(curated_agencies(), registry_table(), _sources(store, seen))
    table = add_provenance(table, _provenance(store, seen), context.run_id)
    result = publish_result(context, load_contract("agency_crosswalk"), table, "identifier_source",
                            built_from(store, seen))
    unmapped = [r["identifier_source"] + ":" + r["identifier"] for r in table.to_pylist() if not r["mapped"]]
    result.metadata["unmapped"] = MetadataValue.json(unmapped)
    return result


@publisher(key=PUBLISH_AGENCY_SCORECARD, group_name=GROUP, kinds={"duckdb", "parquet"}, required_resource_keys={"cxex"},
       deps=[PUBLISH_AGENCY_CROSSWALK])
def agency_scorecard(context: AssetExecutionContext) -> MaterializeResult:
    """One row per agency × year: EX, CX and internal CX indices, components, contributions, ranks, deltas, coverage.

    Components are z-scored across the agencies of the same year with their direction (lower quit
    rate is better), combined with the weights in warehouse/reference/composite_weights.csv, never
    imputed. Method: docs/methodology.md.
    """
    store, seen = context.resources.cxex.store, publication_of(context)
    table = compute_scorecard(_sources(store, seen), context.resources.cxex.min_coverage, context.resources.cxex.min_peers)
    table = add_provenance(table, _provenance(store, seen), context.run_id)
    result = publish_result(context, load_contract("agency_scorecard"), table, "year", built_from(store, seen))
    result.metadata["preview"] = preview(table.select(["year", "agency_code", "ex_index", "ex_rank", "cx_index", "cx_rank"])
                                         .filter(pa.compute.is_valid(table.column("ex_index"))))
    return result


def compute_scorecard(sources: dict[str, pa.Table], coverage: float, min_peers: int = 3) -> pa.Table:
    """warehouse.compute.agency_scorecard with the curated reference tables."""
    return compute.agency_scorecard(sources, curated_agencies(), composite_weights(),
                                    pa.Table.from_pylist(fevs_fiscal_year_rows()), coverage, min_peers)


def compute_linkage(scorecard: pa.Table, min_n: int = 5) -> pa.Table:
    return compute.cx_ex_linkage(scorecard, min_n)


@publisher(key=PUBLISH_CX_EX_LINKAGE, group_name=GROUP, kinds={"duckdb", "parquet"}, required_resource_keys={"cxex"},
       deps=[PUBLISH_AGENCY_SCORECARD])
def cx_ex_linkage(context: AssetExecutionContext) -> MaterializeResult:
    """Per year, the correlation of every EX measure with every CX measure across agencies (Pearson, Spearman, n, 95 % CI)."""
    store, seen = context.resources.cxex.store, publication_of(context)
    scorecard = store.read_table("agency_scorecard", seen)
    table = add_provenance(compute_linkage(scorecard), _provenance(store, seen), context.run_id)
    return publish_result(context, load_contract("cx_ex_linkage"), table, "year", built_from(store, seen))
