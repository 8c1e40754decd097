"""The snapshot rule in real Dagster runs (issues 19 and 32): publication is ONE multi-asset that cannot be
subset (assets/publication.py). Its publishers only stage their tables; the catalog step commits the set
with one manifest rename, and materializations are reported only after it. A publisher that fails fails
the step before the commit, so the whole previous snapshot stays current. The publishers here call the
real assets/common.py publish_result with contract-shaped rows (tests/faults/publication_support.py)
and the real catalog publisher (assets/catalog.py)."""

from __future__ import annotations

from dagster import AssetSpec, materialize

from assets.cross_agency.spec import PUBLISH_AGENCY_SCORECARD
from assets.fevs.spec import PUBLISH_EX_INDEX_SCORES
from assets import keys
from assets.catalog import warehouse_catalog
from assets.common import publish_result
from assets.publication import PUBLISHERS, Publisher, build_publication
from assets.resources import CxexResource
from tests.conftest import QUIET
from tests.faults.publication_support import contract_table, layout_and_store, published_set
from warehouse.contracts import load

BROKEN = {"on": False}


def ex_index_scores(context):
    return publish_result(context, load("ex_index_scores"), contract_table("ex_index_scores", context.run_id), "survey_year")


def agency_scorecard(context):
    if BROKEN["on"]:
        raise OSError(28, "No space left on device")  # the step fails after ex_index_scores was staged
    table = contract_table("agency_scorecard", context.run_id)
    return publish_result(context, load("agency_scorecard"), table, "year", {"ex_index_scores": "v-test"})


def _publication():
    """The real publication builder over two test publishers and the real catalog (the commit)."""
    catalog = next(p for p in PUBLISHERS if keys.WAREHOUSE_CATALOG in p.keys)
    mine = [Publisher((AssetSpec(PUBLISH_EX_INDEX_SCORES),), ex_index_scores),
            Publisher((AssetSpec(PUBLISH_AGENCY_SCORECARD, deps=[PUBLISH_EX_INDEX_SCORES]),), agency_scorecard)]
    return build_publication([*mine, catalog], name="test_publication")


def test_a_failed_publisher_keeps_the_previous_snapshot_whole(data_dir):
    assert warehouse_catalog  # the real commit step
    cxex = CxexResource(data_dir=str(data_dir))
    pub = _publication()
    first = materialize([pub], resources={"cxex": cxex}, run_config=QUIET)
    layout, store = layout_and_store(data_dir)
    manifest = store.read_manifest()
    assert {e["run_id"] for e in manifest["tables"].values()} == {first.run_id} and len(manifest["history"]) == 1
    assert {e.asset_key for e in first.get_asset_materialization_events()} == {
        PUBLISH_EX_INDEX_SCORES, PUBLISH_AGENCY_SCORECARD, keys.WAREHOUSE_CATALOG}

    before = published_set(data_dir)
    BROKEN["on"] = True
    try:
        failed = materialize([pub], resources={"cxex": cxex}, run_config=QUIET, raise_on_error=False)
    finally:
        BROKEN["on"] = False
    assert not failed.success
    assert published_set(data_dir) == before and store.read_manifest() == manifest  # staged, never committed
    assert not failed.get_asset_materialization_events()  # nothing reported for a publication that did not commit


def test_one_table_cannot_be_published_alone(data_dir):
    """The UI's Materialize on one table: Dagster runs the whole publication or refuses the subset."""
    cxex = CxexResource(data_dir=str(data_dir))
    pub = _publication()
    try:
        result = materialize([pub], selection=[PUBLISH_AGENCY_SCORECARD], resources={"cxex": cxex}, run_config=QUIET)
    except Exception as e:  # noqa: BLE001 - Dagster's refusal of a subset of a non-subsettable asset
        causes = []
        while e is not None:
            causes.append(str(e))
            e = e.__cause__
        assert "subset" in " ".join(causes).lower(), causes
        return
    tables = layout_and_store(data_dir)[1].read_manifest()["tables"]
    assert {"ex_index_scores", "agency_scorecard"} <= set(tables) and result.success
