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

import json
import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.contracts import Contract
from warehouse.faults import fault_point
from warehouse.heal import StateError  # noqa: F401  (re-exported)
from warehouse.snapshot_files import CURRENT, DATA_FILE, KEEP_VERSIONS, MANIFEST, Publication, ROW_GROUP_ROWS, SNAPSHOTS, read_version, sha256_file
from warehouse.store import _Store
from warehouse.object_store import ObjectStore



class LocalStore(_Store):
    """Publication into a local folder; links derived from the manifest where the platform has them."""

    remote = False

    def __init__(self, root: Path, keep: int = KEEP_VERSIONS, links: bool | None = None):
        self.root = Path(root)
        self.keep = keep
        self._links = links

    def __str__(self) -> str:
        return str(self.root)

    def uri(self, *parts: str) -> str:
        return str(self.root.joinpath(*parts))

    def _documented(self, table: str) -> str:
        return str(self.root / table)

    def _lock_path(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / ".manifest.lock"

    def put_text(self, rel: str, text: str, commit: bool = False) -> None:
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

    def has(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def get_text(self, rel: str) -> str | None:
        try:
            return (self.root / rel).read_text(errors="replace")  # undecodable bytes fail as bad JSON, naming the file
        except FileNotFoundError:
            return None

    def list_names(self, rel: str) -> list[str]:
        folder = self.root / rel
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []

    def remove(self, rel: str) -> None:
        path = self.root / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def publish_folder(self, name: str, build, keep: int = 2) -> tuple[str, object, int]:
        """A folder of files (the report site) published like a table: `build(folder)` fills
        `.versions/<name>/<version>/`, then the `<name>` link is swapped to it by one rename; the newest
        `keep` versions stay. Returns (the published folder's path, what `build` returned, its bytes)."""
        versions = self.root / ".versions" / name
        versions.mkdir(parents=True, exist_ok=True)
        version = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}"
        tmp = versions / f".tmp-{uuid.uuid4().hex}"
        try:
            built = build(tmp)
            os.rename(tmp, versions / version)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        link = self.root / name
        if link.exists() and not link.is_symlink():
            raise RuntimeError(f"{link} is a real directory, not a cxex link; move it away first")
        tmp_link = self.root / f".{name}.{uuid.uuid4().hex}.link"
        os.symlink(Path(".versions") / name / version, tmp_link)
        os.replace(tmp_link, link)  # the atomic swap
        for old in sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
        size = sum(p.stat().st_size for p in (versions / version).rglob("*") if p.is_file())
        return str(link), built, size

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
        for name in self.list_names(SNAPSHOTS):
            if name not in keep and not name.startswith("."):
                self.remove(f"{SNAPSHOTS}/{name}")

    def read_table(self, table: str, run_id: str | None = None) -> pa.Table:
        return read_version(self.version_path(table, run_id))

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


def open_store(publish_url: str | None, local_root: Path, lock_dir: Path, keep: int = KEEP_VERSIONS):
    """The publication target: a local folder unless `publish_url` names an fsspec location."""
    if publish_url and "://" in publish_url and not publish_url.startswith("file://"):
        from .settings import publish_options

        return ObjectStore(publish_url, lock_dir, publish_options(), keep)
    if publish_url:
        return LocalStore(Path(publish_url.removeprefix("file://")), keep)
    return LocalStore(local_root, keep)
