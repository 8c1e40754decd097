"""Which partitions a landed file feeds: what the landing sensor (pipelines/sensors.py) runs for it."""

from __future__ import annotations

import re
import time
from pathlib import Path

from .partitions import FEVS_YEARS, WORKFORCE_MONTHS, is_a11_quarter, is_css_year
from .sources.files import is_data_file

FEVS_YEARLY_JOB, WORKFORCE_MONTHLY_JOB, A11_QUARTERLY_JOB, CSS_YEARLY_JOB = "fevs_yearly", "workforce_monthly", "a11_quarterly", "css_yearly"
PUBLISH_JOB = "publish"


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
