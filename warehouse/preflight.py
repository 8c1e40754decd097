"""Every setting checked before the writer lock, each refusal one line naming its variable.

warehouse/settings.py validates the typed settings when the resource is built; this adds what a run
needs beyond them, before it takes the lock or recovers anything: the sources asked for, the log
level, the source-file limits, the publish options as JSON, an object store's credentials and
reachability (one listing, abandoned after PROBE_SECONDS), DAGSTER_HOME absolute and writable, and
the data directory and a local publish location claimed as cxex's (warehouse/lease.py).
(`PARTITIONS` syntax: assets/partition_spec.py.)
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from .lease import claim_data_dir
from .settings import OTHER, SECRETS, SettingError, other, publish_options, source_limits

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
PROBE_SECONDS = 5.0


def check_sources(chosen: list[str], known: list[str]) -> None:
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise SettingError(f"SOURCE={','.join(chosen)}: unknown source(s) {', '.join(unknown)}; "
                           f"choose from {', '.join(known)}")


def check_log_level() -> None:
    level = other("log_level")
    if level and level.upper() not in LOG_LEVELS:
        raise SettingError(f"{OTHER['log_level']}={level!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")


def check_dagster_home() -> None:
    home = os.environ.get("DAGSTER_HOME", "")
    if not home:
        return
    path = Path(home)
    if not path.is_absolute():
        raise SettingError(f"DAGSTER_HOME={home!r} is a relative path; Dagster needs an absolute folder")
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    try:  # a real write (root passes os.access on a read-only folder; a read-only mount refuses even root)
        if existing is None or not existing.is_dir():
            raise OSError("not a folder")
        tempfile.TemporaryFile(dir=existing).close()
    except OSError as e:
        raise SettingError(f"DAGSTER_HOME={home!r} is not a writable folder ({existing}: "
                           f"{getattr(e, 'strerror', None) or e})") from None


def _hide_secrets(text: str, options: dict) -> str:
    for v in _values(options):
        if len(v) >= 4:
            text = text.replace(v, "***")
    return text


def _values(obj) -> list[str]:
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _values(v)]
    if isinstance(obj, (list, tuple)):
        return [s for v in obj for s in _values(v)]
    return [str(obj)] if obj is not None else []


def probe_object_store(url: str, seconds: float = PROBE_SECONDS) -> None:
    """One listing of the publish location: credentials and reachability, refused in one line."""
    options = publish_options()
    outcome: dict = {}

    def attempt():
        try:
            import fsspec

            fs, root = fsspec.core.url_to_fs(url, **options)
            fs.ls(root.split("/", 1)[0] or root, detail=False)
            outcome["ok"] = True
        except Exception as e:  # any client's error: its class and first line, secrets masked
            first = (str(e).strip().splitlines() or [""])[0][:200]
            outcome["error"] = f"{type(e).__name__}: {_hide_secrets(first, options)}"

    t = threading.Thread(target=attempt, name="cxex-publish-probe", daemon=True)
    t.start()
    t.join(seconds)
    if "ok" in outcome:
        return
    why = outcome.get("error") or f"no answer within {seconds:g} s"
    raise SettingError(f"CXEX_PUBLISH_URL={url}: the object store cannot be listed ({why}); check the address, "
                       f"its reachability and the credentials in {SECRETS['publish_options']} (not shown)")


def local_publish_root(publish_url: str) -> Path | None:
    """A publish location given as a folder (outside the data directory, perhaps); None otherwise."""
    return Path(publish_url) if publish_url and "://" not in publish_url else None


def before_the_lock(cxex, chosen: list[str] | None = None, known: list[str] | None = None) -> Path | None:
    """Everything a run checks before the lock; returns the local publish location to lease with the data
    directory (None: inside it, or an object store)."""
    if chosen is not None and known is not None:
        check_sources(chosen, known)
    check_log_level()
    source_limits()
    publish_options()
    check_dagster_home()
    if "://" in cxex.publish_url:
        probe_object_store(cxex.publish_url)
    local = local_publish_root(cxex.publish_url)
    claim_data_dir(cxex.layout.root, local)
    return local


def check_data_dir(root: Path) -> None:
    """The data directory exists (or can be made) and is writable, else one clear line."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OSError(f"data directory {root} cannot be created ({e.strerror}); set CXEX_DATA_DIR to a writable folder") from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise OSError(f"data directory {root} is not writable; set CXEX_DATA_DIR to a writable folder")
