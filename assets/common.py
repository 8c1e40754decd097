"""Helpers every asset module uses: the data layout, provenance, previews, staged publication."""

import hashlib
import json
import time
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import AssetExecutionContext, BackfillPolicy, MaterializeResult, MetadataValue

from warehouse import PIPELINE_VERSION
from warehouse.contracts import ARROW_TYPES, check_stage, load as load_contract, load_stage, provenance_columns
from warehouse.layout import DataLayout
from warehouse.memo import remembered
from warehouse.snapshot_files import STAGE_PARQUET, with_constant_columns, write_parquet_atomic
from warehouse.star import cast_staged, conform_facts

from .sources.files import SourceFile

PROVENANCE_META = "cxex.provenance"


def layout_of(context) -> DataLayout:
    return context.resources.cxex.layout


def preview(table: pa.Table, rows: int = 8) -> MetadataValue:
    """A markdown table of the first rows, for the asset's page in the UI."""
    head = table.slice(0, rows).to_pylist()
    if not head:
        return MetadataValue.md("*(no rows)*")
    cols = list(head[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join("" if r[c] is None else (f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c])) for c in cols) + " |"
              for r in head]
    return MetadataValue.md("\n".join(lines))


def provenance_record(source: str, files: list[SourceFile]) -> dict:
    """One provenance record for the file(s) behind a partition.

    With several files, source_file lists them (comma-separated) and source_sha256 is the SHA-256
    of their sorted per-file checksums; each file's own checksum stays in the raw file's metadata.
    """
    retrieved = [f.retrieved_at for f in files if f.retrieved_at]
    per_file = {f.relative: {"sha256": f.sha256, "url": f.url, "is_sample": f.is_sample} for f in files}
    return {
        "source": source,
        "source_file": ", ".join(f.relative for f in files),
        "source_sha256": files[0].sha256 if len(files) == 1 else combined_sha256(per_file),
        "source_is_sample": any(f.is_sample for f in files),
        "source_retrieved_at": max(retrieved).isoformat() if retrieved else None,
        "files": per_file,
    }


def combined_sha256(files: dict[str, dict]) -> str:
    """SHA-256 of the sorted per-file checksums: one fingerprint for a set of input files."""
    return hashlib.sha256("\n".join(sorted(v["sha256"] for v in files.values())).encode()).hexdigest()


def merge_provenance(source: str, records: list[dict], source_file: str | None = None) -> dict:
    """One provenance record for a table computed from several partitions' records."""
    files: dict[str, dict] = {}
    for rec in records:
        files.update(rec.get("files", {}))
    retrieved = [r["source_retrieved_at"] for r in records if r.get("source_retrieved_at")]
    return {"source": source, "source_file": source_file or ", ".join(sorted(files)),
            "source_sha256": combined_sha256(files), "source_is_sample": any(r["source_is_sample"] for r in records),
            "source_retrieved_at": max(retrieved) if retrieved else None, "files": files}


def read_provenance(raw_path: Path) -> dict:
    meta = pq.read_schema(raw_path).metadata or {}
    return json.loads(meta[PROVENANCE_META.encode()])


def add_provenance(table: pa.Table, record: dict, run_id: str) -> pa.Table:
    values = {
        "source": record["source"], "source_file": record["source_file"], "source_sha256": record["source_sha256"],
        "source_is_sample": record["source_is_sample"],
        "source_retrieved_at": datetime.fromisoformat(record["source_retrieved_at"]) if record.get("source_retrieved_at") else None,
        "pipeline_version": PIPELINE_VERSION, "run_id": run_id,
    }
    return with_constant_columns(table, values, {c.name: ARROW_TYPES[c.type] for c in provenance_columns()})


def staged_partitions(layout, table: str, partition_col: str, available: list[str], *also: str) -> dict[str, str]:
    """The one rule for what is published, the same for every source: the partitions that exist now
    (`available`: landed, or the sample where the layout's sample rule allows it) whose validated
    output is staged (for `table` and any tables in `also`). A partition staged earlier from a file
    that is no longer available (a sample after CXEX_USE_SAMPLE=never) is not published."""
    return {k: str(layout.staging(table, partition_col, k)) for k in available
            if all(layout.staging(t, partition_col, k).exists() for t in (table, *also))}


def publish_from_staging(context: AssetExecutionContext, table_name: str, partition_col: str,
                         available: list[str]) -> MaterializeResult:
    """Publish the staged partitions of `table_name` that are available now, as one contract-checked table."""
    layout = layout_of(context)
    files = list(staged_partitions(layout, table_name, partition_col, available).values())
    if not files:
        return nothing_to_publish(context, table_name, f"no available partition is staged under {layout.root / 'staging' / table_name}",
                                  partition_col)
    contract = load_contract(table_name)
    table = pa.concat_tables([cast_staged(pq.read_table(f), contract) for f in files])
    return publish_result(context, contract, table, partition_col)


def nothing_to_publish(context: AssetExecutionContext, table_name: str, reason: str, partition_col: str = "") -> MaterializeResult:
    """No validated input: what the table's contract says (`when_absent`, warehouse/contracts.py WHEN_ABSENT), the
    one rule for every source. `keep`: the current publication (if any) stays exactly as it is; `empty`: the
    table is published with no rows. Either way, said in the log."""
    contract = load_contract(table_name)
    if contract.when_absent == "empty":
        context.log.info(f"{table_name}: {reason}; published empty (its contract: when_absent: empty)")
        return publish_result(context, contract, contract.schema.empty_table(), partition_col)
    context.log.warning(f"{table_name}: {reason}; the published table is unchanged")
    return MaterializeResult(metadata={"published": False, "reason": reason})


def publish_result(context: AssetExecutionContext, contract, table: pa.Table, partition_col: str,
                   built_from: dict | None = None) -> MaterializeResult:
    """Stage `table` as a new version (kept as it is when its fingerprint is unchanged); the catalog step of
    the same publication (assets/publication.py) commits every staged table as one snapshot."""
    table = conform_facts(table, contract)  # star columns and explicit keys (warehouse/star.py)
    publication = publication_of(context)
    store = context.resources.cxex.store
    fingerprint = publication_fingerprint(context.resources.cxex, contract, table, built_from)
    current = store.read_manifest()["tables"].get(contract.table)
    if current and current.get("built_from") == fingerprint:  # the same inputs, code, settings and contract
        context.log.info(f"{contract.table}: unchanged since version {current['version']}; kept")
        return MaterializeResult(metadata={"dagster/row_count": current["rows"], "rows": current["rows"],
                                           "version": current["version"], "sha256": current["sha256"], "unchanged": True})
    pub = store.stage(contract, table, context.run_id, fingerprint, publication)
    parts = sorted(set(table.column(partition_col).to_pylist()))
    sample_parts = sorted({r[partition_col] for r in table.select([partition_col, "source_is_sample"]).to_pylist()
                           if r["source_is_sample"]}) if "source_is_sample" in table.column_names else []
    return MaterializeResult(metadata={
        "dagster/row_count": pub.rows, "rows": pub.rows, "version": pub.version, "sha256": pub.sha256, "contract_version": pub.contract_version,
        partition_col + "s": MetadataValue.json(parts), "sample_" + partition_col + "s": MetadataValue.json(sample_parts),
        "path": MetadataValue.path(pub.path), "preview": preview(table),
    })


CODE_SUFFIXES = (".py", ".sql", ".csv", ".yaml", ".json")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the code and reference data a published table is computed with (assets/, warehouse/)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for folder in ("assets", "warehouse", "quality_checks"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def content_digest(table: pa.Table) -> str:
    """SHA-256 of a table's schema and rows, its run_id column aside (a re-run of the same inputs). The rows are
    hashed value by value (polars' row hash with fixed seeds), not as Arrow buffers: equal content gives the
    same digest whatever its chunking, slicing, validity bitmaps or dictionary encoding, which an IPC stream
    of the same rows does not (it gave dim_period a new digest at every run). polars keeps its row hash
    stable within a release: a polars upgrade may republish every table once."""
    import polars as pl

    if "run_id" in table.column_names:
        table = table.drop_columns(["run_id"])
    plain = pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type, f.nullable)
                       for f in table.schema])
    table = table.replace_schema_metadata(None).cast(plain)
    digest = hashlib.sha256(str(table.schema).encode())
    digest.update(pl.from_arrow(table).hash_rows(seed=0).to_numpy().tobytes())
    return digest.hexdigest()


def publication_fingerprint(cxex, contract, table: pa.Table, built_from: dict | None) -> dict:
    """What a published version is a function of: its inputs (the source table versions it was built
    from, else its own content), the code, the settings and the contract. A table whose fingerprint is
    its current version's is kept, not written again (one rule, whoever starts the publication)."""
    from warehouse.contracts import conform

    settings = json.dumps(cxex.model_dump(), sort_keys=True, default=str)
    # its content as it would be stored (the contract's types and order: a column held dictionary-encoded
    # in one run and plain in the next is the same content)
    return {**(built_from or {"content": content_digest(conform(table, contract))}), "code": code_fingerprint(),
            "settings": hashlib.sha256(settings.encode()).hexdigest(), "contract": str(contract.version)}


def publication_of(context) -> str:
    """The publication a run stages into: the run's own (publication is one step, assets/publication.py)."""
    context = getattr(context, "op_execution_context", context)  # an asset check's context wraps the op's
    return context.run_id


def commit_snapshot(context) -> tuple[dict | None, list[str]]:
    """Commit every table this run staged as one snapshot, then rebuild the catalog from the manifest."""
    from warehouse.catalog import build_catalog

    from warehouse.lease import writer_lease
    from warehouse.preflight import local_publish_root

    cxex = context.resources.cxex
    # the writer lease of every launch path (a no-op under `make run`, which holds it): a UI or daemon run
    # commits only while no other cxex run writes the data directory or its publish location
    with writer_lease(cxex.layout.root, local_publish_root(cxex.publish_url), wait_seconds=COMMIT_WAIT_SECONDS):
        manifest = cxex.store.commit(context.run_id, publication_of(context))
        views = build_catalog(cxex.layout.warehouse_file, cxex.store, cxex.layout.validation_glob)
    return manifest, views


COMMIT_WAIT_SECONDS = 30.0  # how long a UI or daemon run's commit waits for another run's lease


# Partitioned assets run a range of partitions in one run and one process (`make run`, backfills,
# the landing sensor): a run per partition cost ~1.5 s of Dagster and GX overhead each, more than
# the work. Each asset body loops over the run's partition keys.
SINGLE_RUN = BackfillPolicy.single_run()


BATCH_ROWS = 3_000_000  # rows computed or validated at once: a national FWD month (2.1 million) is a batch of its own


def batches_by_rows(keys: list[str], path_of, limit: int) -> list[list[str]]:
    """`keys` in order, grouped so that each group's Parquet files (`path_of(key)`) hold at most `limit`
    rows together; a partition larger than that is a group of its own."""
    out: list[list[str]] = []
    size = 0
    for key in keys:
        n = pq.read_metadata(path_of(key)).num_rows
        if out and size + n <= limit:
            out[-1].append(key)
            size += n
        else:
            out.append([key])
            size = n
    return out


def split_partitions(table: pa.Table, column: str, keys: list[str]) -> dict[str, pa.Table]:
    """A range's result computed in one query, as one table per partition key (rows in their order;
    a key with no rows gets an empty table of the same schema)."""
    import pyarrow.compute as pc

    values = table.column(column)
    if not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    return {key: table.filter(pc.equal(values, key)) for key in keys}


def partition_keys(context) -> list[str]:
    """The partition keys of this run: one key, or every key of a range (asset or check context).
    An asset that loops over a range logs each partition as it starts (progress in `make run` and the UI)."""
    keys = run_partition_keys(context)
    if len(keys) > 1 and isinstance(context, AssetExecutionContext):
        return _Progress(keys, context.log, context.asset_key.to_user_string())
    return keys


# A run's keys, asked for once per run and range: on dynamic partitions (A-11 quarters, CSS years) Dagster's
# `context.partition_keys` looks each key of the range up in the instance, ~10 ms a key on SQLite from a
# check's context, and a run's steps and checks ask for them a dozen times. A run's range is fixed by its
# tags (every asset of a range run shares the job's partitions), so the answer is one per (run, range).
_RUN_KEYS: dict[tuple[str, str, str], list[str]] = {}


def run_partition_keys(context) -> list[str]:
    """The run's partition keys as `context.partition_keys` gives them (no progress lines), looked up once a run."""
    op = getattr(context, "op_execution_context", context)  # an asset check's context wraps the op's
    if not op.has_partition_key_range:
        return list(context.partition_keys)
    key_range = op.partition_key_range
    keys = remembered(_RUN_KEYS, (op.run_id, key_range.start, key_range.end), lambda: list(context.partition_keys), 16)
    return list(keys)


# A run's partitions are worked on PARTITION_THREADS at a time when each partition's input is at least
# PARALLEL_PARTITION_BYTES (a national FWD month: 87 MB): its work is polars, Arrow, DuckDB and file I/O,
# which release the interpreter lock, and its Python between those calls leaves a core idle if run alone.
# Smaller partitions (the sample's, a few hundred KB) go one after the other: their work is mostly Python.
PARALLEL_PARTITION_BYTES = 16 * 2**20
PARTITION_THREADS = 2


def partition_threads(sizes: list[int]) -> int:
    """How many of a run's partitions to work on at once, given each one's input bytes."""
    import os

    if len(sizes) < 2 or min(sizes) < PARALLEL_PARTITION_BYTES:
        return 1
    return max(1, min(PARTITION_THREADS, os.cpu_count() or 1, len(sizes)))


def map_partitions(keys, work, threads: int = 1) -> dict:
    """{key: work(key)} in the keys' order, on up to `threads` threads at once. Keys are taken in order as
    threads free up (iterating `partition_keys` logs each as it starts); after a failure no further key
    starts, those running finish, and the first failure in key order is raised, as one after the other."""
    if threads <= 1:
        return {key: work(key) for key in keys}
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    futures = {}
    with ThreadPoolExecutor(threads, thread_name_prefix="cxex-partition") as pool:
        running: set = set()
        for key in keys:
            if len(running) >= threads:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                if any(f.exception() is not None for f in done):
                    break
            futures[key] = pool.submit(work, key)
            running.add(futures[key])
    return {key: future.result() for key, future in futures.items()}


PROGRESS_SECONDS = 1.0  # at most one progress line per this many seconds, besides the first and the last partition


class _Progress(list):
    """A run's partition keys; iterating them logs `<asset>: partition <key> (i/n)` as one starts: the
    first and the last, and any other that starts PROGRESS_SECONDS or more after the line before. A
    national partition takes seconds, so each is logged; 24 sample months in a fraction of a second log
    two lines, not 24 (each line is an event Dagster stores)."""

    def __init__(self, keys: list[str], log, asset: str):
        super().__init__(keys)
        self._log, self._asset = log, asset

    def __iter__(self):
        last = None
        for i, key in enumerate(list.__iter__(self), 1):
            now = time.monotonic()
            if last is None or i == len(self) or now - last >= PROGRESS_SECONDS:
                self._log.info(f"{self._asset}: partition {key} ({i}/{len(self)})")
                last = now
            yield key


def write_stage(table: pa.Table, name: str, path: Path, metadata: dict[str, str] | None = None) -> pa.Table:
    """Write a raw or staging table atomically after checking it against its contract
    (warehouse/contracts/raw/<name>.yaml); returns the table as written (fixed columns first)."""
    table = check_stage(table, load_stage(name))
    write_parquet_atomic(table, path, metadata, style=STAGE_PARQUET)
    return table


def range_result(per_partition: dict[str, dict]) -> MaterializeResult:
    """One MaterializeResult for a range: a single partition's metadata as is, else totals and a table."""
    if len(per_partition) == 1:
        meta = next(iter(per_partition.values()))
        return MaterializeResult(metadata={**({"dagster/row_count": meta["rows"]} if isinstance(meta.get("rows"), int) else {}), **meta})
    plain = {k: {m: v for m, v in meta.items() if isinstance(v, (int, float, str, bool)) and not isinstance(v, MetadataValue)}
             for k, meta in per_partition.items()}
    cols = sorted({c for meta in plain.values() for c in meta})
    lines = ["| partition | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    lines += [f"| {k} | " + " | ".join(str(meta.get(c, "")) for c in cols) + " |" for k, meta in plain.items()]
    totals = {c: sum(meta.get(c, 0) for meta in plain.values()) for c in cols
              if c in ("rows", "suppressed_cells", "action_rows", "organisations")
              and all(isinstance(meta.get(c, 0), (int, float)) and not isinstance(meta.get(c, 0), bool) for meta in plain.values())}
    files = sorted({f for meta in per_partition.values()
                    for f in ([meta["source_file"]] if isinstance(meta.get("source_file"), str) else [])
                    + (list(meta["source_files"].value) if isinstance(meta.get("source_files"), MetadataValue) else [])})
    extra = {"source_files": MetadataValue.json(files)} if files else {}
    rows = {"dagster/row_count": totals["rows"]} if isinstance(totals.get("rows"), int) else {}
    return MaterializeResult(metadata={"partitions": MetadataValue.json(list(per_partition)), **rows, **totals, **extra,
                                       "per_partition": MetadataValue.md("\n".join(lines))})
