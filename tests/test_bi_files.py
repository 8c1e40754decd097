"""Files any BI tool reads (issue 33 item 2): `publish/<table>/data.parquet` is a real file at a stable
path, so a copy of the folder that loses symbolic links (a zip, OneDrive, robocopy, Power BI's folder
connector) still has every table, and each file says which snapshot and version it is and what its
columns mean. Before, `publish/<table>` was a chain of three links into dot-folders: without links,
no file at all. Rows: tests/faults/publication_support.py (shaped by the published contracts).
"""

from __future__ import annotations

import json
import os
import shutil

import pyarrow.parquet as pq

from tests.faults.publication_support import TABLES, layout_and_store, publish_once


def _drop_links(folder) -> int:
    """What a zip, OneDrive or robocopy leaves of a folder: every symbolic link gone."""
    gone = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if os.path.islink(p):
                os.unlink(p)
                gone += 1
    return gone


def test_each_table_is_a_real_file_that_says_its_snapshot_with_links_removed(tmp_path):
    data_dir = tmp_path / "data"
    publish_once(data_dir, "runA0000-aaaa")
    publish_once(data_dir, "runB0000-bbbb")
    layout, store = layout_and_store(data_dir)
    manifest = store.read_manifest()
    copy = tmp_path / "copied"
    shutil.copytree(layout.publish_root, copy, symlinks=True)
    assert _drop_links(copy) > 0  # there were links (current, the snapshot folders) and now there are none
    visible = sorted(p.name for p in copy.iterdir() if not p.name.startswith((".", "_")))
    assert visible == sorted(TABLES)  # one folder per table, nothing else a BI tool's folder connector lists twice
    for t in TABLES:
        path = copy / t / "data.parquet"
        table = pq.read_table(path)
        assert set(table.column("run_id").to_pylist()) == {"runB0000-bbbb"}, t
        meta = {k.decode(): v.decode() for k, v in table.schema.metadata.items() if k.startswith(b"cxex.")}
        entry = manifest["tables"][t]
        assert meta["cxex.snapshot"] == entry["snapshot"] == manifest["snapshot"]
        assert meta["cxex.version"] == entry["version"] and meta["cxex.table"] == t
        described = json.loads(meta["cxex.column_descriptions"])
        assert set(described) == set(table.column_names) and all(described.values()), t
        assert table.schema.field("run_id").metadata[b"description"].decode() == described["run_id"]
        assert pq.ParquetFile(path).metadata.num_rows == entry["rows"]


def test_the_stable_files_exist_where_the_platform_has_no_symlinks(tmp_path, monkeypatch):
    def no_symlinks(*args, **kwargs):
        raise OSError(1314, "A required privilege is not held by the client")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    data_dir = tmp_path / "data"
    publish_once(data_dir, "runA0000-aaaa")
    publish_once(data_dir, "runB0000-bbbb")
    layout, _ = layout_and_store(data_dir)
    for t in TABLES:
        assert set(pq.read_table(layout.publish_root / t / "data.parquet").column("run_id").to_pylist()) == {"runB0000-bbbb"}


def test_an_old_data_folder_with_table_links_gets_real_files(tmp_path):
    """A data folder published by cxex before issue 33 has `publish/<table>` -> current/<table>; the next
    publication (or start: store.repair) replaces each link by a folder with the real file."""
    data_dir = tmp_path / "data"
    publish_once(data_dir, "runA0000-aaaa")
    layout, store = layout_and_store(data_dir)
    for t in TABLES:
        shutil.rmtree(layout.publish_root / t)
        os.symlink(f"current/{t}", layout.publish_root / t, target_is_directory=True)
    store.repair()
    for t in TABLES:
        assert not (layout.publish_root / t).is_symlink() and (layout.publish_root / t / "data.parquet").is_file()
