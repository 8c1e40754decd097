"""Operating the pipeline: schedules, the landing sensor, remote observation + automation, alerts.

Everything real: a Dagster instance, real runs, a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
from dagster import (AssetSelection, DagsterInstance, build_run_status_sensor_context, instance_for_test,
                     build_schedule_context, build_sensor_context, evaluate_automation_conditions)

from assets import keys
from assets.cx.spec import A11_QUARTERS, CSS_YEARS
from assets.partitions import register
from assets.resources import CxexResource, HttpResource
from tests import cx_data, hand_data
from tests.conftest import QUIET, land, write_prdf

ET = ZoneInfo("America/New_York")


def _defs(data_dir, sources_csv=None):
    from pipelines.definitions import build_definitions

    cxex = CxexResource.from_env(data_dir=str(data_dir))
    return build_definitions(cxex, HttpResource(cxex=cxex, remote_sources_file=str(sources_csv or ""), backoff_seconds=0.01,
                                                timeout_seconds=10))


def _tick(defs, name, when, partitions=()):
    """A schedule's tick; `partitions`: (partition set, keys) that already have data in the instance."""
    sched = next(s for s in defs.schedules if s.name == name)
    repo = defs.get_repository_def()
    with instance_for_test() as instance:  # a schedule's context reaches its instance through a reference
        for pdef, keys_ in partitions:
            register(instance, pdef, keys_)
        with build_schedule_context(instance=instance, scheduled_execution_time=when, repository_def=repo) as ctx:
            data = sched.evaluate_tick(ctx)
    return [r.partition_key for r in data.run_requests or []], data.skip_message


def test_schedules_ask_for_the_partition_each_release_brings(data_dir):
    defs = _defs(data_dir)
    # due 30 days after the quarter ends -> the fiscal quarter that just ended
    # (A-11 quarters and CSS years are partitions once a file with their rows was read)
    have = [(A11_QUARTERS, ["FY2024Q1", "FY2024Q2", "FY2024Q4"]), (CSS_YEARS, ["2024"])]
    assert _tick(defs, "a11_quarterly_schedule", datetime(2024, 1, 30, 6, tzinfo=ET), have)[0] == ["FY2024Q1"]
    assert _tick(defs, "a11_quarterly_schedule", datetime(2024, 4, 30, 6, tzinfo=ET), have)[0] == ["FY2024Q2"]
    assert _tick(defs, "a11_quarterly_schedule", datetime(2024, 10, 30, 6, tzinfo=ET), have)[0] == ["FY2024Q4"]
    none, why = _tick(defs, "a11_quarterly_schedule", datetime(2024, 7, 30, 6, tzinfo=ET), have)  # FY2024Q3: no file yet
    assert none == [] and "FY2024Q3 is not a partition (yet)" in why and "when a file with its rows lands" in why
    assert _tick(defs, "fevs_yearly_schedule", datetime(2025, 6, 1, 6, tzinfo=ET))[0] == ["2024"]
    none, why = _tick(defs, "fevs_yearly_schedule", datetime(2026, 6, 1, 6, tzinfo=ET))  # FEVS 2025 was not fielded
    assert none == [] and "2025 is not a partition" in why
    assert _tick(defs, "css_yearly_schedule", datetime(2024, 12, 1, 6, tzinfo=ET), have)[0] == ["2024"]
    assert _tick(defs, "workforce_monthly_schedule", datetime(2024, 10, 20, 6, tzinfo=ET))[0] == ["202409"]


def _sense(defs, data_dir, cursor=None):
    sensor = next(s for s in defs.sensors if s.name == "landing_files")
    repo = defs.get_repository_def()
    # a persistent instance and its reference, as the daemon's: dynamic partitions resolve through it;
    # the context is closed (`with`) so the instance it opens from the reference is closed too
    with instance_for_test() as instance, build_sensor_context(
            instance=instance, instance_ref=instance.get_ref(), cursor=cursor, repository_def=repo,
            resources={"cxex": CxexResource.from_env(data_dir=str(data_dir))}) as ctx:
        return sensor.evaluate_tick(ctx)


def test_landing_sensor_runs_exactly_the_partitions_new_files_belong_to(data_dir, monkeypatch, capfd):
    monkeypatch.setenv("CXEX_LANDING_SETTLE_SECONDS", "0")
    defs = _defs(data_dir)
    write_prdf(land(data_dir, 2018), hand_data.rows(), hand_data.COLUMNS)
    cx_data.v2(data_dir)  # A-11 era 2 for FY2024 Q3: collections + details + responses
    cx_data.css(data_dir)  # GSA CSS FY2024
    (data_dir / "landing" / "fevs" / "1999").mkdir(parents=True)
    (data_dir / "landing" / "fevs" / "1999" / "old.csv").write_text("x\n")  # no such survey year: named, skipped
    first = _sense(defs, data_dir)
    wanted = sorted((r.job_name, r.partition_key) for r in first.run_requests)
    assert wanted == [("a11_quarterly", "FY2024Q3"), ("css_yearly", "2024"), ("fevs_yearly", "2018")]
    # the new quarter and year become partitions in the same tick (the partition sets grow with the data)
    assert sorted((r.partitions_def_name, tuple(r.partition_keys)) for r in first.dynamic_partitions_requests) == [
        ("a11_fiscal_quarters", ("FY2024Q3",)), ("css_fiscal_years", ("2024",))]
    assert "fevs/1999/old.csv" in first.cursor  # remembered, so it is not retried until it changes
    assert "1999 is not a supported FEVS survey year" in capfd.readouterr().err
    # nothing new: nothing to run
    again = _sense(defs, data_dir, first.cursor)
    assert not again.run_requests and "no new files" in again.skip_message
    # a new response upload for an existing collection: only that collection's quarter
    extra = data_dir / "landing" / "cx" / "a11_v2" / "touchpoints-data-cx-responses-2024-07-02.csv"
    extra.write_text("cx_collection_detail_id,question_1,positive_ease,negative_ease\n201,1,1,null\n")  # CxResponse.to_csv
    fourth = _sense(defs, data_dir, again.cursor)
    assert [(r.job_name, r.partition_key) for r in fourth.run_requests] == [("a11_quarterly", "FY2024Q3")]
    again = fourth
    # a file replaced in one partition: only that partition runs again
    prdf = land(data_dir, 2018)
    prdf.write_text(prdf.read_text())
    os.utime(prdf, ns=(prdf.stat().st_atime_ns, prdf.stat().st_mtime_ns + 5_000_000_000))
    third = _sense(defs, data_dir, again.cursor)
    assert [(r.job_name, r.partition_key) for r in third.run_requests] == [("fevs_yearly", "2018")]
    # and the request runs for real, on the landed file
    req = third.run_requests[0]
    res = defs.resolve_job_def(req.job_name).execute_in_process(partition_key=req.partition_key, tags=req.tags,
                                                                instance=DagsterInstance.ephemeral(), run_config=QUIET)
    assert res.success
    staged = pq.read_table(data_dir / "staging" / "fevs_item_scores" / "survey_year=2018" / "data.parquet")
    assert staged.column("source_file")[0].as_py() == "landing/fevs/2018/prdf.csv"


def test_a_file_still_being_copied_waits(data_dir, monkeypatch):
    monkeypatch.setenv("CXEX_LANDING_SETTLE_SECONDS", "3600")
    write_prdf(land(data_dir, 2019), hand_data.rows(), hand_data.COLUMNS)
    result = _sense(_defs(data_dir), data_dir)
    assert not result.run_requests and "1 still being written" in result.skip_message


def _sources_csv(tmp_path, server, entries):
    path = tmp_path / "remote_sources.csv"
    lines = ["source,partition,url,sha256,notes"] + [f"{s},{p},{server.url}{u},," for s, p, u in entries]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_remote_files_are_fetched_only_when_their_version_changes(data_dir, tmp_path, server, monkeypatch):
    monkeypatch.setenv("CXEX_LANDING_SETTLE_SECONDS", "0")
    served = write_prdf(tmp_path / "served.csv", hand_data.rows(), hand_data.COLUMNS).read_bytes()
    server.files["/fevs/2018.csv"] = served
    server.files["/css/fy2024.csv"] = b"fiscal_year,agency_code,function,respondents,mean_score,score_sd\n2024,VA,hr,100,5.5,1.5\n"
    defs = _defs(data_dir, _sources_csv(tmp_path, server, [("fevs", "2018", "/fevs/2018.csv"), ("gsa_css", "fy2024", "/css/fy2024.csv")]))
    observe = defs.resolve_job_def("observe_remote_sources")
    landing = AssetSelection.keys(keys.LANDING_REMOTE_FILES)
    fetch = defs.resolve_implicit_global_asset_job_def()

    with DagsterInstance.ephemeral() as instance:
        def requested(cursor):
            r = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=landing, cursor=cursor)
            return r.total_requested, r.cursor

        def versions():
            ev = instance.get_latest_data_version_record(keys.SOURCE_REMOTE_FILES, is_source=True)
            return ev.asset_observation.data_version if ev else None

        n, cursor = requested(None)  # the automation sensor's first tick: nothing observed, nothing to do
        assert n == 0
        assert observe.execute_in_process(instance=instance).success
        v1 = versions()
        n, cursor = requested(cursor)
        assert n == 1  # a first version observed: fetch
        fetched = fetch.execute_in_process(instance=instance, asset_selection=[keys.LANDING_REMOTE_FILES])
        assert fetched.success and len(server.gets("/fevs/2018.csv")) == 1
        assert (data_dir / "landing" / "fevs" / "2018" / "2018.csv").read_bytes() == served
        assert (data_dir / "landing" / "cx" / "gsa_css" / "fy2024.csv").exists()
        n, cursor = requested(cursor)
        assert n == 0
        # unchanged remote: the same data version, nothing requested, nothing downloaded
        assert observe.execute_in_process(instance=instance).success
        assert versions() == v1
        n, cursor = requested(cursor)
        assert n == 0 and len(server.gets("/fevs/2018.csv")) == 1
        assert all(m == "HEAD" for m, p, _ in server.requests[-2:])
        # OPM replaces the 2018 file: a new version, one fetch, and the unchanged CSS file answers 304
        server.files["/fevs/2018.csv"] = served + b"\n"
        assert observe.execute_in_process(instance=instance).success
        assert versions() != v1
        n, cursor = requested(cursor)
        assert n == 1
        mat = fetch.execute_in_process(instance=instance, asset_selection=[keys.LANDING_REMOTE_FILES])
        meta = mat.asset_materializations_for_node("landing__remote_files")[0].metadata
        assert meta["fetched"].value == ["fevs/2018"] and meta["unchanged"].value == ["gsa_css/fy2024"]
        assert server.gets("/css/fy2024.csv")[-1].get("If-None-Match")


def test_a_failed_run_alerts_with_the_failing_check(data_dir, server, monkeypatch):
    rows = hand_data.rows()
    rows[3]["Q1"] = 7  # out of the answer set: the blocking GX check fails
    write_prdf(land(data_dir, 2018), rows, hand_data.COLUMNS)
    monkeypatch.setenv("CXEX_ALERT_WEBHOOK", f"{server.url}/hooks/cxex")
    defs = _defs(data_dir)
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("fevs_yearly").execute_in_process(partition_key="2018", instance=instance,
                                                                        raise_on_error=False, run_config=QUIET)
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
        sensor = next(s for s in defs.sensors if s.name == "run_failure_alert")
        with build_run_status_sensor_context(sensor_name=sensor.name, dagster_event=failure, dagster_instance=instance,
                                             dagster_run=result.dagster_run, resources={"http": defs.resources["http"]}) as ctx:
            sensor(ctx.for_run_failure())
    assert len(server.posts) == 1
    path, payload = server.posts[0]
    assert path == "/hooks/cxex" and payload["job"] == "fevs_yearly"
    assert "fevs_yearly partition 2018" in payload["text"] and "unchanged" in payload["text"]
    assert any("fevs_responses_expectations failed" in f and "Q1" in f for f in payload["failures"]), payload
