"""Portability (issue 17 items 3 and 6): the catalog works after the data folder is moved or copied
(it holds the snapshot's rows: tests/test_catalog_portable.py), and publication works where the platform
has no directory symlinks (Windows without developer mode: os.symlink raises OSError 1314, "A
required privilege is not held by the client"), readers then resolving through the manifest."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from tests.faults.publication_support import TABLES, layout_and_store, publish_once, runs_seen


def test_the_catalog_works_after_the_data_folder_is_moved_and_copied(tmp_path, monkeypatch):
    from warehouse.catalog import connect

    data_dir = tmp_path / "data"
    publish_once(data_dir, "runA0000-aaaa")
    moved = tmp_path / "elsewhere" / "o'brien's data; DROP VIEW x"  # a quote in the path: quoted, never spliced
    moved.parent.mkdir()
    shutil.move(str(data_dir), str(moved))
    copy = tmp_path / "copy"
    shutil.copytree(moved, copy, symlinks=True)
    for folder in (moved, copy):
        con = connect(folder / "warehouse.duckdb", "")
        assert {t: con.execute(f'SELECT DISTINCT run_id FROM "{t}"').fetchall() for t in TABLES} == \
            {t: [("runA0000-aaaa",)] for t in TABLES}
        con.close()
    monkeypatch.chdir(moved)  # the DuckDB CLI way: started in the data folder
    con = duckdb.connect("warehouse.duckdb", read_only=True)
    assert con.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0] == 4
    con.close()
    monkeypatch.chdir(tmp_path)  # out of the folder removed next (a removed working directory breaks relative paths)
    shutil.rmtree(moved)  # the copy does not lean on the original
    con = connect(copy / "warehouse.duckdb", "")
    assert con.execute("SELECT count(*) FROM cx_ex_linkage").fetchone()[0] == 4
    con.close()


def test_publication_without_directory_symlinks_is_one_snapshot_through_the_manifest(tmp_path, monkeypatch):
    def no_symlinks(*args, **kwargs):
        raise OSError(1314, "A required privilege is not held by the client")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    data_dir = tmp_path / "data"
    publish_once(data_dir, "runA0000-aaaa")
    publish_once(data_dir, "runB0000-bbbb")
    layout, store = layout_and_store(data_dir)
    assert not store.links
    assert not any(p.is_symlink() for p in layout.publish_root.iterdir())
    seen = runs_seen(data_dir)
    assert seen["current"] == {}  # no links at all
    for way in ("manifest", "catalog"):
        assert seen[way] == {t: {"runB0000-bbbb"} for t in TABLES}
    with pytest.raises(OSError):
        os.symlink("a", tmp_path / "b")  # the patch really stood for the platform
