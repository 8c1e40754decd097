"""Versioned publication of Parquet tables as one snapshot per publication, to a local folder or fsspec.

Every table's new version is written first (`stage`: `.versions/<table>/<version>/data.parquet`, plus
a pending record `.pending/<run_id>/<table>.json`); then `commit(run_id)` makes the run's whole set
current with ONE atomic step: `_manifest.json` (a new snapshot naming every table's version and
checksum) is written to a temporary name and renamed over the old one, the way Delta's log or an
Iceberg snapshot commits. The manifest is the truth; everything else is derived from it:

- local, where the platform has directory symlinks: `publish/current` is one symlink to
  `.snapshots/<snapshot>/`, a folder of one symlink per table to its version. A reader that resolves
  `publish/current` once reads one snapshot.
- local, everywhere: `publish/<table>/data.parquet` is a real file (no link) at a stable path for BI
  tools and copies of the folder, annotated with its snapshot and column descriptions
  (warehouse/bi_files.py); without symlinks (Windows without developer mode) readers of one whole
  snapshot resolve through the manifest (the catalog and `LocalStore.read_table` always do).
- object storage (CXEX_PUBLISH_URL=s3://bucket/prefix, gs://, az://, ...): the same layout of objects;
  the manifest is one object put (atomic); annotated `<table>/data.parquet` copies follow (bi_files).

A kill before the rename leaves the previous snapshot whole (the run's versions are orphans that
recovery and pruning remove); a kill after it leaves the new snapshot whole, and links behind it are
re-derived from the manifest at the next start (warehouse/recovery.py). Retention: the versions used
by the last `keep` snapshots (CXEX_KEEP_VERSIONS, default 3) are kept, older ones pruned.
`publish()` is `stage()` then `commit()` for one table.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock

from . import PIPELINE_VERSION
from .contracts import Contract, conform, is_text
from .faults import fault_point
from .heal import MANIFEST_KEYS, PENDING_KEYS, StateError, parse_record  # noqa: F401  (StateError re-exported)

KEEP_VERSIONS = 3
ROW_GROUP_ROWS = 122_880  # DuckDB scans row groups in parallel: one huge group would use one core
DATA_FILE = "data.parquet"


@dataclass(frozen=True)
class Publication:
    table: str
    version: str
    rows: int
    sha256: str
    contract_version: int
    run_id: str
    published_at: str
    path: str
    pipeline_version: str


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


MANIFEST = "_manifest.json"
PENDING = ".pending"
SNAPSHOTS = ".snapshots"
CURRENT = "current"


def _new_version(run_id: str) -> tuple[datetime, str]:
    """The publication time and the version name (sortable: time first, then the run)."""
    now = datetime.now(timezone.utc)
    return now, f"{now:%Y%m%dT%H%M%S%fZ}_{run_id[:8]}"


def _version_file(table: str, version: str) -> str:
    return f".versions/{table}/{version}/{DATA_FILE}"


def _committed(manifest: dict, pending: dict[str, dict], run_id: str, keep: int) -> dict:
    """The next manifest: `manifest`'s tables with the run's pending ones on top, as a new snapshot."""
    now, snapshot = _new_version(run_id)
    tables = {**manifest.get("tables", {}), **{t: {**e, "snapshot": snapshot} for t, e in pending.items()}}
    history = [{"snapshot": snapshot, "committed_at": now.isoformat(), "run_id": run_id,
                "tables": {t: e["version"] for t, e in sorted(tables.items())}}, *manifest.get("history", [])][:keep]
    return {"snapshot": snapshot, "previous_snapshot": manifest.get("snapshot"), "run_id": run_id,
            "committed_at": now.isoformat(), "updated_at": now.isoformat(), "tables": tables, "history": history}


def _kept_versions(manifest: dict, keep: int) -> dict[str, set[str]]:
    """Per table, the versions one of the last `keep` snapshots uses (the current one included)."""
    kept: dict[str, set[str]] = {t: {e["version"]} for t, e in manifest.get("tables", {}).items()}
    for snap in manifest.get("history", [])[:keep]:
        for t, v in snap["tables"].items():
            kept.setdefault(t, set()).add(v)
    return kept


class _Store:
    """Stage, commit and read: the same rules for a local folder and an object store."""

    keep = KEEP_VERSIONS

    # -- writing --------------------------------------------------------------------------------
    def stage(self, contract: Contract, table: pa.Table, run_id: str, built_from: dict | None = None,
              publication: str | None = None) -> Publication:
        """Write `table` as a new version of its table, not yet visible: `commit(run_id)` publishes it.
        `publication`: several runs stage into one publication (`make run`: each source's tables from
        its own run, the cross-agency ones from the last), which `commit(publication)` makes current."""
        table = conform(table, contract)  # raises before anything is written
        now, version = _new_version(run_id)
        digest = self._write_version(contract.table, version, table)
        fault_point("version_written")
        pub = Publication(contract.table, version, table.num_rows, digest, contract.version, run_id,
                          now.isoformat(), self._documented(contract.table), PIPELINE_VERSION)
        entry = {**asdict(pub), "file": _version_file(contract.table, version)}
        if built_from:
            entry["built_from"] = dict(sorted(built_from.items()))
        self._put(f"{PENDING}/{publication or run_id}/{contract.table}.json", json.dumps(entry, indent=2, sort_keys=True) + "\n")
        self._record_owner(publication or run_id)
        fault_point("pending_recorded")
        return pub

    def _record_owner(self, pending_id: str) -> None:
        """The writer lease that stages this publication (warehouse/lease.py): recovery discards it only
        once that lease is provably gone."""
        from .lease import current_token

        if current_token() and not self._exists(f"{PENDING}/{pending_id}/.owner"):
            self._put(f"{PENDING}/{pending_id}/.owner", json.dumps({"token": current_token()}) + "\n")

    def commit(self, run_id: str, publication: str | None = None) -> dict | None:
        """Make every table the run (or the `publication` it belongs to) staged current at once (one
        manifest rename); None if nothing was staged. The snapshot records `run_id`, the committing run."""
        pending_id = publication or run_id
        with FileLock(str(self._lock_path())):
            pending = self.pending(pending_id)
            if not pending:
                return None
            missing = [t for t, e in pending.items() if not self._exists(e.get("file") or _version_file(t, e["version"]))]
            if missing:
                raise RuntimeError(f"run {run_id}: staged version files of {', '.join(missing)} are gone; nothing committed")
            manifest = _committed(self.read_manifest(), pending, run_id, self.keep)
            self._put(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n", commit=True)
            fault_point("manifest_committed")
            self._rm(f"{PENDING}/{pending_id}")
            self._derive(manifest)
            self._prune(manifest)
        return manifest

    def publish(self, contract: Contract, table: pa.Table, run_id: str, built_from: dict | None = None) -> Publication:
        """One table staged and committed (its own snapshot)."""
        pub = self.stage(contract, table, run_id, built_from)
        self.commit(run_id)
        return pub

    def discard(self, run_id: str, tables: list[str] | None = None) -> None:
        """Forget what a run (or publication) staged, or only its `tables` (their versions become
        orphans, pruned later)."""
        if tables is None:
            self._rm(f"{PENDING}/{run_id}")
        for table in tables or []:
            self._rm(f"{PENDING}/{run_id}/{table}.json")

    def _prune(self, manifest: dict, orphans_before: float | None = None) -> None:
        """Remove versions no retained snapshot uses. Only older than the current version (a newer one
        may be another run's, being staged now), or, with `orphans_before` (recovery, a POSIX time
        before every live run), also newer ones last written before it (a killed run's)."""
        kept = _kept_versions(manifest, self.keep)
        pending = {(t, e["version"]) for run in self._list(PENDING) for t, e in self.pending(run).items()}
        for t in kept:
            current = manifest["tables"][t]["version"] if t in manifest.get("tables", {}) else ""
            for v in self._list(f".versions/{t}"):
                if v in kept[t] or v.startswith(".") or (t, v) in pending:
                    continue
                if v < current or (orphans_before is not None and self._mtime(f".versions/{t}/{v}") < orphans_before):
                    self._rm(f".versions/{t}/{v}")

    # -- reading --------------------------------------------------------------------------------
    def pending(self, run_id: str) -> dict[str, dict]:
        out = {}
        for name in self._list(f"{PENDING}/{run_id}"):
            if name.endswith(".json"):
                text = self._get(f"{PENDING}/{run_id}/{name}")
                if text:
                    out[name[:-5]] = parse_record(text, self._uri(PENDING, run_id, name), PENDING_KEYS)
        return out

    def read_manifest(self, run_id: str | None = None) -> dict:
        """The committed manifest; with `run_id`, as that run sees it (its staged tables on top)."""
        text = self._get(MANIFEST)
        manifest = parse_record(text, self._uri(MANIFEST), MANIFEST_KEYS) if text else {"tables": {}}
        if run_id:
            manifest = {**manifest, "tables": {**manifest["tables"], **self.pending(run_id)}}
        return manifest

    def exists(self, table: str, run_id: str | None = None) -> bool:
        return table in self.read_manifest(run_id)["tables"]

    def version_path(self, table: str, run_id: str | None = None, manifest: dict | None = None) -> str:
        """The data file of `table`'s current version (as `run_id` sees it)."""
        e = (manifest or self.read_manifest(run_id))["tables"][table]
        return self._uri(e.get("file") or _version_file(table, e["version"]))


class LocalStore(_Store):
    """Publication into a local folder; links derived from the manifest where the platform has them."""

    remote = False

    def __init__(self, root: Path, keep: int = KEEP_VERSIONS, links: bool | None = None):
        self.root = Path(root)
        self.keep = keep
        self._links = links

    def __str__(self) -> str:
        return str(self.root)

    def _uri(self, *parts: str) -> str:
        return str(self.root.joinpath(*parts))

    def _documented(self, table: str) -> str:
        return str(self.root / table)

    def _lock_path(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / ".manifest.lock"

    def _put(self, rel: str, text: str, commit: bool = False) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "w") as f:
                f.write(text)
                if commit:  # the commit record reaches the disk before it is renamed into place
                    f.flush()
                    os.fsync(f.fileno())
            if commit:
                fault_point("manifest_written")
            os.replace(tmp, path)  # the atomic step
        finally:
            tmp.unlink(missing_ok=True)

    def _exists(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def _get(self, rel: str) -> str | None:
        try:
            return (self.root / rel).read_text(errors="replace")  # undecodable bytes fail as bad JSON, naming the file
        except FileNotFoundError:
            return None

    def _list(self, rel: str) -> list[str]:
        folder = self.root / rel
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []

    def _rm(self, rel: str) -> None:
        path = self.root / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def _write_version(self, table_name: str, version: str, table: pa.Table) -> str:
        versions = self.root / ".versions" / table_name
        versions.mkdir(parents=True, exist_ok=True)
        tmp = versions / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            pq.write_table(table, tmp / DATA_FILE, compression="zstd", row_group_size=ROW_GROUP_ROWS)
            digest = sha256_file(tmp / DATA_FILE)
            os.rename(tmp, versions / version)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return digest

    @property
    def links(self) -> bool:
        """Whether this platform and folder allow symlinks (else the manifest alone is the pointer)."""
        if self._links is None:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".link-probe.{uuid.uuid4().hex}"
            try:
                os.symlink(".", probe, target_is_directory=True)
                self._links = True
            except (OSError, NotImplementedError):
                self._links = False
            finally:
                if probe.is_symlink():
                    probe.unlink()
        return self._links

    def _swap_link(self, target: str, link: Path) -> None:
        if link.exists() and not link.is_symlink():
            raise RuntimeError(f"{link} is a real directory, not a cxex publication link; move it away first")
        if link.is_symlink() and os.readlink(link) == target:
            return
        tmp = link.with_name(f".{link.name}.{uuid.uuid4().hex}.link")
        os.symlink(target, tmp, target_is_directory=True)
        os.replace(tmp, link)

    def _derive(self, manifest: dict) -> None:
        """From the manifest: a snapshot folder of links, `current` swapped to it (where the platform has
        links), then the BI tools' real files `<table>/data.parquet` (warehouse/bi_files.py)."""
        if not manifest.get("snapshot"):
            return
        if self.links:
            self._derive_links(manifest)
        from .bi_files import write_stable_files

        write_stable_files(self.root, manifest)

    def _derive_links(self, manifest: dict) -> None:
        snaps = self.root / SNAPSHOTS
        snap = snaps / manifest["snapshot"]
        if not snap.is_dir():
            snaps.mkdir(parents=True, exist_ok=True)
            tmp = snaps / f".tmp-{uuid.uuid4().hex}"
            tmp.mkdir()
            for t, e in manifest["tables"].items():
                os.symlink(f"../../.versions/{t}/{e['version']}", tmp / t, target_is_directory=True)
            # the snapshot's own manifest: a reader of publish/current finds the manifest its links show
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            os.rename(tmp, snap)
        fault_point("snapshot_linked")
        self._swap_link(f"{SNAPSHOTS}/{manifest['snapshot']}", self.root / CURRENT)  # readers switch here, at once
        fault_point("links_switched")

    def repair(self, orphans_before: float | None = None) -> None:
        """Re-derive the links from the committed manifest (after a kill between commit and links) and
        prune; `orphans_before`: also versions a killed run wrote before that time and never committed."""
        manifest = self.read_manifest()
        self._derive(manifest)
        self._prune(manifest, orphans_before)

    def _mtime(self, rel: str) -> float:
        return (self.root / rel).stat().st_mtime

    def _prune(self, manifest: dict, orphans_before: float | None = None) -> None:
        super()._prune(manifest, orphans_before)
        keep = {s["snapshot"] for s in manifest.get("history", [])[:self.keep]}
        for name in self._list(SNAPSHOTS):
            if name not in keep and not name.startswith("."):
                self._rm(f"{SNAPSHOTS}/{name}")

    def read_table(self, table: str, run_id: str | None = None) -> pa.Table:
        return pq.read_table(self.version_path(table, run_id))

    def scan_pattern(self, table: str, manifest: dict | None = None, relative_to: Path | None = None) -> str:
        """What DuckDB's read_parquet() reads for `table` in `manifest`'s snapshot: the pinned version file,
        relative to `relative_to` (the catalog's folder) when it lies inside it."""
        path = Path(self.version_path(table, manifest=manifest)).absolute()
        if relative_to is not None:
            try:
                return path.relative_to(Path(relative_to).absolute()).as_posix()
            except ValueError:
                pass
        return str(path)

    def register(self, con) -> None:
        """Nothing to do: DuckDB reads local files itself."""


def publish_table(publish_root: Path, contract: Contract, table: pa.Table, run_id: str,
                  keep: int = KEEP_VERSIONS) -> Publication:
    """Conform `table` to `contract`, write it as a new version and commit it (its own snapshot)."""
    return LocalStore(publish_root, keep).publish(contract, table, run_id)


def read_manifest(publish_root: Path) -> dict:
    return LocalStore(publish_root).read_manifest()


class ObjectStore(_Store):
    """Publication into an fsspec location (s3://bucket/prefix, ...): versioned objects, one manifest put."""

    remote = True

    def __init__(self, url: str, lock_dir: Path, storage_options: dict | None = None, keep: int = KEEP_VERSIONS):
        import fsspec

        self.url = url.rstrip("/")
        self.protocol = self.url.split("://", 1)[0]
        self.fs, self.root = fsspec.core.url_to_fs(self.url, **(storage_options or {}))
        self.root = self.root.rstrip("/")
        self.lock_dir = lock_dir
        self.keep = keep

    def __str__(self) -> str:
        return self.url

    def _key(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def _uri(self, *parts: str) -> str:
        return f"{self.protocol}://{self._key(*parts)}"

    def _documented(self, table: str) -> str:
        return self._uri(f"{table}/{DATA_FILE}")

    def _lock_path(self) -> Path:
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        return self.lock_dir / ".remote_manifest.lock"

    def _put(self, rel: str, text: str, commit: bool = False) -> None:
        if commit:
            fault_point("manifest_written")
        self.fs.pipe(self._key(rel), text.encode())  # one object put: atomic for readers

    def _exists(self, rel: str) -> bool:
        return self.fs.exists(self._key(rel))

    def _get(self, rel: str) -> str | None:
        try:
            return self.fs.cat_file(self._key(rel)).decode(errors="replace")
        except FileNotFoundError:
            return None

    def _list(self, rel: str) -> list[str]:
        try:
            return sorted(p.rstrip("/").rsplit("/", 1)[1] for p in self.fs.ls(self._key(rel), detail=False, refresh=True))
        except FileNotFoundError:
            return []

    def _rm(self, rel: str) -> None:
        try:
            self.fs.rm(self._key(rel), recursive=True)
        except FileNotFoundError:
            pass

    def _write_version(self, table_name: str, version: str, table: pa.Table) -> str:
        import io

        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        body = buf.getvalue()
        versioned = self._key(_version_file(table_name, version))
        with self.fs.open(versioned, "wb") as f:
            f.write(body)
        if self.fs.info(versioned)["size"] != len(body):
            raise RuntimeError(f"{self._uri(_version_file(table_name, version))}: short write")
        return hashlib.sha256(body).hexdigest()

    def _derive(self, manifest: dict) -> None:
        """`<table>/data.parquet` annotated copies of the snapshot's versions (warehouse/bi_files.py; each
        put atomic; the set is the manifest)."""
        from .bi_files import annotated_bytes

        for t, e in manifest.get("tables", {}).items():
            if e.get("snapshot") == manifest.get("snapshot"):  # committed in this snapshot
                body = self.fs.cat_file(self._key(e.get("file") or _version_file(t, e["version"])))
                self.fs.pipe(self._key(t, DATA_FILE), annotated_bytes(body, t, e))

    def read_table(self, table: str, run_id: str | None = None) -> pa.Table:
        with self.fs.open(self.version_path(table, run_id), "rb") as f:
            return pq.read_table(f)

    def scan_pattern(self, table: str, manifest: dict | None = None, relative_to: Path | None = None) -> str:
        return self.version_path(table, manifest=manifest)

    def register(self, con) -> None:
        """Let a DuckDB connection read this location through fsspec (no httpfs extension needed)."""
        if not con.filesystem_is_registered(self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]):
            con.register_filesystem(self.fs)


def open_store(publish_url: str | None, local_root: Path, lock_dir: Path, keep: int = KEEP_VERSIONS):
    """The publication target: a local folder unless `publish_url` names an fsspec location."""
    if publish_url and "://" in publish_url and not publish_url.startswith("file://"):
        from .settings import publish_options

        return ObjectStore(publish_url, lock_dir, publish_options(), keep)
    if publish_url:
        return LocalStore(Path(publish_url.removeprefix("file://")), keep)
    return LocalStore(local_root, keep)


# How raw and staging files are written (assets/common.py write_stage): min/max statistics only for
# columns that are not text (nothing filters those files on text; over a national FEVS year's 70 text
# items the statistics took a third of the write), and without the Arrow schema, so a column held
# dictionary-encoded in memory reads back as the `string` its contract declares (every raw and
# staging contract's types survive this: tests/test_pipeline.py). Published tables keep both.
STAGE_PARQUET = "stage"


def write_parquet_atomic(table: pa.Table, path: Path, metadata: dict[str, str] | None = None, style: str | None = None) -> None:
    """Write `table` to `path` via a temporary file and rename, so readers never see half a file.
    `style=STAGE_PARQUET`: a raw or staging file (see above)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in metadata.items()}})
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        if style == STAGE_PARQUET:
            # without the Arrow schema the key-value metadata (provenance) is added to the footer by hand
            with pq.ParquetWriter(tmp, table.schema.remove_metadata(), compression="zstd", store_schema=False,
                                  write_statistics=[f.name for f in table.schema if not is_text(f.type)]) as writer:
                writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
                if table.schema.metadata:
                    writer.add_key_value_metadata({k.decode(): v.decode() for k, v in table.schema.metadata.items()})
        else:
            pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        fault_point("parquet_written")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def runs_newest_first(files) -> list[list[Path]]:
    """`files` of one folder (named `<run_id>_<rest>`) grouped by run, the newest run (by its newest file) first."""
    runs: dict[str, list[Path]] = {}
    for p in files:
        runs.setdefault(p.name.split("_", 1)[0], []).append(p)
    return [sorted(runs[r]) for r in sorted(runs, key=lambda r: max(p.stat().st_mtime_ns for p in runs[r]), reverse=True)]


def latest_run_files(pattern: str) -> list[str]:
    """Of the per-run files `pattern` matches (`.../<folder>/<run_id>_<rest>.parquet`), those of each
    folder's newest run: what `prune_runs` would keep with keep=1."""
    import glob

    by_folder: dict[Path, list[Path]] = {}
    for p in map(Path, glob.glob(pattern)):
        by_folder.setdefault(p.parent, []).append(p)
    return [str(p) for folder in sorted(by_folder) for p in runs_newest_first(by_folder[folder])[0]]


def prune_runs(folder: Path, keep: int) -> list[Path]:
    """Keep the files of the newest `keep` runs in `folder` (files named `<run_id>_<rest>`); returns what went."""
    gone = [p for files in runs_newest_first(folder.glob("*.parquet"))[keep:] for p in files]
    for p in gone:
        p.unlink(missing_ok=True)
    return gone


def with_constant_columns(table: pa.Table, values: dict[str, object], types: dict[str, pa.DataType]) -> pa.Table:
    """Append one constant column per entry of `values` (provenance, mostly)."""
    for name, value in values.items():
        table = table.append_column(pa.field(name, types[name]), pa.repeat(pa.scalar(value, type=types[name]), table.num_rows))
    return table
