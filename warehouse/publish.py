"""Atomic, versioned publication of Parquet tables, to a local folder or any fsspec location.

Local (the default, $CXEX_DATA_DIR/publish): each publication of a table is written to
`publish/.versions/<table>/<version>/` and only then made current by atomically replacing the
symlink `publish/<table>` (rename(2) over a symlink). Readers see the old version or the new one,
never a half-written one; a failure before the swap leaves the last good version in place.

Object storage (CXEX_PUBLISH_URL=s3://bucket/prefix, or gs://, az://, ... through fsspec): the
version is written to `<prefix>/.versions/<table>/<version>/data.parquet`, then copied server-side
over `<prefix>/<table>/data.parquet`. An object store replaces one object atomically, so a reader of
that key gets the old file or the new one, never a mix. Nothing is written to the stable key before
the version is complete and conformed. Credentials and endpoints come from the usual environment
(AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ...) or CXEX_PUBLISH_OPTIONS (JSON storage options).

Both keep `_manifest.json` (what is current, row counts, checksums) beside the tables.
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
from .contracts import Contract, conform

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


def current_version_dir(publish_root: Path, table: str) -> Path | None:
    link = publish_root / table
    return link.resolve() if link.is_symlink() else None


def publish_table(publish_root: Path, contract: Contract, table: pa.Table, run_id: str,
                  keep: int = KEEP_VERSIONS) -> Publication:
    """Conform `table` to `contract`, write it as a new version and swap it in atomically."""
    table = conform(table, contract)  # raises before anything is written
    publish_root.mkdir(parents=True, exist_ok=True)
    versions = publish_root / ".versions" / contract.table
    versions.mkdir(parents=True, exist_ok=True)
    now, version = _new_version(run_id)
    tmp = versions / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        pq.write_table(table, tmp / DATA_FILE, compression="zstd")
        digest = sha256_file(tmp / DATA_FILE)
        os.rename(tmp, versions / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    link = publish_root / contract.table
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a real directory, not a cxex publication link; move it away first")
    tmp_link = publish_root / f".{contract.table}.{uuid.uuid4().hex}.link"
    os.symlink(Path(".versions") / contract.table / version, tmp_link)
    os.replace(tmp_link, link)  # the atomic swap
    pub = Publication(contract.table, version, table.num_rows, digest, contract.version, run_id,
                      now.isoformat(), str(link), PIPELINE_VERSION)
    _update_manifest(publish_root, pub)
    _prune(versions, keep, current=version)
    return pub


def _update_manifest(publish_root: Path, pub: Publication) -> None:
    path = publish_root / "_manifest.json"
    with FileLock(str(publish_root / ".manifest.lock")):
        manifest = json.loads(path.read_text()) if path.exists() else {"tables": {}}
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        tmp.write_text(_manifest_with(manifest, pub))
        os.replace(tmp, path)


def _new_version(run_id: str) -> tuple[datetime, str]:
    """The publication time and the version name (sortable: time first, then the run)."""
    now = datetime.now(timezone.utc)
    return now, f"{now:%Y%m%dT%H%M%S%fZ}_{run_id[:8]}"


def _manifest_with(manifest: dict, pub: Publication) -> str:
    """`manifest` with `pub` as its table's current version, as the JSON text to write."""
    manifest["tables"][pub.table] = asdict(pub)
    manifest["updated_at"] = pub.published_at
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def _prune(versions: Path, keep: int, current: str) -> None:
    old = sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
    for p in old[:-keep]:
        if p.name != current:
            shutil.rmtree(p, ignore_errors=True)


def read_manifest(publish_root: Path) -> dict:
    path = publish_root / "_manifest.json"
    return json.loads(path.read_text()) if path.exists() else {"tables": {}}


class LocalStore:
    """Publication into a local folder, swapped in by symlink."""

    remote = False

    def __init__(self, root: Path):
        self.root = Path(root)

    def __str__(self) -> str:
        return str(self.root)

    def publish(self, contract: Contract, table: pa.Table, run_id: str) -> Publication:
        return publish_table(self.root, contract, table, run_id)

    def exists(self, table: str) -> bool:
        return (self.root / table).is_symlink()

    def read_table(self, table: str) -> pa.Table:
        return pq.read_table(self.root / table)

    def read_manifest(self) -> dict:
        return read_manifest(self.root)

    def scan_pattern(self, table: str) -> str:
        """What DuckDB's read_parquet() should read for the current version of `table`."""
        return str((self.root / table / "*.parquet").absolute())

    def register(self, con) -> None:
        """Nothing to do: DuckDB reads local files itself."""


class ObjectStore:
    """Publication into an fsspec location (s3://bucket/prefix, ...): versioned objects, one atomic copy."""

    remote = True

    def __init__(self, url: str, lock_dir: Path, storage_options: dict | None = None):
        import fsspec

        self.url = url.rstrip("/")
        self.protocol = self.url.split("://", 1)[0]
        self.fs, self.root = fsspec.core.url_to_fs(self.url, **(storage_options or {}))
        self.root = self.root.rstrip("/")
        self.lock_dir = lock_dir

    def __str__(self) -> str:
        return self.url

    def _key(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def _uri(self, *parts: str) -> str:
        return f"{self.protocol}://{self._key(*parts)}"

    def publish(self, contract: Contract, table: pa.Table, run_id: str) -> Publication:
        import io

        table = conform(table, contract)  # raises before anything is written
        now, version = _new_version(run_id)
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        body = buf.getvalue()
        digest = hashlib.sha256(body).hexdigest()
        versioned = self._key(".versions", contract.table, version, DATA_FILE)
        with self.fs.open(versioned, "wb") as f:
            f.write(body)
        if self.fs.info(versioned)["size"] != len(body):
            raise RuntimeError(f"{self._uri('.versions', contract.table, version, DATA_FILE)}: short write")
        current = self._key(contract.table, DATA_FILE)
        self.fs.copy(versioned, current)  # server-side copy: the one atomic replacement readers see
        pub = Publication(contract.table, version, table.num_rows, digest, contract.version, run_id,
                          now.isoformat(), self._uri(contract.table, DATA_FILE), PIPELINE_VERSION)
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.lock_dir / ".remote_manifest.lock")):
            self.fs.pipe(self._key("_manifest.json"), _manifest_with(self.read_manifest(), pub).encode())
        self._prune(contract.table, version)
        return pub

    def _prune(self, table: str, current: str, keep: int = KEEP_VERSIONS) -> None:
        try:
            versions = sorted(p.rsplit("/", 1)[1] for p in self.fs.ls(self._key(".versions", table), detail=False))
        except FileNotFoundError:
            return
        for v in versions[:-keep]:
            if v != current:
                self.fs.rm(self._key(".versions", table, v), recursive=True)

    def exists(self, table: str) -> bool:
        return self.fs.exists(self._key(table, DATA_FILE))

    def read_table(self, table: str) -> pa.Table:
        with self.fs.open(self._key(table, DATA_FILE), "rb") as f:
            return pq.read_table(f)

    def read_manifest(self) -> dict:
        try:
            return json.loads(self.fs.cat_file(self._key("_manifest.json")))
        except FileNotFoundError:
            return {"tables": {}}

    def scan_pattern(self, table: str) -> str:
        return self._uri(table, DATA_FILE)

    def register(self, con) -> None:
        """Let a DuckDB connection read this location through fsspec (no httpfs extension needed)."""
        if not con.filesystem_is_registered(self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]):
            con.register_filesystem(self.fs)


def open_store(publish_url: str | None, local_root: Path, lock_dir: Path):
    """The publication target: a local folder unless `publish_url` names an fsspec location."""
    if publish_url and "://" in publish_url and not publish_url.startswith("file://"):
        from .settings import publish_options

        return ObjectStore(publish_url, lock_dir, publish_options())
    if publish_url:
        return LocalStore(Path(publish_url.removeprefix("file://")))
    return LocalStore(local_root)


def write_parquet_atomic(table: pa.Table, path: Path, metadata: dict[str, str] | None = None) -> None:
    """Write `table` to `path` via a temporary file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in metadata.items()}})
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def with_constant_columns(table: pa.Table, values: dict[str, object], types: dict[str, pa.DataType]) -> pa.Table:
    """Append one constant column per entry of `values` (provenance, mostly)."""
    for name, value in values.items():
        table = table.append_column(pa.field(name, types[name]), pa.array([value] * table.num_rows, type=types[name]))
    return table
