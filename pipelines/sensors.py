"""Sensors: run exactly the partitions new files belong to, and publish once they are done.

- `landing_files` (STOPPED by default) watches $CXEX_DATA_DIR/landing/. A file that is new or
  changed (size or modification time) and has not been touched for CXEX_LANDING_SETTLE_SECONDS
  (60 by default, so a copy in progress is not read half-way) requests one run per partition it
  belongs to: landing/fevs/<year>/ → that survey year; landing/workforce/<yyyymm>/ → that month;
  an A-11 or GSA CSS file under landing/cx/ → the fiscal quarters or years found in it (for A-11
  collection details and response uploads, the quarters of their collections). A file whose
  partition cannot be told is reported in the sensor's log and skipped until it changes again.
- `publish_after_partitions` (STOPPED by default) requests the `publish` job when a partitioned
  run succeeds and no other partitioned run is still queued or running, so a backfill of twelve
  months publishes once, at its end.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path

from dagster import (DagsterRunStatus, DefaultSensorStatus, RunRequest, RunsFilter, RunStatusSensorContext,
                     SensorEvaluationContext, SensorResult, SkipReason, run_status_sensor, sensor)

from assets.partitions import A11_QUARTERS, CSS_YEARS, FEVS_YEARS, WORKFORCE_MONTHS
from assets.sources.files import is_data_file

from .jobs import (A11_QUARTERLY_JOB, CSS_YEARLY_JOB, FEVS_YEARLY_JOB, PUBLISH_JOB, WORKFORCE_MONTHLY_JOB, a11_quarterly,
                   css_yearly, fevs_yearly, publish, workforce_monthly)

PARTITIONED_JOBS = [fevs_yearly, workforce_monthly, a11_quarterly, css_yearly]


def settle_seconds() -> float:
    return float(os.environ.get("CXEX_LANDING_SETTLE_SECONDS", "60"))


def landed_fingerprints(landing: Path, settle: float, now: float | None = None) -> tuple[dict[str, str], list[str]]:
    """({path relative to landing/: "size:mtime_ns"}, files still settling) for every data file."""
    now = time.time() if now is None else now
    prints, settling = {}, []
    if not landing.is_dir():
        return prints, settling
    for p in sorted(landing.rglob("*")):
        rel = p.relative_to(landing)
        if not is_data_file(p) or any(part.startswith(".") for part in rel.parts):  # hidden folders: caches
            continue
        st = p.stat()
        if settle > 0 and now - st.st_mtime < settle:
            settling.append(str(rel))
            continue
        prints[str(rel)] = f"{st.st_size}:{st.st_mtime_ns}"
    return prints, settling


def partitions_of(landing: Path, rel: str) -> list[tuple[str, str]]:
    """(job, partition key) pairs a landed file feeds. Raises ValueError naming the file if unknown."""
    from assets.sources import cx_files as cf
    from assets.sources.files import SourceFile

    parts = Path(rel).parts
    path = landing / rel
    if parts[0] == "fevs" and len(parts) == 3:
        if parts[1] in FEVS_YEARS.get_partition_keys():
            return [(FEVS_YEARLY_JOB, parts[1])]
        raise ValueError(f"{path}: {parts[1]} is not a supported FEVS survey year ({', '.join(FEVS_YEARS.get_partition_keys())})")
    if parts[0] == "workforce" and len(parts) == 3:
        if parts[1] == "lookups":
            return [(PUBLISH_JOB, "")]
        if re.fullmatch(r"\d{6}", parts[1]) and parts[1] in WORKFORCE_MONTHS.get_partition_keys():
            return [(WORKFORCE_MONTHLY_JOB, parts[1])]
        raise ValueError(f"{path}: folder {parts[1]} is not a workforce month (yyyymm from 201910 to now)")
    if parts[0] == "cx" and len(parts) >= 3 and parts[1] in ("a11_v1", "a11_v2", "gsa_css"):
        src = SourceFile(path, rel, "", False, None, None)
        kind = cf.kind_of(path)
        if kind == "css":
            years = {str(y) for y in cf.parse_css(src)["fiscal_year"].to_list()} & set(CSS_YEARS.get_partition_keys())
            return [(CSS_YEARLY_JOB, y) for y in sorted(years)]
        found = cf.file_quarters(path, landing / "cx")  # details / responses: through the landed collections / details
        keys = {f"FY{y}Q{q}" for y, q in found} & set(A11_QUARTERS.get_partition_keys())
        return [(A11_QUARTERLY_JOB, k) for k in sorted(keys)]
    raise ValueError(f"{path}: not in a folder cxex reads (landing/fevs/<year>/, landing/workforce/<yyyymm>/, "
                     "landing/cx/a11_v1|a11_v2|gsa_css/)")


@sensor(name="landing_files", jobs=[fevs_yearly, workforce_monthly, a11_quarterly, css_yearly, publish],
        minimum_interval_seconds=60, default_status=DefaultSensorStatus.STOPPED, required_resource_keys={"cxex"},
        description="New or changed files in $CXEX_DATA_DIR/landing/ → one run per partition they belong to.")
def landing_files(context: SensorEvaluationContext):
    landing = context.resources.cxex.layout.root / "landing"
    seen = json.loads(context.cursor) if context.cursor else {}
    now, settling = landed_fingerprints(landing, settle_seconds())
    changed = sorted(rel for rel, fp in now.items() if seen.get(rel) != fp)
    wanted: dict[tuple[str, str], list[str]] = {}
    for rel in changed:
        try:
            for target in partitions_of(landing, rel):
                wanted.setdefault(target, []).append(rel)
        except Exception as e:  # noqa: BLE001 - a bad file must not stop the others; it is named in the log
            context.log.error(f"landing file skipped until it changes: {e}")
    cursor = json.dumps({**{k: v for k, v in seen.items() if k in now or k in settling}, **now}, sort_keys=True)
    if not wanted:
        reason = f"no new files ({len(now)} known" + (f", {len(settling)} still being written" if settling else "") + ")"
        return SensorResult(skip_reason=SkipReason(reason), cursor=cursor)
    requests = []
    for (job, key), files in sorted(wanted.items()):
        stamp = hashlib.sha256("|".join(f"{f}={now[f]}" for f in files).encode()).hexdigest()[:12]
        requests.append(RunRequest(job_name=job, partition_key=key or None, run_key=f"{job}:{key}:{stamp}",
                                   tags={"cxex/trigger": "landing_files", "cxex/files": ", ".join(files)[:1000]}))
    return SensorResult(run_requests=requests, cursor=cursor)


IN_FLIGHT = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


@run_status_sensor(name="publish_after_partitions", run_status=DagsterRunStatus.SUCCESS, monitored_jobs=PARTITIONED_JOBS,
                   request_job=publish, default_status=DefaultSensorStatus.STOPPED,
                   description="A partitioned run succeeded and none is still in flight → publish once.")
def publish_after_partitions(context: RunStatusSensorContext):
    pending = context.instance.get_runs(filters=RunsFilter(job_name=None, statuses=IN_FLIGHT))
    others = [r for r in pending if r.job_name in {j.name for j in PARTITIONED_JOBS} and r.run_id != context.dagster_run.run_id]
    if others:
        return SkipReason(f"{len(others)} partitioned run(s) still in flight; the last one to finish publishes")
    return RunRequest(run_key=f"publish-after-{context.dagster_run.run_id}", tags={"cxex/trigger": "publish_after_partitions"})


SENSORS = [landing_files, publish_after_partitions]
