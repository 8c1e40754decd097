"""Sensors: run exactly the partitions new files belong to.

- `landing_files` (STOPPED by default) watches $CXEX_DATA_DIR/landing/. A file that is new or
  changed (size or modification time) and has not been touched for CXEX_LANDING_SETTLE_SECONDS
  (60 by default, so a copy in progress is not read half-way) requests one run per partition it
  belongs to: landing/fevs/<year>/ → that survey year; landing/workforce/<yyyymm>/ → that month;
  an A-11 or GSA CSS file under landing/cx/ → the fiscal quarters or years found in it (for A-11
  collection details and response uploads, the quarters of their collections). A file whose
  partition cannot be told is reported in the sensor's log and skipped until it changes again.
  Consecutive partitions of one job are requested as one run over the range.
- Publication: the `publication` asset (assets/publication.py), requested by the `cxex_automation` sensor
  once a source's partitions succeed (assets/policies.py PUBLISH_CONDITION).
"""

from __future__ import annotations

import hashlib
import json

from dagster import (DefaultSensorStatus, DynamicPartitionsDefinition, RunRequest, SensorEvaluationContext, SensorResult,
                     SkipReason, sensor)

from assets.landing import landed_fingerprints, partitions_of
from assets.partitions import missing_keys

from .jobs import SOURCE_JOBS, publish

PARTITIONED_JOBS = list(SOURCE_JOBS.values())


@sensor(name="landing_files", jobs=[*PARTITIONED_JOBS, publish],
        minimum_interval_seconds=60, default_status=DefaultSensorStatus.STOPPED, required_resource_keys={"cxex"},
        description="New or changed files in $CXEX_DATA_DIR/landing/ → one run per partition they belong to.")
def landing_files(context: SensorEvaluationContext):
    landing = context.resources.cxex.layout.root / "landing"
    seen = json.loads(context.cursor) if context.cursor else {}
    now, settling = landed_fingerprints(landing, context.resources.cxex.landing_settle_seconds)
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
    adds: list = []
    requests = range_requests(wanted, now, lambda job: _keys_adding_new(context.instance, job, wanted, adds))
    # new A-11 quarters and CSS years become partitions in the same tick (Dagster adds them before the runs start)
    return SensorResult(run_requests=requests, dynamic_partitions_requests=adds, cursor=cursor)


def _keys_adding_new(instance, job, wanted: dict[tuple[str, str], list[str]], adds: list) -> list[str]:
    """A job's partition keys in order, with the wanted keys a dynamic set lacks added at its end
    (sorted) and their add request put in `adds`."""
    pdef = job.partitions_def
    if not isinstance(pdef, DynamicPartitionsDefinition):
        return pdef.get_partition_keys()
    have, new = missing_keys(instance, pdef, [k for (j, k) in wanted if j == job.name])
    if new:
        adds.append(pdef.build_add_request(new))
    return have + new


def range_requests(wanted: dict[tuple[str, str], list[str]], fingerprints: dict[str, str], keys_of) -> list[RunRequest]:
    """One run per job and run of consecutive partitions (the assets take a range in one run): twelve
    months landed at once are one run, not twelve. `keys_of(job)`: the job's partition keys in order."""
    from assets.partitions import contiguous_ranges

    jobs = {j.name: j for j in PARTITIONED_JOBS}
    by_job: dict[str, list[str]] = {}
    for job, key in wanted:
        by_job.setdefault(job, []).append(key)
    requests = []
    for job, keys_ in sorted(by_job.items()):
        spans = contiguous_ranges(keys_, keys_of(jobs[job])) if job in jobs else [("", "")]
        for start, end in spans:
            files = sorted({f for (j, k), fs in wanted.items() if j == job and start <= k <= end for f in fs})
            stamp = hashlib.sha256("|".join(f"{f}={fingerprints[f]}" for f in files).encode()).hexdigest()[:12]
            tags = {"cxex/trigger": "landing_files", "cxex/files": ", ".join(files)[:1000]}
            if start != end:
                tags |= {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end}
            requests.append(RunRequest(job_name=job, partition_key=(start or None) if start == end else None,
                                       run_key=f"{job}:{start}..{end}:{stamp}", tags=tags))
    return requests


SENSORS = [landing_files]
