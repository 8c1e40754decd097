"""The Dagster instance `make run` and `make ui` share at $DAGSTER_HOME.

Dagster's own storage, configured only through documented settings: $DAGSTER_HOME/dagster.yaml is
written (with a YAML library, so no setting can inject another) when the folder has none or an
earlier cxex wrote it; a deployment's own dagster.yaml (deploy/) is left alone. Dagster's event settings
(exported by the Makefile for `make ui` too; docs/performance.md): asset events in batches, and one planned
event per asset of a range run, not one per partition (149 fewer SQLite writes on the sample; a failed
range's partitions then show as missing, not failed, in the UI; `make run` names them).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "1")
WRITTEN_BY_CXEX = "# Written by cxex (pipelines/instance.py)"  # how every cxex release starts the file
EARLIER_YAML = "telemetry:\n  enabled: false\n"  # what the first releases wrote
INSTANCE = {
    "telemetry": {"enabled": False},
    # runs whose process died are marked failed by the daemon (make run's own: pipelines/recovery.py)
    "run_monitoring": {"enabled": True, "start_timeout_seconds": 180, "max_runtime_seconds": 0},
    # at most two runs at once from the UI, schedules and sensors (the machine's two cores)
    "run_queue": {"max_concurrent_runs": 2},
}


def instance_yaml() -> str:
    return (f"{WRITTEN_BY_CXEX} because this folder had no dagster.yaml: Dagster's default SQLite storage here.\n"
            + yaml.safe_dump(INSTANCE, sort_keys=False))


def ensure_instance_config(home: Path) -> Path:
    """$DAGSTER_HOME/dagster.yaml for cxex's local instance, written when there is none or an earlier cxex wrote it."""
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    current = instance_yaml()
    old = cfg.read_text() if cfg.exists() else None
    if old is None or old == EARLIER_YAML or (old.startswith(WRITTEN_BY_CXEX) and old != current):
        cfg.write_text(current)  # cxex's own earlier files are brought up to date; anyone else's are left alone
    return cfg


def instance():
    """The instance at $DAGSTER_HOME (its dagster.yaml written if missing), or an ephemeral one."""
    from dagster import DagsterInstance

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return DagsterInstance.ephemeral()
    ensure_instance_config(Path(home))
    return DagsterInstance.get()
