"""Readers during publication (issue 19 item 1, issue 16 item 5): a reader polling while another
process republishes ten times sees one snapshot per read, never two, and no read fails.

Each read takes one snapshot the way an analyst would: (1) the catalog (warehouse.catalog.connect():
one DuckDB file = one snapshot), every table's run_id in one query; (2) the documented path:
publish/current resolved once, every table read under it. A read whose tables carry more than one
run_id is a mixed-snapshot read. Bounded: the loop ends when the publisher exits (or after 120 s).
"""

from __future__ import annotations

import time

import pyarrow.parquet as pq

from tests.faults.publication_support import TABLES, layout_and_store, publish_once, run_publisher

ROUNDS = 10


def _read_catalog(layout) -> set[str]:
    from warehouse.catalog import connect

    con = connect(layout.warehouse_file, "")
    try:
        sql = " UNION ".join(f'SELECT DISTINCT run_id FROM "{t}"' for t in TABLES)
        return {r[0] for r in con.execute(sql).fetchall()}
    finally:
        con.close()


def _read_current(layout) -> set[str]:
    snap = (layout.publish_root / "current").resolve()  # once: the snapshot this read uses
    return {r for t in TABLES for r in pq.read_table(snap / t, columns=["run_id"]).column("run_id").to_pylist()}


def test_a_reader_polling_during_ten_republications_never_sees_two_snapshots(tmp_path, record_property):
    data_dir = tmp_path / "data"
    publish_once(data_dir, "run00000-base")
    layout, _ = layout_and_store(data_dir)
    publisher = run_publisher(data_dir, "runR", rounds=ROUNDS, wait=False)
    reads = {"catalog": 0, "current": 0}
    mixed = {"catalog": 0, "current": 0}
    failed: list[str] = []
    runs: set[str] = set()
    deadline = time.monotonic() + 120
    while publisher.poll() is None and time.monotonic() < deadline:
        for way, read in (("catalog", _read_catalog), ("current", _read_current)):
            try:
                seen = read(layout)
            except Exception as e:  # a failed read is a finding, not a crash of the loop
                failed.append(f"{way}: {e}")
                continue
            reads[way] += 1
            mixed[way] += len(seen) != 1
            runs |= seen
    out, err = publisher.communicate(timeout=60)
    assert publisher.returncode == 0, err[-2000:]
    record_property("reads", reads)
    record_property("mixed_snapshot_reads", mixed)
    print(f"reader loop: reads {reads}, mixed-snapshot reads {mixed}, failed reads {len(failed)}, "
          f"snapshots seen {len(runs)} of {ROUNDS + 1}")
    assert failed == [], failed[:3]
    assert mixed == {"catalog": 0, "current": 0}
    assert sum(reads.values()) >= 2 * ROUNDS and len(runs) >= 3  # the reader really overlapped the publications
    assert _read_catalog(layout) == _read_current(layout) == {f"runR{ROUNDS - 1:04d}"}
