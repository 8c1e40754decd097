"""Secrets never leave the environment (issue 16, item 6).

`make run`'s entry point runs one partition of GSA CSS and publishes, in a subprocess, with a
persistent Dagster instance (its SQLite event log holds every event and log line of the runs), the
three secret settings set to recognisable values. Afterwards no byte of any secret appears in what
it printed, in any file of the data directory (published Parquet, `_manifest.json`, the catalog,
validation results, the report site, provenance) or of $DAGSTER_HOME (run records, event logs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SECRETS = {
    "CXEX_TOUCHPOINTS_API_KEY": "tp-key-7Q2XW9PLM4",
    "CXEX_ALERT_WEBHOOK": "https://alerts.invalid/hook/wh-secret-H5K8D2",
    # valid JSON (it is parsed only when publishing to object storage; the local store ignores it)
    "CXEX_PUBLISH_OPTIONS": json.dumps({"key": "AKIA-SECRET-3F9ZQ", "secret": "s3-secret-V6N1B7"}),
}
NEEDLES = ["tp-key-7Q2XW9PLM4", "wh-secret-H5K8D2", "AKIA-SECRET-3F9ZQ", "s3-secret-V6N1B7"]


def _leaks(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {n}" for n in NEEDLES if n.encode() in data]
    return found


def test_secrets_appear_in_no_output_log_run_record_or_published_file(tmp_path):
    env = {**os.environ, **SECRETS, "CXEX_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path / "home"),
           "PYTHONPATH": str(REPO), "CXEX_LOG_LEVEL": "DEBUG"}  # the most verbose logs Dagster records
    run = subprocess.run([sys.executable, "-m", "pipelines.run", "--source", "css", "--partitions", "2022"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert (tmp_path / "data" / "publish" / "_manifest.json").exists()
    assert list((tmp_path / "home").rglob("*.db")), "the runs were recorded in the persistent instance"
    printed = run.stdout + run.stderr
    assert not [n for n in NEEDLES if n in printed]
    assert _leaks(tmp_path) == []


def test_a_malformed_secret_is_refused_without_echoing_it(monkeypatch):
    from warehouse.settings import SettingError, publish_options

    monkeypatch.setenv("CXEX_PUBLISH_OPTIONS", '{"secret": "s3-secret-V6N1B7"')  # truncated JSON
    with pytest.raises(SettingError) as err:
        publish_options()
    assert "CXEX_PUBLISH_OPTIONS" in str(err.value) and "V6N1B7" not in str(err.value)
