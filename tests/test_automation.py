"""Declarative publication: a source's tables publish when its partitions succeed; a failed one blocks only itself."""

from __future__ import annotations

from dagster import AssetSelection, DagsterInstance, evaluate_automation_conditions

from assets import keys
from tests import hand_data
from tests import workforce_data as wd
from tests.conftest import land, make_defs, run_year, write_prdf
from tests.test_workforce_formulas import run_months

PUBLISHED = AssetSelection.groups("publish", "cross_agency")
CROSS = {keys.PUBLISH_EX_CX_FACTORS, keys.PUBLISH_FOCUS_AREA_SCORES, keys.PUBLISH_AGENCY_ASSESSMENT, keys.PUBLISH_AGENCY_CROSSWALK,
         keys.PUBLISH_AGENCY_SCORECARD, keys.PUBLISH_CX_EX_LINKAGE, keys.WAREHOUSE_CATALOG,
         keys.PUBLISH_REPORT,  # the report site is rebuilt with every publication
         *keys.DIMENSION_KEYS.values(), *keys.INTENT_VS_ATTRITION_KEYS}
ALL = {getattr(keys, k) for k in dir(keys) if k.startswith(("PUBLISH_", "WAREHOUSE_CATALOG"))}


def _requested(result) -> set:
    return {k for k in ALL if result.get_num_requested(k)}


def test_publication_follows_successful_partitions_and_a_failure_blocks_only_its_source(data_dir):
    defs = make_defs(data_dir)
    with DagsterInstance.ephemeral() as instance:
        first = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=PUBLISHED)
        assert first.total_requested == 0  # nothing has run: nothing to publish

        write_prdf(land(data_dir, 2018), hand_data.rows(), hand_data.COLUMNS)
        assert run_year(defs, 2018, instance).success
        after_fevs = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=PUBLISHED,
                                                    cursor=first.cursor)
        # FEVS's tables, and what is built from published tables (in the same tick), not the other sources'
        assert _requested(after_fevs) == {keys.PUBLISH_FEVS_ITEM_SCORES, keys.PUBLISH_EX_INDEX_SCORES,
                                          keys.PUBLISH_FEVS_INTENT_TO_LEAVE, keys.PUBLISH_FEVS_ITEM_SHARES, *CROSS}

        # a corrupt 2019 (its blocking check fails) and a good workforce month land together
        rows = hand_data.rows()
        rows[3]["Q12"] = 7
        write_prdf(land(data_dir, 2019), rows, hand_data.COLUMNS)
        assert not run_year(defs, 2019, instance).success
        wd.write_fwd_month(data_dir, "202406")
        assert all(r.success for r in run_months(defs, ["202406"], instance))
        after_bad = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=PUBLISHED,
                                                   cursor=after_fevs.cursor)
        requested = _requested(after_bad)
        assert keys.PUBLISH_WORKFORCE_METRICS in requested
        assert not requested & {keys.PUBLISH_FEVS_ITEM_SCORES, keys.PUBLISH_EX_INDEX_SCORES, keys.PUBLISH_FEVS_INTENT_TO_LEAVE,
                                keys.PUBLISH_FEVS_ITEM_SHARES}
