"""Declarative publication: a source's tables publish when its partitions succeed; a failed one blocks only itself."""

from __future__ import annotations

from dagster import AssetSelection, DagsterInstance, evaluate_automation_conditions

from tests import hand_data
from tests import workforce_data as wd
from tests.conftest import land, make_defs, run_year, write_prdf
from tests.test_workforce_formulas import run_months

PUBLISHED = AssetSelection.groups("publish")
def test_publication_follows_successful_partitions_and_a_failure_blocks_only_its_source(data_dir):
    """The automation sensor requests the publication (all of it: one asset, assets/publication.py) once a
    source's partitions succeed; a partition whose blocking check failed keeps its staged output, so the
    publication that follows keeps that source's tables as they were and publishes the others."""
    from tests.conftest import run_publish

    defs = make_defs(data_dir)
    with DagsterInstance.ephemeral() as instance:
        first = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=PUBLISHED)
        assert first.total_requested == 0  # nothing has run: nothing to publish

        write_prdf(land(data_dir, 2018), hand_data.rows(), hand_data.COLUMNS)
        assert run_year(defs, 2018, instance).success
        after_fevs = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=PUBLISHED,
                                                    cursor=first.cursor)
        assert after_fevs.total_requested, "the publication is requested once a source succeeds"
        assert run_publish(defs, instance).success
        store = defs.resources["cxex"].store
        fevs = {t: store.read_manifest()["tables"][t]["version"] for t in ("fevs_item_scores", "ex_index_scores")}
        settled = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=PUBLISHED,
                                                 cursor=after_fevs.cursor)  # the sensor's next tick: handled
        assert settled.total_requested == 0

        # a corrupt 2019 (its blocking check fails) and a good workforce month land together
        rows = hand_data.rows()
        rows[3]["Q12"] = 7
        write_prdf(land(data_dir, 2019), rows, hand_data.COLUMNS)
        assert not run_year(defs, 2019, instance).success
        wd.write_fwd_month(data_dir, "202406")
        assert all(r.success for r in run_months(defs, ["202406"], instance))
        after_bad = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=PUBLISHED,
                                                   cursor=settled.cursor)
        assert after_bad.total_requested  # the workforce month updated: the publication runs again
        assert run_publish(defs, instance).success
        tables = store.read_manifest()["tables"]
        assert {t: tables[t]["version"] for t in fevs} == fevs  # FEVS kept as it was: 2019 never reached its scores
        assert "workforce_metrics" in tables
