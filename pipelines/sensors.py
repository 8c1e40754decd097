"""Sensors: run exactly the partitions new files belong to.

- `landing_files` (STOPPED by default) watches $CXEX_DATA_DIR/landing/. A file that is new or
  changed (size or modification time) and has not been touched for CXEX_LANDING_SETTLE_SECONDS
  (60 by default, so a copy in progress is not read half-way) requests one run per partition it
  belongs to: landing/fevs/<year>/ → that survey year; landing/workforce/<yyyymm>/ → that month;
  an A-11 or GSA CSS file under landing/cx/ → the fiscal quarters or years found in it (for A-11
  collection details and response uploads, the quarters of their collections). A file whose
  partition cannot be told is reported in the sensor's log and skipped until it changes again.
  Consecutive partitions of one job are requested as one run over the range.
- Publication is declarative (pipelines/definitions.py PUBLISH_CONDITION, evaluated by the
  `cxex_automation` sensor): a source's tables publish once its partitions succeed.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

from dagster import (DefaultSensorStatus, DynamicPartitionsDefinition, RunRequest, SensorEvaluationContext, SensorResult,
                     SkipReason, sensor)

from assets.partitions import FEVS_YEARS, WORKFORCE_MONTHS, is_a11_quarter, is_css_year, missing_keys
from assets.sources.files import is_data_file

from .jobs import (A11_QUARTERLY_JOB, CSS_YEARLY_JOB, FEVS_YEARLY_JOB, PUBLISH_JOB, WORKFORCE_MONTHLY_JOB, a11_quarterly,
                   css_yearly, fevs_yearly, publish, workforce_monthly)

PARTITIONED_JOBS = [fevs_yearly, workforce_monthly, a11_quarterly, css_yearly]


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
            from assets.sources.workforce_files import cube_months, detect_kind

            lay, kind = detect_kind(path)
            if lay == "fedscope" and kind in ("accession", "separation"):  # a fiscal-year cube: every month it covers
                return [(WORKFORCE_MONTHLY_JOB, m) for m in cube_months(path) if m in WORKFORCE_MONTHS.get_partition_keys()]
            return [(WORKFORCE_MONTHLY_JOB, parts[1])]
        raise ValueError(f"{path}: folder {parts[1]} is not a workforce month (yyyymm from {WORKFORCE_MONTHS.start:%Y%m} to now)")
    if parts[0] == "cx" and len(parts) >= 3 and parts[1] in ("a11_v1", "a11_v2", "gsa_css"):
        src = SourceFile(path, rel, "", False, None, None)
        kind = cf.kind_of(path)
        if kind == "css":
            years = {str(y) for y in cf.parse_css(src)["fiscal_year"].to_list() if is_css_year(str(y))}
            return [(CSS_YEARLY_JOB, y) for y in sorted(years)]
        found = cf.file_quarters(path, landing / "cx")  # details / responses: through the landed collections / details
        keys = {k for k in (f"FY{y}Q{q}" for y, q in found) if is_a11_quarter(k)}
        return [(A11_QUARTERLY_JOB, k) for k in sorted(keys)]
    raise ValueError(f"{path}: not in a folder cxex reads (landing/fevs/<year>/, landing/workforce/<yyyymm>/, "
                     "landing/cx/a11_v1|a11_v2|gsa_css/)")


@sensor(name="landing_files", jobs=[fevs_yearly, workforce_monthly, a11_quarterly, css_yearly, publish],
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
    from .run import contiguous_ranges

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


SENSORS = [landing_files]  # publication is declarative: pipelines/definitions.py PUBLISH_CONDITION
