"""Which partitions a landed file feeds: what the landing sensor (pipelines/sensors.py) runs for it."""

from __future__ import annotations

import time
from pathlib import Path

from .sources.files import is_data_file

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
    """(job, partition key) pairs a landed file feeds, as the specs of the sources landing in its folder say
    (assets/<source>/spec.py `landed`; a key of None: the publication). Raises ValueError naming the file if
    no source reads it."""
    from .domains import source_specs

    parts = Path(rel).parts
    path = landing / rel
    mine = [s for s in source_specs() if s.landing and s.landing == parts[0]]
    found: list[tuple[str, str]] = []
    claimed = False
    for spec in mine:
        keys_ = spec.landed(path, parts[1:])
        if keys_ is not None:
            claimed = True
            found += [(PUBLISH_JOB, "") if k is None else (spec.job, k) for k in keys_]
    if claimed:
        return sorted(set(found))
    folders = sorted({f"landing/{s.landing}/" for s in source_specs() if s.landing})
    raise ValueError(f"{path}: not in a folder cxex reads ({', '.join(folders)}, as each source's spec declares)")


def remote_kinds() -> dict[str, str]:
    """{kind in remote_sources.csv: where its files land under landing/}, as the sources' specs declare."""
    from .domains import source_specs

    return {kind: where for spec in source_specs() for kind, where in spec.remote}


def landing_for(layout, kind: str, partition: str) -> Path:
    """Where a remote file of `kind` lands (warehouse/reference/remote_sources.csv): `{partition}` is its
    partition folder (a survey year, a month); CX files carry their periods inside."""
    return layout.root / "landing" / remote_kinds()[kind].format(partition=partition)


def remote_files(path=None, templates: bool = False) -> list:
    """remote_sources.csv's rows (warehouse/reference.py), each of a kind some source receives."""
    from warehouse.reference import remote_sources

    return remote_sources(path, templates, kinds=tuple(remote_kinds()))


def api_for(kind: str, url: str):
    """The API adapter (a module: endpoint_of, has_key, API_KEY_ENV, probe, fetch_endpoint) of the source that
    receives `kind`, when `url` is one of its endpoints (the Touchpoints API for A-11), else None."""
    import importlib

    from .domains import source_specs

    for spec in source_specs():
        if spec.api and kind in dict(spec.remote):
            api = importlib.import_module(spec.api)
            return api if api.endpoint_of(url) else None
    return None
