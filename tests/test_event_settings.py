"""Dagster's event settings `make run` relies on for speed (pipelines/instance.py, docs/performance.md):
a range run plans each asset once for its whole range, while every partition still gets its own
materialization (the UI's partition status). Run as `python -m pipelines.run` without the Makefile's
exports, so the setting must come from the package itself. The CSS sample (three fiscal years, one
range run) is the bundled generator's, shaped as GSA's Mission-Support CSS files."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def test_a_range_run_plans_each_asset_once_and_materializes_every_partition(tmp_path):
    from dagster import AssetKey, DagsterEventType, DagsterInstance, EventRecordsFilter

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "CXEX_"))}
    env.update(CXEX_DATA_DIR=str(tmp_path / "data"), DAGSTER_HOME=str(tmp_path / "home"), PYTHONPATH=str(REPO),
               GX_ANALYTICS_ENABLED="false", DAGSTER_DISABLE_TELEMETRY="1")
    done = subprocess.run([sys.executable, "-m", "pipelines.run", "--source", "css", "--no-publish"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    instance = DagsterInstance.from_config(str(tmp_path / "home"))
    key = AssetKey(["raw", "gsa_css"])

    def count(kind):
        return len(instance.get_event_records(EventRecordsFilter(event_type=kind, asset_key=key)))

    assert count(DagsterEventType.ASSET_MATERIALIZATION) == 3  # 2022, 2023, 2024: one each
    assert count(DagsterEventType.ASSET_MATERIALIZATION_PLANNED) == 1  # one for the range, not one per year
