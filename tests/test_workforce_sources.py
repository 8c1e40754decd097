"""Reading OPM workforce files in both layouts, the real lookup tables, and refusing bad files."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance

from assets.sources.files import SourceFile, SourceFileError
from assets.workforce.files import detect_kind, month_files, parse_agency_lookup
from assets.workforce.readers import codes, parse_actions, parse_employment
from tests import workforce_data as wd
from tests.conftest import make_defs, run_publish
from tests.test_workforce_formulas import run_months
from warehouse.layout import DataLayout

FACT_HEADER = "AGYSUB,LOC,AGELVL,EDLVL,GSEGRD,LOSLVL,OCC,PATCO,PP,PPGRD,SALLVL,STEMOCC,SUPERVIS,TOA,WORKSCH,WORKSTAT,DATECODE,EMPLOYMENT,SALARY,LOS"


def _src(path, root):
    return SourceFile.from_path(path, root, False)


def test_fwd_layout_types_brackets_and_suppression(tmp_path):
    folder = wd.write_fwd_month(tmp_path, "202407")
    mf = month_files(DataLayout(tmp_path), "202407")
    assert mf.layout == "fwd" and not mf.employment.is_sample
    emp = parse_employment(mf.employment, mf.layout).to_pylist()
    assert emp[0]["age_bracket"] == "H" and emp[0]["los_bracket"] == "E" and emp[0]["count"] == 99
    assert emp[2]["age_bracket"] == "K" and emp[3]["los_bracket"] == "B"
    seps = parse_actions(mf.separation, mf.layout, "separation", "202407").to_pylist()
    suppressed = [r for r in seps if r["count_suppressed"]]
    assert len(suppressed) == 1 and suppressed[0]["count"] is None and suppressed[0]["source_row"] == 3
    assert folder.name == "202407"


def test_fedscope_cube_layout_with_the_real_lookups(reference, tmp_path):
    lookups = tmp_path / "landing" / "workforce" / "lookups"
    lookups.mkdir(parents=True)
    shutil.copy(reference / "fedscope_lookups_2020_09" / "DTagy.txt", lookups / "DTagy.txt")  # temp dir only
    agencies = parse_agency_lookup(_src(lookups / "DTagy.txt", tmp_path))
    assert agencies.num_rows == 533
    by_sub = {r["agency_subelement_code"]: r for r in agencies.to_pylist()}
    assert by_sub["AF0D"]["agency_subelement_name"] == "U.S. AIR FORCES, EUROPE"  # a quoted name with a comma
    assert all(code.startswith(r["agency_code"]) for code, r in by_sub.items())
    # FedScope's own code lists agree with ours
    for name, ctype in (("DTagelvl", "age"), ("DTloslvl", "los"), ("DTsuper", "supervisory")):
        text = (reference / "fedscope_lookups_2020_09" / f"{name}.txt").read_text().splitlines()
        header = text[0].split(",")
        col = {"age": "AGELVL", "los": "LOSLVL", "supervisory": "SUPERVIS"}[ctype]
        found = {line.split(",")[header.index(col)] for line in text[1:] if line.strip()}
        assert found == set(codes()[ctype]), name
    # a FACTDATA cube file for September 2020 using real sub-element codes
    month = tmp_path / "landing" / "workforce" / "202009"
    month.mkdir(parents=True)
    (month / "FACTDATA_SEP2020.TXT").write_text("\r\n".join([
        FACT_HEADER,
        "AF0D,01,J,13,12,G,0343,A,GS,GS-12,K,XXXX,2,10,F,1,202009,1,95000,24.5",
        "AF0D,01,D,13,09,B,0343,A,GS,GS-09,F,XXXX,8,10,F,1,202009,1,60000,1.8",
        "ZZ99,01,D,13,09,B,0343,A,GS,GS-09,F,XXXX,8,10,F,1,202009,1,60000,1.8",
    ]) + "\r\n")
    (month / "SEPDATA_FY2020.TXT").write_text("AGYSUB,SEP,EFDATE,AGELVL,LOSLVL,SUPERVIS,COUNT\nAF0D,SC,202009,D,B,8,1\n")
    mf = month_files(DataLayout(tmp_path), "202009")
    assert mf.layout == "fedscope" and mf.accession is None
    emp = parse_employment(mf.employment, mf.layout).to_pylist()
    assert emp[0]["agency_code"] == "AF" and emp[0]["age_bracket"] == "J" and emp[0]["los_years"] == 24.5
    assert parse_actions(mf.separation, mf.layout, "separation", "202009").to_pylist()[0]["category_code"] == "SC"

    # through Dagster: unknown ZZ99 is kept and reported by a warning, never a block
    defs = make_defs(tmp_path)
    [result] = run_months(defs, ["202009"])
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["workforce_employment_expectations"].passed
    warn = checks["workforce_employment_codes_known"]
    assert not warn.passed and warn.severity.value == "WARN" and "ZZ99" in warn.description
    assert run_publish(defs).success
    rows = {(r["org_level"], r["agency_subelement_code"]): r for r in pq.read_table(tmp_path / "publish" / "workforce_metrics").to_pylist()}
    assert rows[("subelement", "ZZ99")]["in_lookup"] is False and rows[("subelement", "ZZ99")]["end_headcount"] == 1
    assert rows[("subelement", "AF0D")]["agency_name"] == "United States Department of the Air Force"  # the crosswalk's one spelling
    assert rows[("agency", "ALL")]["months_observed"] == 1 and rows[("agency", "ALL")]["quit_rate"] is None  # not a full year


def _month_with(tmp_path, employment_text: str, name="emp.txt"):
    folder = tmp_path / "landing" / "workforce" / "202407"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(employment_text)
    return folder / name


def test_wrong_delimiter_is_named(tmp_path):
    p = _month_with(tmp_path, ";".join(wd.EMP_COLS) + "\n" + ";".join(wd.employment("202407")[0]) + "\n")
    with pytest.raises(SourceFileError, match=r"emp\.txt: row 1: header not recognised.*Wrong delimiter"):
        detect_kind(p)


def test_missing_column_is_named(tmp_path):
    cols = [c for c in wd.EMP_COLS if c != "supervisory_status_code"]
    rows = [[v for c, v in zip(wd.EMP_COLS, r) if c != "supervisory_status_code"] for r in wd.employment("202407")]
    p = _month_with(tmp_path, "\n".join("|".join(r) for r in [cols, *rows]) + "\n")
    with pytest.raises(SourceFileError, match=r"emp\.txt: required column\(s\) missing: .*supervisory_status_code"):
        parse_employment(_src(p, tmp_path), "fwd")


def test_non_numeric_count_names_row_and_column(tmp_path):
    rows = wd.employment("202407")
    rows[2][8] = "twelve"
    p = _month_with(tmp_path, "\n".join("|".join(r) for r in [wd.EMP_COLS, *rows]) + "\n")
    with pytest.raises(SourceFileError, match=r"emp\.txt: row 4, column count: count 'twelve' is not a whole number"):
        parse_employment(_src(p, tmp_path), "fwd")


def test_ragged_row_is_located(tmp_path):
    rows = ["|".join(r) for r in [wd.EMP_COLS, *wd.employment("202407")]]
    rows[3] += "|extra|fields"
    p = _month_with(tmp_path, "\n".join(rows) + "\n")
    with pytest.raises(SourceFileError, match=r"emp\.txt: row 4: 12 fields, the header has 10"):
        parse_employment(_src(p, tmp_path), "fwd")


def test_bad_month_is_blocked_and_publication_kept(tmp_path):
    defs, instance = make_defs(tmp_path), DagsterInstance.ephemeral()
    for m in ("202406", "202407"):
        wd.write_fwd_month(tmp_path, m)
    assert all(r.success for r in run_months(defs, ["202406", "202407"], instance))
    assert run_publish(defs, instance).success
    link = tmp_path / "publish" / "workforce_metrics"
    before = pq.read_table(link).drop_columns(["run_id"])

    # the July file re-published with a negative count and a snapshot month that is not July
    folder = tmp_path / "landing" / "workforce" / "202407"
    rows = wd.employment("202407")
    rows[1][8] = "-11"
    rows[2][9] = "202406"
    (folder / "FWD_employment_202407.txt").write_text("\n".join("|".join(r) for r in [wd.EMP_COLS, *rows]) + "\n")
    [result] = run_months(defs, ["202407"], instance)
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed and e.severity.value == "ERROR"]
    assert [e.check_name for e in failed] == ["workforce_employment_expectations"]
    desc = failed[0].description
    assert "landing/workforce/202407/FWD_employment_202407.txt" in desc and "column count" in desc and "column snapshot_yyyymm" in desc
    assert "row(s) [3]" in desc and "row(s) [4]" in desc
    assert not result.asset_materializations_for_node("warehouse__workforce_monthly")
    assert run_publish(defs, instance).success  # publishing again uses only validated staging
    after = pq.read_table(link)
    assert after.drop_columns(["run_id"]).equals(before)  # July's last good data, not the bad file
    assert {r["end_headcount"] for r in after.to_pylist() if r["org_level"] == "agency"} == {130}


def test_a_range_validated_in_batches_reports_what_one_batch_does(tmp_path, monkeypatch):
    """quality_checks/ranges.py validates a range in batches of at most BATCH_ROWS rows (a national
    month is a batch of its own, so 12 months never sit in memory at once); partitions are never
    split, and each one's verdict, rows and file are the same as when the range is one batch."""
    from quality_checks import ranges

    months = ["202405", "202406", "202407"]
    for m in months:
        wd.write_fwd_month(tmp_path, m)
    folder = tmp_path / "landing" / "workforce" / "202406"
    rows = wd.employment("202406")
    rows[1][8] = "-11"  # a negative count in June, file row 3
    (folder / "FWD_employment_202406.txt").write_text("\n".join("|".join(r) for r in [wd.EMP_COLS, *rows]) + "\n")
    defs = make_defs(tmp_path)
    layout = DataLayout(tmp_path)
    seen = {}
    for batch_rows in (ranges.BATCH_ROWS, 1):
        monkeypatch.setattr(ranges, "BATCH_ROWS", batch_rows)
        [result] = run_months(defs, months, DagsterInstance.ephemeral())
        [check] = [e for e in result.get_asset_check_evaluations() if e.check_name == "workforce_employment_expectations"]
        seen[batch_rows] = (check.passed, check.metadata["failed_partitions"].value, check.description,
                            check.metadata["validated_partitions"].value)
    assert ranges.batches(layout, "workforce_employment", "month", months, 1) == [[m] for m in months]
    assert ranges.batches(layout, "workforce_employment", "month", months, 3_000_000) == [months]
    assert seen[1] == seen[ranges.BATCH_ROWS]
    passed, failed, description, validated = seen[1]
    assert not passed and failed == ["202406"] and validated == months
    assert "landing/workforce/202406/FWD_employment_202406.txt" in description and "row(s) [3]" in description
