"""`make run SOURCE=... PARTITIONS=...` and `python -m pipelines.run --help`: choosing what runs."""

from __future__ import annotations

import subprocess

import pytest

from assets.partitions import contiguous_ranges
from pipelines.run import main, select_partitions
from tests.conftest import REPO

MONTHS = [f"2023{m:02d}" for m in range(1, 13)]


def test_partition_specs_select_from_what_has_data():
    assert select_partitions(["2018", "2019", "2020", "2022"], "2019-2021") == ["2019", "2020"]
    assert select_partitions(["2018", "2019", "2020"], "2020,2018,1999") == ["2018", "2020"]
    assert select_partitions(MONTHS, "202303-202305") == ["202303", "202304", "202305"]
    assert select_partitions(["FY2024Q1", "FY2024Q2", "FY2024Q3"], "FY2024Q2-FY2024Q3") == ["FY2024Q2", "FY2024Q3"]
    assert select_partitions(MONTHS, "") == MONTHS


def test_consecutive_partitions_are_one_run_and_gaps_split_them():
    assert contiguous_ranges(["202301", "202302", "202303"], MONTHS) == [("202301", "202303")]
    assert contiguous_ranges(["202305", "202301", "202302"], MONTHS) == [("202301", "202302"), ("202305", "202305")]


def test_unknown_source_is_refused_before_any_work(data_dir, monkeypatch, capsys):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert main(["--source", "fedscope"]) == 2
    assert "unknown source(s) fedscope; choose from fevs, workforce, a11, css" in capsys.readouterr().err
    assert not (data_dir / "publish").exists()


def test_help_prints_the_flags_and_runs_nothing(tmp_path):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = subprocess.run(["make", "-n", "run", "SOURCE=fevs", "PARTITIONS=2022-2023"], cwd=REPO, capture_output=True, text=True)
    assert "-m pipelines.run --source fevs --partitions 2022-2023" in out.stdout
