"""The Dagster code location loads, as `dagster dev -w workspace.yaml` would load it."""

from __future__ import annotations

import subprocess
import sys

import yaml

from assets.cross_agency.spec import PUBLISH_AGENCY_CROSSWALK, PUBLISH_AGENCY_SCORECARD, PUBLISH_CX_EX_LINKAGE
from assets.cx.spec import CX_SERVICE_SCORES, PUBLISH_CX_INDEX_SCORES
from assets.fevs.spec import EX_INDEX_SCORES, FEVS_ITEM_SCORES, PUBLISH_EX_INDEX_SCORES, PUBLISH_FEVS_ITEM_SCORES
from assets.workforce.spec import PUBLISH_WORKFORCE_METRICS, WORKFORCE_MONTHLY
from assets import keys
from tests.conftest import REPO


def test_definitions_load_with_every_asset_check_and_job():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    assert len(graph.get_all_asset_keys()) == 39  # 25 + the report site, ex_cx_factors, focus_area_scores, agency_assessment, the star's six dimensions, fevs_item_shares (staged, published), intent_vs_attrition (+ correlations)
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and node.group_name in ("fevs", "workforce", "cx", "publish", "cross_agency", "sources"), key
        assert key.path[0] in ("source", "landing", "raw", "warehouse", "publish"), key  # keys mirror where the data lives
    assert graph.get(keys.SOURCE_REMOTE_FILES).is_observable
    # every published table (and the catalog) says how stale it may get before the UI flags it
    assert all(graph.get(k).freshness_policy is not None for k in graph.get_all_asset_keys() if k.path[0] == "publish")
    blocking = {s.name: s.blocking for c in [*defs.asset_checks, *defs.assets] for s in getattr(c, "check_specs", ())}  # the
    # crosswalk's check is evaluated inside the publication (assets/publication.py), before the report counts it
    assert blocking == {"fevs_responses_expectations": True, "fevs_responses_warnings": False, "workforce_employment_expectations": True,
                        "workforce_actions_expectations": True, "workforce_employment_codes_known": False,
                        "workforce_actions_codes_known": False, "workforce_headcount_change": False,
                        "a11_cx_expectations": True, "a11_cx_service_registry": False, "gsa_css_expectations": True, "agency_crosswalk_complete": False}
    assert all(defs.resolve_job_def(j) for j in ("fevs_yearly", "workforce_monthly", "a11_quarterly", "css_yearly", "publish",
                                                 "observe_remote_sources"))
    # schedules exist for every cadence and are off until someone turns them on; so are the trigger sensors
    from dagster import DefaultScheduleStatus, DefaultSensorStatus

    assert {s.name: s.default_status for s in defs.schedules} == {
        n: DefaultScheduleStatus.STOPPED for n in ("workforce_monthly_schedule", "a11_quarterly_schedule",
                                                   "fevs_yearly_schedule", "css_yearly_schedule",
                                                   "observe_remote_sources_schedule")}
    assert {s.name: s.default_status for s in defs.sensors} == {
        "landing_files": DefaultSensorStatus.STOPPED, 
        "cxex_automation": DefaultSensorStatus.STOPPED, "run_failure_alert": DefaultSensorStatus.RUNNING}
    assert defs.resolve_job_def("fevs_yearly").partitions_def.get_partition_keys() == [str(y) for y in range(2018, 2025)]
    months = defs.resolve_job_def("workforce_monthly").partitions_def.get_partition_keys()
    assert months[0] == "199710" and "202409" in months  # FedScope history from FY1998; a time window


def test_workspace_yaml_points_at_the_definitions_module():
    ws = yaml.safe_load((REPO / "workspace.yaml").read_text())
    module = ws["load_from"][0]["python_module"]["module_name"]
    out = subprocess.run([sys.executable, "-c", f"import {module} as m; print(type(m.defs).__name__)"],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "Definitions", out.stderr


def test_gx_is_not_imported_when_definitions_load():
    code = "import sys, pipelines.definitions; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_dependency_direction():
    """warehouse imports nothing of ours; assets never import pipelines or quality_checks, not even by a module
    name in a string (importlib)."""
    import re

    for pkg, forbidden in {"warehouse": ("assets", "pipelines", "quality_checks"),
                           "assets": ("pipelines", "quality_checks")}.items():
        for path in (REPO / pkg).rglob("*.py"):
            for line in path.read_text().splitlines():
                m = re.match(r"\s*(?:from|import)\s+([a-z_]+)", line) or re.search(r"import_module\(f?[\"']([a-z_]+)", line)
                assert not (m and m.group(1) in forbidden), f"{path}: {line.strip()}"


def test_dagster_ge_is_not_locked():
    pins = [l.split("==")[0].lower().replace("_", "-") for l in (REPO / "requirements.lock").read_text().splitlines()
            if l and not l.startswith("#")]
    assert "dagster-ge" not in pins and "great-expectations" in pins
    assert all("==" in l for l in (REPO / "requirements.lock").read_text().splitlines() if l and not l.startswith("#"))


def test_downstream_tables_depend_on_every_partition_of_their_inputs():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    for pub, staged in [(PUBLISH_FEVS_ITEM_SCORES, FEVS_ITEM_SCORES), (PUBLISH_EX_INDEX_SCORES, EX_INDEX_SCORES),
                        (PUBLISH_WORKFORCE_METRICS, WORKFORCE_MONTHLY), (PUBLISH_CX_INDEX_SCORES, CX_SERVICE_SCORES)]:
        node = graph.get(pub)
        assert staged in node.parent_keys and node.partitions_def is None
        assert graph.get(staged).partitions_def is not None  # unpartitioned child of a partitioned parent: all partitions
    assert PUBLISH_AGENCY_CROSSWALK in graph.get(PUBLISH_AGENCY_SCORECARD).parent_keys
    assert PUBLISH_AGENCY_SCORECARD in graph.get(PUBLISH_CX_EX_LINKAGE).parent_keys
    assert keys.SOURCE_REMOTE_FILES in graph.get(keys.LANDING_REMOTE_FILES).parent_keys


def test_deploy_dagster_yaml_is_a_valid_instance_config(tmp_path):
    """deploy/one-host/dagster.yaml minus its Postgres storage (dagster-postgres is not installed here) loads."""
    from dagster import DagsterInstance

    cfg = yaml.safe_load((REPO / "deploy" / "one-host" / "dagster.yaml").read_text())
    assert "postgres" in cfg.pop("storage")
    cfg["compute_logs"]["config"]["base_dir"] = str(tmp_path / "logs")
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(cfg))
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 4
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 1


def test_published_and_staged_assets_show_their_contract_columns():
    """The UI's asset page shows columns from the contract (declared once); row counts come with each publication."""
    from warehouse.contracts import load

    from pipelines.definitions import defs
    graph = defs.resolve_asset_graph()
    for key in (PUBLISH_EX_INDEX_SCORES, PUBLISH_AGENCY_SCORECARD, FEVS_ITEM_SCORES):
        schema = graph.get(key).metadata["dagster/column_schema"]
        contract = load(key.path[-1])
        assert [c.name for c in schema.columns] == contract.column_names
        assert all(c.description for c in schema.columns)


def test_a11_and_css_partitions_grow_with_the_data(monkeypatch):
    """A-11 quarters and CSS years are dynamic partition sets (assets/cx/spec.py): nothing about
    them is fixed when the code location loads. A key is accepted from FY2019 to the fiscal year of
    the day it is asked (a server started before 1 October must accept the new year after it), and
    `register` adds the keys a run has data for, sorted, keeping those it has."""
    from dagster import DagsterInstance, DynamicPartitionsDefinition

    from assets.cx import spec as p
    from assets.fevs.spec import FEVS_YEARS
    from assets.partitions import partition_keys_now, register
    from pipelines.definitions import defs

    for job, pdef in (("a11_quarterly", p.A11_QUARTERS), ("css_yearly", p.CSS_YEARS)):
        assert isinstance(pdef, DynamicPartitionsDefinition) and defs.resolve_job_def(job).partitions_def == pdef
    monkeypatch.setattr(p, "fiscal_year_today", lambda: 2030)
    assert p.is_a11_quarter("FY2030Q4") and p.is_css_year("2030") and p.is_a11_quarter("FY2019Q1")
    assert not any([p.is_a11_quarter("FY2031Q1"), p.is_a11_quarter("FY2018Q4"), p.is_a11_quarter("FY2024Q5"),
                    p.is_a11_quarter("2024Q1"), p.is_css_year("2031"), p.is_css_year("FY2024")])
    monkeypatch.setattr(p, "fiscal_year_today", lambda: 2031)  # the next fiscal year begins: no restart needed
    assert p.is_a11_quarter("FY2031Q1") and p.is_css_year("2031")
    with DagsterInstance.ephemeral() as instance:
        assert register(instance, p.A11_QUARTERS, ["FY2024Q2", "FY2024Q1"]) == ["FY2024Q1", "FY2024Q2"]
        assert register(instance, p.A11_QUARTERS, ["FY2024Q2", "FY2024Q3"]) == ["FY2024Q3"]
        assert partition_keys_now(p.A11_QUARTERS, instance) == ["FY2024Q1", "FY2024Q2", "FY2024Q3"]
        assert register(instance, FEVS_YEARS, ["2031"]) == []  # a static set is left as it is
        assert partition_keys_now(p.CSS_YEARS, instance) == []
