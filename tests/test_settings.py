"""Settings: one typed home, validated before any work, each error naming its variable."""

from __future__ import annotations

import os

import pytest

from pipelines import run as run_module
from assets.resources import CxexResource


@pytest.mark.parametrize("var, value, words", [
    ("CXEX_MIN_COVERAGE", "abc", "CXEX_MIN_COVERAGE must be a number"),
    ("CXEX_MIN_COVERAGE", "2", "CXEX_MIN_COVERAGE='2' is outside (0, 1]"),
    ("CXEX_MIN_COVERAGE", "0", "is outside (0, 1]"),
    ("CXEX_CX_MIN_RESPONSES", "0", "CXEX_CX_MIN_RESPONSES=0 is below its floor of 10"),
    ("CXEX_CX_MIN_RESPONSES", "3.5", "CXEX_CX_MIN_RESPONSES must be a whole number"),
    ("CXEX_MIN_RESPONDENTS", "9", "CXEX_MIN_RESPONDENTS=9 is below its floor of 10"),
    ("CXEX_USE_SAMPLE", "sometimes", "CXEX_USE_SAMPLE must be one of auto, never"),
    ("CXEX_PUBLISH_URL", "junkrel", "CXEX_PUBLISH_URL='junkrel' is a relative folder"),
    ("CXEX_PUBLISH_URL", "ftp://host/x", "scheme 'ftp' is not one of"),
    ("CXEX_FEVS_MIN_RESPONDENTS", "2000000", "is above CXEX_FEVS_MAX_RESPONDENTS"),
    ("CXEX_LANDING_SETTLE_SECONDS", "-1", "CXEX_LANDING_SETTLE_SECONDS='-1' is outside"),
])
def test_a_bad_setting_stops_make_run_before_any_work(data_dir, monkeypatch, capsys, var, value, words):
    assert_refused_before_any_work(data_dir, monkeypatch, capsys, var, value, words)


def assert_refused_before_any_work(data_dir, monkeypatch, capsys, var, value, words):
    """`make run` with `var=value` exits 2 with one line holding `words`, having touched nothing."""
    monkeypatch.setenv(var, value)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert run_module.main() == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert list(data_dir.iterdir()) == []  # nothing was read, generated or published


def test_the_same_rules_hold_for_a_resource_built_in_code():
    with pytest.raises(ValueError, match="CXEX_MIN_COVERAGE"):  # pydantic wraps SettingError
        CxexResource(data_dir="/tmp/x", min_coverage=1.5)
    with pytest.raises(ValueError, match="CXEX_CX_MIN_RESPONSES=5"):
        CxexResource(data_dir="/tmp/x", cx_min_responses=5)
    ok = CxexResource(data_dir="/tmp/x", publish_url="file:///srv/cxex")
    assert ok.publish_url == "/srv/cxex"


def test_every_setting_is_a_field_the_launchpad_shows():
    """The UI's launchpad renders the resource's config schema: every threshold and switch is in it."""
    fields = CxexResource.to_config_schema().as_field().config_type.fields
    assert {"data_dir", "min_respondents", "cx_min_responses", "min_coverage", "use_sample", "fevs_min_respondents",
            "fevs_max_respondents", "publish_url", "landing_settle_seconds"} <= set(fields)


def test_missing_or_read_only_data_dir_is_one_clear_line(tmp_path, monkeypatch, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    try:
        for target in (ro, ro / "data"):
            monkeypatch.setenv("CXEX_DATA_DIR", str(target))
            if os.geteuid() == 0:  # root writes anywhere: a regular file in the way shows the same path
                target = tmp_path / "afile"
                target.write_text("x")
                monkeypatch.setenv("CXEX_DATA_DIR", str(target / "data"))
            assert run_module.main() == 2
            err = capsys.readouterr().err
            assert "data directory" in err and "CXEX_DATA_DIR" in err and "Traceback" not in err
    finally:
        ro.chmod(0o700)


def test_no_setting_is_read_from_the_environment_outside_the_settings_module():
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    offenders = []
    for folder in ("assets", "quality_checks", "pipelines", "warehouse"):
        for path in (repo / folder).rglob("*.py"):
            text = path.read_text()
            if path.name != "settings.py" and ("os.environ.get(" in text or "os.environ[" in text or "os.getenv(" in text):
                offenders += [f"{path.relative_to(repo)}:{n}" for n, line in enumerate(text.splitlines(), 1)
                              if ("os.environ.get(" in line or "os.environ[" in line or "os.getenv(" in line)
                              and "DAGSTER_HOME" not in line]
    assert offenders == []
