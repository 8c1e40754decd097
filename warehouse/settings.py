"""cxex's settings: the one place that reads them from the environment, and validates them.

Every setting has a name, an environment variable, a default and a range. `read_env()` returns the
values the environment sets (validated); assets/resources.py turns them into the typed
`CxexResource` the Dagster UI's launchpad shows. A bad value is refused before any work, with the
variable's name, the value and what is allowed. Secrets (publish credentials, the alert webhook, a
Touchpoints API key) are read here when used, never stored in a resource field, logged or published.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MIN_SUPPRESSION_THRESHOLD = 10  # FEVS practice: never show a cell of fewer than 10 respondents
CX_MIN_RESPONSES_FLOOR = 10
PUBLISH_SCHEMES = ("s3", "gs", "gcs", "az", "abfs", "abfss")  # fsspec stores that persist
NOT_PERSISTENT = ("memory",)

# setting -> (environment variable, default)
SETTINGS = {
    "data_dir": ("CXEX_DATA_DIR", "./data"),
    "min_respondents": ("CXEX_MIN_RESPONDENTS", MIN_SUPPRESSION_THRESHOLD),
    "cx_min_responses": ("CXEX_CX_MIN_RESPONSES", 30),
    "min_coverage": ("CXEX_MIN_COVERAGE", 0.5),
    "use_sample": ("CXEX_USE_SAMPLE", "auto"),
    "fevs_min_respondents": ("CXEX_FEVS_MIN_RESPONDENTS", 10),
    "fevs_max_respondents": ("CXEX_FEVS_MAX_RESPONDENTS", 1_500_000),
    "publish_url": ("CXEX_PUBLISH_URL", ""),
    "landing_settle_seconds": ("CXEX_LANDING_SETTLE_SECONDS", 60.0),
    "fevs_min_share": ("CXEX_FEVS_MIN_SHARE", 0.5),
    "keep_versions": ("CXEX_KEEP_VERSIONS", 3),
    "keep_validation_runs": ("CXEX_KEEP_VALIDATION_RUNS", 5),
    "min_peers": ("CXEX_MIN_PEERS", 3),
    "first_year_min_at_risk": ("CXEX_FIRST_YEAR_MIN_AT_RISK", 20),
}
SECRETS = {"publish_options": "CXEX_PUBLISH_OPTIONS", "alert_webhook": "CXEX_ALERT_WEBHOOK",
           "touchpoints_api_key": "CXEX_TOUCHPOINTS_API_KEY"}
OTHER = {"remote_sources": "CXEX_REMOTE_SOURCES", "log_level": "CXEX_LOG_LEVEL",
         "fault_hook": "CXEX_FAULT_HOOK",  # fault_hook: tests only (warehouse/faults.py)
         "writer_lease": "CXEX_WRITER_LEASE",  # set by cxex itself: the writer lease this process holds (warehouse/lease.py)
         "schedule_crons": "CXEX_SCHEDULE_CRONS"}  # {schedule name: cron} to fire a schedule sooner (a demo, a test)


class SettingError(ValueError):
    """A setting out of range or of the wrong type; the message names the environment variable."""


def var(name: str) -> str:
    return SETTINGS[name][0]


def whole(name: str, value, floor: int | None = None) -> int:
    if isinstance(value, bool):
        raise SettingError(f"{var(name)} must be a whole number, got {value!r}")
    try:
        n = value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise SettingError(f"{var(name)} must be a whole number, got {value!r}") from None
    if floor is not None and n < floor:
        raise SettingError(f"{var(name)}={n} is below its floor of {floor}")
    return n


def number(name: str, value, low: float, high: float, low_open: bool = False) -> float:
    try:
        x = float(str(value).strip())
    except ValueError:
        raise SettingError(f"{var(name)} must be a number, got {value!r}") from None
    if x != x or x > high or x < low or (low_open and x == low):
        bracket = "(" if low_open else "["
        raise SettingError(f"{var(name)}={value!r} is outside {bracket}{low:g}, {high:g}]")
    return x


def choice(name: str, value, allowed: tuple[str, ...]) -> str:
    v = str(value).strip().lower()
    if v not in allowed:
        raise SettingError(f"{var(name)} must be one of {', '.join(allowed)}, got {value!r}")
    return v


def publish_url(value) -> str:
    """'' (the data dir's publish/), an absolute folder, or an object-store URL of a known scheme."""
    url = str(value or "").strip()
    if "://" in url:
        scheme = url.split("://", 1)[0].lower()
        if scheme == "file":
            url = url[len("file://"):]
        elif scheme in NOT_PERSISTENT:
            raise SettingError(f"{var('publish_url')}={url!r}: {scheme}:// keeps tables in this process's memory and "
                               "loses them when it ends; publish to a folder or an object store (s3://, gs://, az://...)")
        elif scheme not in PUBLISH_SCHEMES:
            raise SettingError(f"{var('publish_url')}={url!r}: scheme {scheme!r} is not one of file, {', '.join(PUBLISH_SCHEMES)}")
    if url and "://" not in url and not Path(url).is_absolute():
        raise SettingError(f"{var('publish_url')}={url!r} is a relative folder; give an absolute path "
                           "(or leave it empty to publish into <data dir>/publish)")
    return url


def validate(values: dict) -> dict:
    """Every setting checked and typed; `values` may hold strings (from the environment) or typed values."""
    v = {name: values.get(name, default) for name, (_, default) in SETTINGS.items()}
    out = {
        "data_dir": str(v["data_dir"]),
        "min_respondents": whole("min_respondents", v["min_respondents"], MIN_SUPPRESSION_THRESHOLD),
        "cx_min_responses": whole("cx_min_responses", v["cx_min_responses"], CX_MIN_RESPONSES_FLOOR),
        "min_coverage": number("min_coverage", v["min_coverage"], 0.0, 1.0, low_open=True),
        "use_sample": choice("use_sample", v["use_sample"], ("auto", "never")),
        "fevs_min_respondents": whole("fevs_min_respondents", v["fevs_min_respondents"], 0),
        "fevs_max_respondents": whole("fevs_max_respondents", v["fevs_max_respondents"], 1),
        "publish_url": publish_url(v["publish_url"]),
        "landing_settle_seconds": number("landing_settle_seconds", v["landing_settle_seconds"], 0.0, 86_400.0),
        "fevs_min_share": number("fevs_min_share", v["fevs_min_share"], 0.0, 1.0),
        "keep_versions": whole("keep_versions", v["keep_versions"], 1),
        "keep_validation_runs": whole("keep_validation_runs", v["keep_validation_runs"], 1),
        # a percentile, rank or quartile needs this many agencies in its comparison group (else: all agencies)
        "min_peers": whole("min_peers", v["min_peers"], 2),
        # first-year attrition is published only on this many people at risk (average on board under 1 year)
        "first_year_min_at_risk": whole("first_year_min_at_risk", v["first_year_min_at_risk"], 1),
    }
    if out["fevs_min_respondents"] > out["fevs_max_respondents"]:
        raise SettingError(f"{var('fevs_min_respondents')}={out['fevs_min_respondents']} is above "
                           f"{var('fevs_max_respondents')}={out['fevs_max_respondents']}")
    return out


def read_env(**overrides) -> dict:
    """The settings the environment gives (defaults where a variable is unset or empty), validated."""
    values = {name: os.environ[env] for name, (env, _) in SETTINGS.items() if os.environ.get(env, "").strip()}
    return validate({**values, **overrides})


def secret(name: str) -> str:
    """A secret's value (empty when unset): used, never stored or logged."""
    return os.environ.get(SECRETS[name], "").strip()


def publish_options() -> dict:
    raw = secret("publish_options") or "{}"
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise SettingError(f"{SECRETS['publish_options']} is not valid JSON (its value is not shown)") from None


def other(name: str, default: str = "") -> str:
    return os.environ.get(OTHER[name], "").strip() or default


def schedule_cron(name: str, default: str) -> str:
    """A schedule's cron: its release cadence, unless CXEX_SCHEDULE_CRONS (JSON, {schedule name: cron})
    names it, e.g. to have the daemon fire the real schedule within a minute (tests/test_deployment_processes.py)."""
    raw = other("schedule_crons") or "{}"
    try:
        crons = json.loads(raw)
    except json.JSONDecodeError:
        crons = None
    if not isinstance(crons, dict) or not all(isinstance(v, str) for v in crons.values()):
        raise SettingError(f"{OTHER['schedule_crons']}={raw!r} must be a JSON object of schedule name -> cron string")
    return crons.get(name, default)


def set_other(name: str, value: str | None) -> None:
    """Set (or, with None, clear) one of cxex's own process settings, inherited by child processes."""
    if value is None:
        os.environ.pop(OTHER[name], None)
    else:
        os.environ[OTHER[name]] = value


# Limits on a landed source file (assets/sources/integrity.py): a file beyond one is refused with a
# SourceFileError naming it. setting -> (environment variable, default, floor)
SOURCE_LIMITS = {
    # no real field comes near it: the longest are A-11 free text and FWD agency names (< 1 KiB)
    "max_field_bytes": ("CXEX_MAX_FIELD_BYTES", 65_536, 1_024),
    # one archive member or .gz unpacked: OPM's largest PRDF CSV is ~0.3 GB, an FWD month ~0.5 GB
    "max_unpacked_bytes": ("CXEX_MAX_UNPACKED_BYTES", 4 * 1024**3, 1_024),
    # real CSVs compress 5-10 times (the 2018 PRDF extract: 7.6); deflate of a run of zeros ~1,000
    "max_compression_ratio": ("CXEX_MAX_COMPRESSION_RATIO", 100, 2),
}


def source_limits() -> dict:
    """The source-file limits the environment sets (defaults otherwise), each checked against its floor."""
    out = {}
    for name, (env, default, floor) in SOURCE_LIMITS.items():
        raw = os.environ.get(env, "").strip() or default
        try:
            n = int(str(raw))
        except ValueError:
            raise SettingError(f"{env} must be a whole number, got {raw!r}") from None
        if n < floor:
            raise SettingError(f"{env}={n} is below its floor of {floor}")
        out[name] = n
    return out
