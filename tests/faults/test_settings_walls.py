"""Settings refused before any work, and landing/download kept inside their walls (issue 19 items 4-5,
issue 16 item 6). Complements tests/test_settings.py (coverage, floors, publish URL relative/ftp,
read-only data dir) with the settings and routes it does not try."""

from __future__ import annotations

import pytest

from tests import hand_data
from tests.conftest import land, write_prdf
from tests.test_settings import assert_refused_before_any_work


@pytest.mark.parametrize("var, value, words", [
    ("CXEX_MIN_COVERAGE", "nan", "CXEX_MIN_COVERAGE='nan' is outside (0, 1]"),
    ("CXEX_MIN_COVERAGE", "inf", "CXEX_MIN_COVERAGE='inf' is outside (0, 1]"),
    ("CXEX_CX_MIN_RESPONSES", "30.0", "CXEX_CX_MIN_RESPONSES must be a whole number"),
    ("CXEX_MIN_RESPONDENTS", "abc", "CXEX_MIN_RESPONDENTS must be a whole number, got 'abc'"),
    ("CXEX_KEEP_VERSIONS", "0", "CXEX_KEEP_VERSIONS=0 is below its floor of 1"),
    ("CXEX_KEEP_VALIDATION_RUNS", "two", "CXEX_KEEP_VALIDATION_RUNS must be a whole number"),
    ("CXEX_PUBLISH_URL", "file://relative/dir", "CXEX_PUBLISH_URL='relative/dir' is a relative folder"),
    ("CXEX_PUBLISH_URL", "http://example.org/cxex", "scheme 'http' is not one of"),
    ("CXEX_PUBLISH_URL", "javascript://x", "scheme 'javascript' is not one of"),
])
def test_each_bad_setting_is_one_line_naming_it_before_any_work(data_dir, monkeypatch, capsys, var, value, words):
    assert_refused_before_any_work(data_dir, monkeypatch, capsys, var, value, words)


def test_a_landed_symlink_leaving_the_data_dir_is_refused(data_dir, tmp_path):
    """A PRDF-style file (tests/hand_data.py, OPM's PRDF columns) outside the data dir, linked into
    landing/fevs/2023/ (a file link) and as landing/fevs/2022 (a folder link)."""
    from assets.fevs.prdf import find_fevs_file
    from assets.sources.files import SourceFileError
    from warehouse.layout import DataLayout

    outside = write_prdf(tmp_path / "elsewhere" / "FEVS_2023_PRDF.csv", hand_data.rows(), hand_data.COLUMNS)
    layout = DataLayout(data_dir.resolve(), "never")
    link = land(data_dir, 2023, "FEVS_2023_PRDF.csv")
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    with pytest.raises(SourceFileError, match="resolves to .*elsewhere/FEVS_2023_PRDF.csv, outside the data directory"):
        find_fevs_file(layout, 2023)
    (data_dir / "landing" / "fevs" / "2022").symlink_to(outside.parent, target_is_directory=True)
    with pytest.raises(SourceFileError, match="outside the data directory"):
        find_fevs_file(layout, 2022)
    inside = write_prdf(data_dir / "kept" / "FEVS_2021.csv", hand_data.rows(), hand_data.COLUMNS)
    land(data_dir, 2021, "FEVS_2021.csv").parent.mkdir(parents=True)
    land(data_dir, 2021, "FEVS_2021.csv").symlink_to(inside)  # a link that stays inside is followed
    assert find_fevs_file(layout, 2021).relative == "kept/FEVS_2021.csv"


def test_the_download_command_refuses_file_urls(data_dir, tmp_path, capsys):
    from assets.sources import fetch

    local = tmp_path / "secret.csv"
    local.write_text("Q1\n1\n")
    assert fetch.main(["fevs", "--year", "2023", "--url", f"file://{local}"]) == 2
    err = capsys.readouterr().err
    assert "only http and https" in err and "file" in err
    assert not (data_dir / "landing").exists() or not any((data_dir / "landing").rglob("*.csv"))
