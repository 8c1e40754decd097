"""What `make run` prints at the end (warehouse/summary.py), on the session's real run of the embedded
default, and the per-year sample/landed label on a hand-made table."""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.summary import source_label


def test_summary_counts_checks_names_agencies_and_says_each_correlation_once(default_run):
    data_dir, out = default_run
    [checks] = re.findall(r"^Checks: (\d+) run, (\d+) passed, (\d+) warned, (\d+) failed$", out, re.M)
    run, passed, warned, failed = map(int, checks)
    assert run == passed + warned + failed and run >= 8 and failed == 0  # one evaluation per check and run (ranges run once)
    assert warned >= 1  # the samples' Excel-mangled RandomID, as on OPM's files: a warning, never a failure
    assert "make sql" in out and "duckdb -readonly" not in out
    short = {r["agency_code"]: r["short_name"]
             for r in pq.read_table(data_dir / "publish" / "dim_agency").select(["agency_code", "short_name"]).to_pylist()}
    top = next(line for line in out.splitlines() if line.startswith("  top:"))
    entries = [e.rsplit(" ", 1)[0] for e in top.split(":", 1)[1].split(",")]
    assert entries and all(e.strip() in short.values() for e in entries), top
    assert not re.search(r"\b[A-Z]{2} \d", top)  # no bare two-letter codes
    links = [line for line in out.splitlines() if line.startswith("  EX index vs")]
    stats = [line.split(":", 1)[1] for line in links]
    assert links and len(stats) == len(set(stats)), links


def test_sample_and_landed_are_labelled_per_year():
    con = duckdb.connect()
    con.register("t", pa.table({"survey_year": [2023, 2023, 2024, 2024], "source_is_sample": [True, True, False, False]}))
    assert source_label(con, "t", "survey_year", [2024]) == " (landed files)"
    assert source_label(con, "t", "survey_year", [2023]) == " (SAMPLE data)"
    assert source_label(con, "t", "survey_year", [2023, 2024]) == " (SAMPLE data for 2023; landed files for 2024)"


def test_scorecard_changes_in_points_beside_z(default_run):
    """eei_delta_points recomputed here with pandas: this year's eei minus the previous fiscal year's."""
    data_dir, _ = default_run
    card = pq.read_table(data_dir / "publish" / "agency_scorecard").to_pandas().sort_values(["agency_code", "year"])
    prev = card.groupby("agency_code")[["year", "eei"]].shift(1)
    expected = (card["eei"] - prev["eei"]).where(prev["year"] == card["year"] - 1)
    both = expected.notna()
    assert both.sum() >= 10
    assert ((card.loc[both, "eei_delta_points"] - expected[both]).abs() < 1e-9).all()
    assert card.loc[~both, "eei_delta_points"].isna().all()


def test_readme_schedule_times_name_the_timezone_each_schedule_runs_in(data_dir):
    from tests.conftest import REPO, make_defs

    readme = (REPO / "README.md").read_text().splitlines()
    checked = 0
    for s in make_defs(data_dir).schedules:
        row = next((line for line in readme if line.startswith(f"| `{s.name}`")), "")
        if "06:00" in row:
            assert ("UTC" in row) == (s.execution_timezone in (None, "UTC")), row
            assert ("Eastern" in row) == (s.execution_timezone == "America/New_York"), row
            checked += 1
    assert checked >= 1


def test_readme_ranking_query_ranks_agencies_only(default_run):
    """The README's first example query, run on the catalog: no pooled `XX`, no governmentwide row."""
    from tests.conftest import REPO

    data_dir, _ = default_run
    block = (REPO / "README.md").read_text().split("```sql", 1)[1].split("```", 1)[0]
    first = block.split(";", 1)[0]
    from warehouse.catalog import connect

    con = connect(data_dir / "warehouse.duckdb")  # read-only, the views' relative paths resolved from the data folder
    rows = con.execute(first).fetchall()
    kinds = dict(con.execute("SELECT short_name, kind FROM dim_agency").fetchall())
    con.close()
    assert len(rows) >= 10 and {kinds[r[0]] for r in rows} == {"agency"}


def test_a_range_run_logs_its_partitions_as_they_start(monkeypatch):
    """Progress within a source: a real single-run range over four partitions logs the first and the
    last partition, and any other that starts a progress interval after the line before (`make run`
    shows them on a terminal, where its console log level is INFO)."""
    import time

    from dagster import BackfillPolicy, DagsterInstance, StaticPartitionsDefinition, asset, materialize

    import assets.common
    from assets.common import partition_keys

    done = []
    slow = {"2022"}  # a partition that takes longer than the interval

    @asset(partitions_def=StaticPartitionsDefinition(["2021", "2022", "2023", "2024"]), backfill_policy=BackfillPolicy.single_run())
    def years(context) -> None:
        for key in partition_keys(context):
            done.append(key)
            if key in slow:
                time.sleep(0.3)

    def logged_lines() -> list[str]:
        instance = DagsterInstance.ephemeral()
        result = materialize([years], instance=instance, tags={"dagster/asset_partition_range_start": "2021",
                                                             "dagster/asset_partition_range_end": "2024"})
        return [e.user_message for e in instance.all_logs(result.run_id) if "partition 20" in (e.user_message or "")]

    monkeypatch.setattr(assets.common, "PROGRESS_SECONDS", 0.25)
    # 2021 first; 2022 starts at once (not logged); 2023 starts 0.3 s after the line for 2021; 2024 last
    assert logged_lines() == ["years: partition 2021 (1/4)", "years: partition 2023 (3/4)", "years: partition 2024 (4/4)"]
    assert done == ["2021", "2022", "2023", "2024"]
    monkeypatch.setattr(assets.common, "PROGRESS_SECONDS", 0)  # every partition
    assert logged_lines() == [f"years: partition {y} ({i}/4)" for i, y in enumerate(["2021", "2022", "2023", "2024"], 1)]
    slow.clear()
    monkeypatch.setattr(assets.common, "PROGRESS_SECONDS", 60)  # fast partitions: the first and the last
    assert logged_lines() == ["years: partition 2021 (1/4)", "years: partition 2024 (4/4)"]
