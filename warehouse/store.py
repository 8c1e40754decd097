"""What every publication store does (warehouse/publish.py LocalStore, warehouse/object_store.py ObjectStore):
stage a table's version, commit a run's versions as one snapshot, discard, prune, read."""

from __future__ import annotations

import json
from dataclasses import asdict

import pyarrow as pa
from filelock import FileLock

from warehouse import PIPELINE_VERSION
from warehouse.contracts import Contract, conform
from warehouse.faults import fault_point
from warehouse.heal import MANIFEST_KEYS, PENDING_KEYS, parse_record
from warehouse.snapshot_files import KEEP_VERSIONS, MANIFEST, PENDING, Publication, _committed, _kept_versions, _new_version, _version_file



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
        self.put_text(f"{PENDING}/{publication or run_id}/{contract.table}.json", json.dumps(entry, indent=2, sort_keys=True) + "\n")
        self._record_owner(publication or run_id)
        fault_point("pending_recorded")
        return pub

    def _record_owner(self, pending_id: str) -> None:
        """The writer lease that stages this publication (warehouse/lease.py): recovery discards it only
        once that lease is provably gone."""
        from .lease import current_token

        if current_token() and not self.has(f"{PENDING}/{pending_id}/.owner"):
            self.put_text(f"{PENDING}/{pending_id}/.owner", json.dumps({"token": current_token()}) + "\n")

    def commit(self, run_id: str, publication: str | None = None) -> dict | None:
        """Make every table the run (or the `publication` it belongs to) staged current at once (one
        manifest rename); None if nothing was staged. The snapshot records `run_id`, the committing run."""
        pending_id = publication or run_id
        with FileLock(str(self._lock_path())):
            pending = self.pending(pending_id)
            if not pending:
                return None
            missing = [t for t, e in pending.items() if not self.has(e.get("file") or _version_file(t, e["version"]))]
            if missing:
                raise RuntimeError(f"run {run_id}: staged version files of {', '.join(missing)} are gone; nothing committed")
            manifest = _committed(self.read_manifest(), pending, run_id, self.keep)
            self.put_text(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n", commit=True)
            fault_point("manifest_committed")
            self.remove(f"{PENDING}/{pending_id}")
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
            self.remove(f"{PENDING}/{run_id}")
        for table in tables or []:
            self.remove(f"{PENDING}/{run_id}/{table}.json")

    def _prune(self, manifest: dict, orphans_before: float | None = None) -> None:
        """Remove versions no retained snapshot uses. Only older than the current version (a newer one
        may be another run's, being staged now), or, with `orphans_before` (recovery, a POSIX time
        before every live run), also newer ones last written before it (a killed run's)."""
        kept = _kept_versions(manifest, self.keep)
        pending = {(t, e["version"]) for run in self.list_names(PENDING) for t, e in self.pending(run).items()}
        for t in kept:
            current = manifest["tables"][t]["version"] if t in manifest.get("tables", {}) else ""
            for v in self.list_names(f".versions/{t}"):
                if v in kept[t] or v.startswith(".") or (t, v) in pending:
                    continue
                if v < current or (orphans_before is not None and self._mtime(f".versions/{t}/{v}") < orphans_before):
                    self.remove(f".versions/{t}/{v}")

    # -- reading --------------------------------------------------------------------------------
    def pending(self, run_id: str) -> dict[str, dict]:
        out = {}
        for name in self.list_names(f"{PENDING}/{run_id}"):
            if name.endswith(".json"):
                text = self.get_text(f"{PENDING}/{run_id}/{name}")
                if text:
                    out[name[:-5]] = parse_record(text, self.uri(PENDING, run_id, name), PENDING_KEYS)
        return out

    def read_manifest(self, run_id: str | None = None) -> dict:
        """The committed manifest; with `run_id`, as that run sees it (its staged tables on top)."""
        text = self.get_text(MANIFEST)
        manifest = parse_record(text, self.uri(MANIFEST), MANIFEST_KEYS) if text else {"tables": {}}
        if run_id:
            manifest = {**manifest, "tables": {**manifest["tables"], **self.pending(run_id)}}
        return manifest

    def exists(self, table: str, run_id: str | None = None) -> bool:
        return table in self.read_manifest(run_id)["tables"]

    def version_path(self, table: str, run_id: str | None = None, manifest: dict | None = None) -> str:
        """The data file of `table`'s current version (as `run_id` sees it)."""
        e = (manifest or self.read_manifest(run_id))["tables"][table]
        return self.uri(e.get("file") or _version_file(table, e["version"]))
