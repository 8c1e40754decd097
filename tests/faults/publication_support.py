"""Shared helpers for the publication, recovery and concurrency attacks (tests/faults/test_publication_*.py,
test_recovery_*.py, test_concurrency_*.py).

The attacks hit the publication machinery itself (warehouse/publish.py, warehouse/catalog.py,
warehouse/recovery.py): the very calls the publish assets and the catalog asset make
(`store.stage` per table, then one `store.commit` and `build_catalog`). Their rows follow the
published contracts (warehouse/contracts/*.yaml), our own output format: the values are filler, what
the attacks look at is which run a table came from (`run_id`, a provenance column of every table)
and the bytes. A subprocess running `python -m tests.faults.publication_support DATA_DIR RUN_ID`
is one publication of TABLES; CXEX_FAULT_HOOK=<point>[:n] (warehouse/faults.py) SIGKILLs it at a step.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

REPO = Path(__file__).resolve().parents[2]
# five tables from three sources and the cross-agency pair the scorecard issue found split across runs
TABLES = ("ex_index_scores", "workforce_metrics", "cx_index_scores", "agency_scorecard", "cx_ex_linkage")


def contract_table(name: str, run_id: str, rows: int = 4) -> pa.Table:
    """`rows` rows that conform to the table's contract, every row stamped with `run_id`."""
    from warehouse.contracts import load

    contract = load(name)
    ts = datetime(2024, 1, 1, tzinfo=timezone.utc)
    cols = {}
    for f in contract.schema:
        if f.name == "run_id":
            vals = [run_id] * rows
        elif pa.types.is_string(f.type):
            vals = [f"v{i}" for i in range(rows)]
        elif pa.types.is_boolean(f.type):
            vals = [False] * rows
        elif pa.types.is_integer(f.type):
            vals = [2020 + i if "year" in f.name else i for i in range(rows)]
        elif pa.types.is_floating(f.type):
            vals = [float(i) for i in range(rows)]
        else:
            vals = [ts] * rows
        cols[f.name] = pa.array(vals, type=f.type)
    return pa.table(cols)


def layout_and_store(data_dir: Path):
    from warehouse.layout import DataLayout
    from warehouse.publish import LocalStore

    from warehouse.lease import claim_data_dir

    layout = DataLayout(Path(data_dir).resolve())
    claim_data_dir(layout.root)  # as every run does before its lease: recovery acts only in a marked folder
    return layout, LocalStore(layout.publish_root)


def publish_once(data_dir: Path, run_id: str, rows: int = 4, fail_table: str | None = None,
                 big: dict[str, int] | None = None) -> dict | None:
    """One publication, as the publish job makes it: stage every table, commit once, rebuild the catalog."""
    from warehouse.catalog import build_catalog
    from warehouse.contracts import load

    layout, store = layout_and_store(data_dir)
    for name in TABLES:
        table = contract_table(name, run_id, (big or {}).get(name, rows))
        if name == fail_table:
            table = table.drop_columns(["score" if "score" in table.column_names else table.column_names[0]])
        store.stage(load(name), table, run_id)
    manifest = store.commit(run_id)
    build_catalog(layout.warehouse_file, store, layout.validation_glob)
    return manifest


def run_publisher(data_dir: Path, run_id: str, hook: str = "", fsize: int = 0, rounds: int = 1,
                  wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    """The publication step in its own process (optionally killed at `hook`, or under a file-size limit)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "CXEX_FAULT_HOOK": hook, "CXEX_DATA_DIR": str(data_dir)}
    cmd = [sys.executable, "-m", "tests.faults.publication_support", str(data_dir), run_id, str(fsize), str(rounds)]
    if not wait:
        return subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)


def published_set(data_dir: Path) -> dict[str, str]:
    """SHA-256 of everything a reader can reach: the manifest, each table's version file it names, the
    links under publish/ (their targets), and the versions the catalog holds."""
    import duckdb

    from warehouse.publish import sha256_file

    layout, store = layout_and_store(data_dir)
    root = layout.publish_root
    out = {}
    if (root / "_manifest.json").exists():
        out["_manifest.json"] = sha256_file(root / "_manifest.json")
    for t, e in store.read_manifest()["tables"].items():
        out[f"file:{t}"] = sha256_file(Path(store.version_path(t)))
    if root.is_dir():
        for p in sorted(root.iterdir()):
            if p.is_symlink():
                out[f"link:{p.name}"] = os.readlink(p)
    if layout.warehouse_file.exists():
        con = duckdb.connect(str(layout.warehouse_file), read_only=True)
        pins = sorted(map(str, con.execute("SELECT * FROM catalog_snapshot").fetchall()))  # the versions it holds
        con.close()
        out["catalog"] = hashlib.sha256("\n".join(pins).encode()).hexdigest()
    return out


def runs_seen(data_dir: Path) -> dict[str, dict[str, set[str]]]:
    """Which run each table comes from, through each way a reader has: the manifest (store.read_table),
    publish/current/<table> (one link resolved once), and the catalog (connect())."""
    import pyarrow.parquet as pq

    from warehouse.catalog import connect

    layout, store = layout_and_store(data_dir)
    seen: dict[str, dict[str, set[str]]] = {"manifest": {}, "current": {}, "catalog": {}}
    manifest = store.read_manifest()
    for t in manifest["tables"]:
        seen["manifest"][t] = set(store.read_table(t).column("run_id").to_pylist())
    current = layout.publish_root / "current"
    if current.is_symlink():
        snap = current.resolve()
        for t in manifest["tables"]:
            if (snap / t).exists():
                seen["current"][t] = set(pq.read_table(snap / t).column("run_id").to_pylist())
    if layout.warehouse_file.exists():
        con = connect(layout.warehouse_file, "")
        for t in manifest["tables"]:
            seen["catalog"][t] = {r[0] for r in con.execute(f'SELECT DISTINCT run_id FROM "{t}"').fetchall()}
        con.close()
    return seen


def manifest_matches_files(data_dir: Path) -> list[str]:
    """Every manifest entry's file exists with the recorded checksum; every BI file holds that version (empty: all good)."""
    from warehouse.bi_files import file_version
    from warehouse.publish import sha256_file

    layout, store = layout_and_store(data_dir)
    manifest, problems = store.read_manifest(), []
    for t, e in manifest["tables"].items():
        path = Path(store.version_path(t))
        if not path.exists() or sha256_file(path) != e["sha256"]:
            problems.append(f"{t}: {path} missing or checksum differs")
        stable = layout.publish_root / t / "data.parquet"
        if file_version(stable) != e["version"] or stable.is_symlink() or stable.parent.is_symlink():
            problems.append(f"{t}: {stable} is not a real file of version {e['version']}")
    return problems


if __name__ == "__main__":
    data, run, fsize, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if fsize:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    for i in range(rounds):
        publish_once(data, run if rounds == 1 else f"{run}{i:04d}", big={"agency_scorecard": 20_000} if fsize else None)
