"""Publication to object storage through fsspec (CXEX_PUBLISH_URL=s3://bucket/prefix, gs://, az://, ...): the
same objects as a local publication; the commit is one put of `_manifest.json` (warehouse/publish.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.faults import fault_point
from warehouse.snapshot_files import DATA_FILE, KEEP_VERSIONS, ROW_GROUP_ROWS, _version_file
from warehouse.store import _Store



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

    def uri(self, *parts: str) -> str:
        return f"{self.protocol}://{self._key(*parts)}"

    def _documented(self, table: str) -> str:
        return self.uri(f"{table}/{DATA_FILE}")

    def _lock_path(self) -> Path:
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        return self.lock_dir / ".remote_manifest.lock"

    def put_text(self, rel: str, text: str, commit: bool = False) -> None:
        if commit:
            fault_point("manifest_written")
        self.fs.pipe(self._key(rel), text.encode())  # one object put: atomic for readers

    def has(self, rel: str) -> bool:
        return self.fs.exists(self._key(rel))

    def get_text(self, rel: str) -> str | None:
        try:
            return self.fs.cat_file(self._key(rel)).decode(errors="replace")
        except FileNotFoundError:
            return None

    def list_names(self, rel: str) -> list[str]:
        try:
            return sorted(p.rstrip("/").rsplit("/", 1)[1] for p in self.fs.ls(self._key(rel), detail=False, refresh=True))
        except FileNotFoundError:
            return []

    def remove(self, rel: str) -> None:
        try:
            self.fs.rm(self._key(rel), recursive=True)
        except FileNotFoundError:
            pass

    def publish_folder(self, name: str, build, keep: int = 2, last: str = "index.html") -> tuple[str, object, int]:
        """A folder of files (the report site): built in a temporary folder, then uploaded under `<name>/`, the file
        named `last` last (a reader never follows its links to files not yet there). Returns (its URL, what
        `build` returned, its bytes). Object stores have no links: the newest upload is the folder."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix=f"cxex-{name}-") as tmp:
            folder = Path(tmp) / name
            built = build(folder)
            files = sorted(p for p in folder.rglob("*") if p.is_file())
            for p in sorted(files, key=lambda p: p.name == last):
                self.fs.put_file(str(p), self._key(name, *p.relative_to(folder).parts))
            return self.uri(name), built, sum(p.stat().st_size for p in files)

    def _write_version(self, table_name: str, version: str, table: pa.Table) -> str:
        import io

        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        body = buf.getvalue()
        versioned = self._key(_version_file(table_name, version))
        with self.fs.open(versioned, "wb") as f:
            f.write(body)
        if self.fs.info(versioned)["size"] != len(body):
            raise RuntimeError(f"{self.uri(_version_file(table_name, version))}: short write")
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
