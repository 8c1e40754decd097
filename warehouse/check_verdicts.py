"""Each asset check's latest verdict: one small JSON file per check in <data>/quality/check_verdicts/, replaced
atomically by the check itself each time Dagster evaluates it (whoever started the run: `make run`, the UI, a
schedule, a sensor). The report's quality page reads these files, a fixed number whatever the number of runs,
instead of the instance's event history (every run's SQLite shard; docs/performance.md)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

KEPT_METADATA = ("failed_partitions", "column", "failed_expectations")  # what the report's wording reads


def record(folder: Path, *, asset: str, check: str, passed: bool, severity: str, description: str | None,
           metadata: dict, run_id: str, evaluated_at: float) -> Path:
    """Replace `check`'s verdict file with this evaluation (readers never see half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    verdict = {"asset": asset, "check": check, "passed": bool(passed), "severity": severity,
               "description": description or "", "run_id": run_id, "evaluated_at": evaluated_at,
               "metadata": {k: getattr(metadata[k], "value", metadata[k]) for k in KEPT_METADATA if k in metadata}}
    path = folder / f"{asset.replace('/', '.')}.{check}.json"
    tmp = folder / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        tmp.write_text(json.dumps(verdict, sort_keys=True))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read(folder: Path) -> list[dict]:
    """Every recorded verdict, by asset and check; a file that is not one is named in the error."""
    out = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            verdict = json.loads(path.read_text())
            out.append({k: verdict[k] for k in ("asset", "check", "passed", "severity", "description", "run_id",
                                                "evaluated_at", "metadata")})
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}: not a check verdict ({type(e).__name__}: {e}); delete it, the check's next "
                             "evaluation writes it again") from e
    return sorted(out, key=lambda v: (v["asset"], v["check"]))
