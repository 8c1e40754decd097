"""`make run SOURCE=... PARTITIONS=...` and `python -m pipelines.run --help`: choosing what runs."""

from __future__ import annotations

import re
import subprocess

import pytest

from assets.partitions import contiguous_ranges
from pipelines.run import main, select_partitions
from tests.conftest import REPO

MONTHS = [f"2023{m:02d}" for m in range(1, 13)]


def test_partition_specs_select_from_what_has_data():
    assert select_partitions(["2018", "2019", "2020", "2022"], "2019-2021") == ["2019", "2020"]
    assert select_partitions(["2018", "2019", "2020"], "2020,2018") == ["2018", "2020"]
    assert select_partitions(MONTHS, "202211-202302") == ["202301", "202302"]  # a range may reach past the data
    assert select_partitions(MONTHS, "202303-202305") == ["202303", "202304", "202305"]
    assert select_partitions(["FY2024Q1", "FY2024Q2", "FY2024Q3"], "FY2024Q2-FY2024Q3") == ["FY2024Q2", "FY2024Q3"]
    assert select_partitions(MONTHS, "") == MONTHS


@pytest.mark.parametrize("available, spec, says", [
    (["2018", "2024"], "2030", "'2030' names no available partition; available: 2018..2024"),
    (["2018", "2024"], "20x2-2023", "'20x2' is not a year (yyyy); write a key or a range, e.g. 2022-2023"),
    (["2018", "2019", "2020"], "2020,1999", "'1999' names no available partition"),
    (["2018", "2019"], "2019-2018", "runs backwards; write 2018-2019"),
    (MONTHS, "202313", "'202313' is not a month (yyyymm)"),
    (MONTHS, "2022-2023", "calendar 2022 is 202201-202212, fiscal 2022 is 202110-202209"),
    (["FY2024Q1", "FY2024Q2"], "2024", "fiscal 2024 is FY2024Q1-FY2024Q4"),
    (["2018"], "2018,", "an empty item"),
])
def test_a_bad_spec_is_refused_with_the_syntax_and_the_range(available, spec, says):
    from assets.partition_spec import PartitionSpecError

    with pytest.raises(PartitionSpecError, match=re.escape(says)):
        select_partitions(available, spec, "FEVS")


def test_months_compare_as_months_not_as_text():
    months = [f"{y}{m:02d}" for y in (2022, 2023) for m in range(1, 13)]
    assert select_partitions(months, "202211-202302") == ["202211", "202212", "202301", "202302"]
    assert select_partitions([f"2024Q{q}".replace("2024", "FY2024") for q in (1, 2, 3, 4)], "FY2024Q2-FY2024Q3") == \
        ["FY2024Q2", "FY2024Q3"]


def test_a_bad_partitions_value_is_refused_before_any_work(data_dir, monkeypatch, capsys):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert main(["--source", "fevs", "--partitions", "2030"]) == 2
    err = capsys.readouterr().err
    assert "cxex: FEVS: PARTITIONS=2030: '2030' names no available partition; available: " in err, err
    assert main(["--source", "workforce", "--partitions", "2022-2023"]) == 2
    assert "workforce partitions are months" in capsys.readouterr().err
    assert not (data_dir / "publish").exists()


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
