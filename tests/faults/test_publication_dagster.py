"""The snapshot rule in real Dagster runs (issue 19 item 1): publish steps only stage their table; the
catalog step (assets/catalog.py) commits the run's set with one manifest rename. A step that fails
skips the catalog step, so the whole previous snapshot stays current; a run without the catalog
step (one table materialized from the UI) commits its table on its own and rebuilds the catalog.
The asset bodies call the real assets/common.py publish_result with contract-shaped rows
(tests/faults/publication_support.py)."""

from __future__ import annotations

from dagster import asset, materialize

from assets import keys
from assets.catalog import warehouse_catalog
from assets.common import publish_result
from pipelines.resources import CxexResource
from tests.conftest import QUIET
from tests.faults.publication_support import contract_table, layout_and_store, published_set
from warehouse.contracts import load

BROKEN = {"on": False}


@asset(key=keys.PUBLISH_EX_INDEX_SCORES, required_resource_keys={"cxex"})
def ex_index_scores(context):
    return publish_result(context, load("ex_index_scores"), contract_table("ex_index_scores", context.run_id), "survey_year")


@asset(key=keys.PUBLISH_AGENCY_SCORECARD, deps=[keys.PUBLISH_EX_INDEX_SCORES], required_resource_keys={"cxex"})
def agency_scorecard(context):
    if BROKEN["on"]:
        raise OSError(28, "No space left on device")  # the step fails after ex_index_scores was staged
    return publish_result(context, load("agency_scorecard"), contract_table("agency_scorecard", context.run_id), "year")


def test_a_failed_step_keeps_the_previous_snapshot_and_a_lone_table_commits_itself(data_dir):
    cxex = CxexResource(data_dir=str(data_dir))
    both = [ex_index_scores, agency_scorecard, warehouse_catalog]
    first = materialize(both, resources={"cxex": cxex}, run_config=QUIET)
    layout, store = layout_and_store(data_dir)
    manifest = store.read_manifest()
    assert {e["run_id"] for e in manifest["tables"].values()} == {first.run_id} and len(manifest["history"]) == 1

    before = published_set(data_dir)
    BROKEN["on"] = True
    try:
        failed = materialize(both, resources={"cxex": cxex}, run_config=QUIET, raise_on_error=False)
    finally:
        BROKEN["on"] = False
    assert not failed.success
    assert published_set(data_dir) == before  # ex_index_scores was staged, never committed
    assert store.read_manifest(failed.run_id)["tables"]["ex_index_scores"]["run_id"] == failed.run_id

    lone = materialize([ex_index_scores], resources={"cxex": cxex}, run_config=QUIET)
    after = store.read_manifest()
    assert after["tables"]["ex_index_scores"]["run_id"] == lone.run_id
    assert after["tables"]["agency_scorecard"]["run_id"] == first.run_id and after["previous_snapshot"] == manifest["snapshot"]
    from warehouse.recovery import catalog_pins

    assert catalog_pins(layout.warehouse_file, store)  # the catalog follows the lone commit


def test_runs_of_one_publication_commit_together_at_its_catalog_step(data_dir):
    """`make run` (pipelines/run.py): each source's worker stages its tables in a run of its own, tagged
    with the make run's publication (`cxex/publication`); those runs commit nothing, and the last run
    of the publication (with the catalog step) commits every table of it as one snapshot."""
    from assets.common import PUBLICATION_TAG

    cxex = CxexResource(data_dir=str(data_dir))
    layout, store = layout_and_store(data_dir)
    tags = {PUBLICATION_TAG: "make-run-test-1"}
    source = materialize([ex_index_scores], resources={"cxex": cxex}, run_config=QUIET, tags=tags)
    assert store.read_manifest()["tables"] == {}  # staged only: nothing is current yet
    assert store.read_manifest("make-run-test-1")["tables"]["ex_index_scores"]["run_id"] == source.run_id

    last = materialize([agency_scorecard, warehouse_catalog], resources={"cxex": cxex}, run_config=QUIET, tags=tags,
                       selection=[keys.PUBLISH_AGENCY_SCORECARD, keys.WAREHOUSE_CATALOG])
    manifest = store.read_manifest()
    assert len(manifest["history"]) == 1 and manifest["run_id"] == last.run_id  # one snapshot, committed by the last run
    assert manifest["tables"]["ex_index_scores"]["run_id"] == source.run_id
    assert manifest["tables"]["agency_scorecard"]["run_id"] == last.run_id
    assert store.pending("make-run-test-1") == {}

    # a publication whose last run fails commits nothing of it
    source2 = materialize([ex_index_scores], resources={"cxex": cxex}, run_config=QUIET, tags={PUBLICATION_TAG: "make-run-test-2"})
    BROKEN["on"] = True
    try:
        failed = materialize([agency_scorecard, warehouse_catalog], resources={"cxex": cxex}, run_config=QUIET,
                             tags={PUBLICATION_TAG: "make-run-test-2"}, raise_on_error=False,
                             selection=[keys.PUBLISH_AGENCY_SCORECARD, keys.WAREHOUSE_CATALOG])
    finally:
        BROKEN["on"] = False
    assert not failed.success and store.read_manifest() == manifest
    assert store.pending("make-run-test-2")["ex_index_scores"]["run_id"] == source2.run_id  # left for recovery to discard
