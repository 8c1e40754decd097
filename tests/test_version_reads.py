"""A publication reads the same published versions many times (74 reads of 23 files on the sample: the
cross-agency publishers, their provenance, the stable BI files, the report); warehouse/snapshot_files.py
`read_version` keeps the latest reads in memory. What it must never do: hand back a table for a file that
has since changed (recovery puts a version's last proven file back at the same path), or keep more than
its budget."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse import snapshot_files
from warehouse.snapshot_files import read_version


def _write(path, values) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(pa.table({"v": values}), tmp)
    os.replace(tmp, path)  # as every writer of a version file does


def test_a_version_read_again_is_the_same_table_and_a_replaced_file_is_read_anew(tmp_path):
    path = tmp_path / "data.parquet"
    _write(path, [1, 2, 3])
    first = read_version(path)
    assert read_version(path) is first  # kept: the second read costs nothing
    _write(path, [4, 5, 6])  # same size, new content at the same path
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 1_000))
    assert read_version(path).column("v").to_pylist() == [4, 5, 6]


def test_reads_stay_within_the_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot_files, "READ_BUDGET", 3_000)
    monkeypatch.setattr(snapshot_files, "_READ", type(snapshot_files._READ)())
    paths = []
    for i in range(10):
        paths.append(tmp_path / f"v{i}.parquet")
        _write(paths[-1], list(range(i * 100, i * 100 + 100)))  # 800 bytes of int64 each
        read_version(paths[-1])
    assert sum(t.nbytes for t in snapshot_files._READ.values()) <= 3_000
    assert [k[0] for k in snapshot_files._READ] == [str(p) for p in paths[-3:]]  # the latest reads are kept
