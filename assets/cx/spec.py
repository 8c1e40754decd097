"""CX: OMB A-11 Section 280 customer feedback (both eras: performance.gov's dashboard files, then GSA
Touchpoints' collections and responses), one partition per fiscal quarter; and GSA's Mission-Support
Customer Satisfaction Survey (optional), one partition per fiscal year. Both land under landing/cx/."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from dagster import AssetKey, DynamicPartitionsDefinition

from assets.spec import DAY, ScheduleSpec, SourceSpec


def fiscal_year_today() -> int:
    today = date.today()
    return today.year + (1 if today.month >= 10 else 0)


# A-11 data is reported per fiscal quarter (FY2024Q1 = October-December 2023), CSS per fiscal year.
# Their partition sets grow with the data: a quarter or year becomes a partition when a file with its
# rows is read (`make run`, or the landing sensor when the file lands; `register`), so a code server
# started before 1 October gains the new fiscal year with its first file. Keys are checked first
# (`is_a11_quarter`, `is_css_year`: from FY2019, the first A-11 year, to the current fiscal year,
# reckoned when asked). Dynamic keys keep the order they were added in; `register` adds them sorted.
A11_QUARTERS = DynamicPartitionsDefinition(name="a11_fiscal_quarters")
CSS_YEARS = DynamicPartitionsDefinition(name="css_fiscal_years")
FIRST_FISCAL_YEAR = 2019


def is_a11_quarter(key: str) -> bool:
    m = re.fullmatch(r"FY(\d{4})Q([1-4])", key)
    return bool(m) and FIRST_FISCAL_YEAR <= int(m.group(1)) <= fiscal_year_today()


def is_css_year(key: str) -> bool:
    return bool(re.fullmatch(r"\d{4}", key)) and FIRST_FISCAL_YEAR <= int(key) <= fiscal_year_today()


def parse_fiscal_quarter(key: str) -> tuple[int, int]:
    return int(key[2:6]), int(key[7])

RAW_A11 = AssetKey(["raw", "a11_cx"])
CX_SERVICE_SCORES = AssetKey(["warehouse", "cx_service_scores"])
RAW_GSA_CSS = AssetKey(["raw", "gsa_css"])
INTERNAL_CX_SCORES = AssetKey(["warehouse", "internal_cx_scores"])
PUBLISH_CX_SERVICE_SCORES = AssetKey(["publish", "cx_service_scores"])
PUBLISH_CX_INDEX_SCORES = AssetKey(["publish", "cx_index_scores"])
PUBLISH_INTERNAL_CX_SCORES = AssetKey(["publish", "internal_cx_scores"])
FOLDERS = ("a11_v1", "a11_v2", "gsa_css")  # landing/cx/<folder>/: the era's layout, or GSA CSS


def available_quarters(layout) -> list[str]:
    """Fiscal quarters with A-11 data now (landed, else the sample), as partition keys."""
    from . import files as cf

    found = cf.quarters_in(cf.a11_files(layout))
    return [k for k in (f"FY{y}Q{q}" for y, q in sorted(found)) if is_a11_quarter(k)]


def available_css_years(layout) -> list[int]:
    from . import files as cf
    from .readers import parse_css

    years = set()
    for f in cf.css_files(layout):
        years |= set(parse_css(f)["fiscal_year"].to_list())
    return sorted(y for y in years if is_css_year(str(y)))


def _kind(path: Path, parts: tuple[str, ...]) -> str | None:
    if len(parts) < 2 or parts[0] not in FOLDERS:
        return None
    from .layouts import kind_of

    return kind_of(path)


def landed_a11(path: Path, parts: tuple[str, ...]) -> list[str] | None:
    """An A-11 file (dashboard, collection details, responses) feeds the fiscal quarters found in it (for
    details and responses, the quarters of their collections)."""
    kind = _kind(path, parts)
    if kind is None or kind == "css":
        return None
    from . import files as cf

    root = path.parents[len(parts) - 1]  # landing/cx
    return sorted({k for k in (f"FY{y}Q{q}" for y, q in cf.file_quarters(path, root)) if is_a11_quarter(k)})


def landed_css(path: Path, parts: tuple[str, ...]) -> list[str] | None:
    """A GSA CSS results file feeds the fiscal years in its rows."""
    if _kind(path, parts) != "css":
        return None
    from assets.sources.files import SourceFile

    from .readers import parse_css

    src = SourceFile(path, "/".join(("cx", *parts)), "", False, None, None)
    return sorted({str(y) for y in parse_css(src)["fiscal_year"].to_list() if is_css_year(str(y))})


def quarter_just_ended(when: datetime) -> str:
    """The fiscal quarter that ended most recently before `when` (FY starts 1 October)."""
    cal_q = (when.month - 1) // 3  # 0..3: the calendar quarter `when` is in; the one before it just ended
    year, q = (when.year - 1, 4) if cal_q == 0 else (when.year, cal_q)  # calendar quarter that ended
    fy = year + 1 if q == 4 else year  # Oct-Dec is Q1 of the next fiscal year
    fq = {4: 1, 1: 2, 2: 3, 3: 4}[q]
    return f"FY{fy}Q{fq}"


A11_SPEC = SourceSpec(
    "a11", "A-11 CX", "a11_quarterly", A11_QUARTERS,
    "One fiscal quarter of OMB A-11 Section 280 data (both eras): parse, validate (blocking), score.",
    (RAW_A11, CX_SERVICE_SCORES), available_quarters,
    (PUBLISH_CX_SERVICE_SCORES, PUBLISH_CX_INDEX_SCORES),
    partition_col="fiscal_quarter", landing="cx", landed=landed_a11, remote=(("a11_v1", "cx/a11_v1"), ("a11_v2", "cx/a11_v2")),
    api="assets.cx.touchpoints_api", freshness=(100 * DAY, 130 * DAY),
    schedule=ScheduleSpec("0 6 30 1,4,7,10 *", "America/New_York", quarter_just_ended,
                          "30 days after each fiscal quarter ends (A-11 Section 280's deadline): that quarter."),
    sample="assets.cx.sample", order=30)
CSS_SPEC = SourceSpec(
    "css", "GSA CSS", "css_yearly", CSS_YEARS,
    "One fiscal year of GSA Mission-Support CSS results (optional source): parse, validate, score.",
    (RAW_GSA_CSS, INTERNAL_CX_SCORES), lambda layout: [str(y) for y in available_css_years(layout)],
    (PUBLISH_INTERNAL_CX_SCORES,),
    partition_col="fiscal_year", landing="cx", landed=landed_css, remote=(("gsa_css", "cx/gsa_css"),), freshness=(380 * DAY, 430 * DAY),
    schedule=ScheduleSpec("0 6 1 12 *", "America/New_York", lambda when: str(when.year),
                          "1 December: GSA CSS results for the fiscal year just ended."),
    sample="assets.cx.sample", order=40)
SPECS = (A11_SPEC, CSS_SPEC)
