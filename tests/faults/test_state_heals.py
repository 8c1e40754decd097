"""State files that lie (issue 34 item 2): a truncated manifest, a malformed pending record, `current`
replaced by a folder, a version the manifest names deleted. The next start names the file, repairs it
from what it can prove or quarantines it, says so, and readers see one whole snapshot again; nothing
needs a hand edit. Publication rows follow the published contracts (tests/faults/publication_support.py);
the end-to-end case is `make run`'s entry point on the shared default run's copy.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

from tests.conftest import copy_default_run
from tests.faults.publication_support import (TABLES, layout_and_store, manifest_matches_files, publish_once,
                                              run_publisher, runs_seen)

A, B = "runA0000-aaaa", "runB0000-bbbb"


def _two_snapshots(tmp_path):
    data_dir = tmp_path / "data"
    publish_once(data_dir, A)
    publish_once(data_dir, B)
    return data_dir, *layout_and_store(data_dir)


def _recover(layout, store):
    from warehouse.recovery import recover

    return recover(layout, store, older_than=time.time() + 1)


def _whole(data_dir, run):
    seen = runs_seen(data_dir)
    assert all(tables and set().union(*tables.values()) == {run} for tables in seen.values()), seen
    assert manifest_matches_files(data_dir) == []


def test_a_truncated_manifest_is_named_then_restored_from_the_snapshot_folder(tmp_path):
    from warehouse.publish import StateError

    data_dir, layout, store = _two_snapshots(tmp_path)
    manifest = layout.publish_root / "_manifest.json"
    good = json.loads(manifest.read_text())
    manifest.write_bytes(manifest.read_bytes()[:300])  # cut mid-record
    with pytest.raises(StateError, match=r"_manifest.json: not valid JSON"):
        store.read_manifest()
    lines = _recover(layout, store)
    assert any("_manifest.json was unreadable" in ln and f"restored snapshot {good['snapshot']}" in ln for ln in lines), lines
    assert json.loads(manifest.read_text())["tables"] == good["tables"]
    assert len(list((layout.publish_root / ".quarantine").iterdir())) == 1  # kept for a person, not deleted
    _whole(data_dir, B)


def test_a_manifest_that_is_not_a_manifest_and_no_snapshot_starts_empty(tmp_path):
    data_dir, layout, store = _two_snapshots(tmp_path)
    shutil.rmtree(layout.publish_root / ".snapshots")
    (layout.publish_root / "_manifest.json").write_text("[1, 2]")
    lines = _recover(layout, store)
    assert any("not a cxex record" in ln and "starts empty" in ln for ln in lines), lines
    assert store.read_manifest()["tables"] == {}
    publish_once(data_dir, "runC0000-cccc")  # the next publication commits normally
    _whole(data_dir, "runC0000-cccc")


def test_a_malformed_pending_record_is_quarantined_and_its_set_discarded(tmp_path):
    from warehouse.contracts import load
    from tests.faults.publication_support import contract_table

    data_dir, layout, store = _two_snapshots(tmp_path)
    for name in TABLES[:2]:
        store.stage(load(name), contract_table(name, "runD0000-dddd"), "runD0000-dddd")
    bad = layout.publish_root / ".pending" / "runD0000-dddd" / f"{TABLES[0]}.json"
    bad.write_text('{"version": ')
    lines = _recover(layout, store)
    assert any(f"{TABLES[0]}.json was malformed" in ln and "discarded" in ln for ln in lines), lines
    assert not (layout.publish_root / ".pending" / "runD0000-dddd").exists()
    _whole(data_dir, B)
    publish_once(data_dir, "runE0000-eeee")
    _whole(data_dir, "runE0000-eeee")


def test_current_replaced_by_a_folder_is_moved_aside_and_the_link_derived(tmp_path):
    data_dir, layout, store = _two_snapshots(tmp_path)
    current = layout.publish_root / "current"
    current.unlink()
    current.mkdir()
    (current / "notes.txt").write_text("someone's notes")
    lines = _recover(layout, store)
    assert any("current was a real folder" in ln for ln in lines), lines
    assert current.is_symlink()
    kept = next((layout.publish_root / ".quarantine").iterdir())
    assert (kept / "notes.txt").read_text() == "someone's notes"
    _whole(data_dir, B)


def test_a_deleted_version_falls_back_to_the_last_proven_one(tmp_path):
    data_dir, layout, store = _two_snapshots(tmp_path)
    entry = store.read_manifest()["tables"]["cx_index_scores"]
    shutil.rmtree(layout.publish_root / ".versions" / "cx_index_scores" / entry["version"])
    lines = _recover(layout, store)
    assert any("cx_index_scores restored to version" in ln for ln in lines), lines
    assert manifest_matches_files(data_dir) == []
    seen = runs_seen(data_dir)
    assert seen["manifest"]["cx_index_scores"] == {A} and seen["current"]["cx_index_scores"] == {A}
    assert all(seen["manifest"][t] == {B} for t in TABLES if t != "cx_index_scores")


def test_a_deleted_version_with_nothing_earlier_leaves_the_snapshot(tmp_path):
    data_dir = tmp_path / "data"
    publish_once(data_dir, A)
    layout, store = layout_and_store(data_dir)
    entry = store.read_manifest()["tables"]["workforce_metrics"]
    shutil.rmtree(layout.publish_root / ".versions" / "workforce_metrics" / entry["version"])
    lines = _recover(layout, store)
    assert any("workforce_metrics leaves the snapshot" in ln for ln in lines), lines
    assert "workforce_metrics" not in store.read_manifest()["tables"]
    assert manifest_matches_files(data_dir) == []


def test_readers_of_current_find_the_manifest_its_links_show_even_between_commit_and_links(tmp_path):
    """A kill after the manifest rename and before `current` is swapped: publish/_manifest.json names B,
    current still shows A; current/_manifest.json is A's, so current's reader sees no mismatch."""
    from warehouse.publish import sha256_file

    data_dir = tmp_path / "data"
    publish_once(data_dir, A)
    assert run_publisher(data_dir, B, hook="manifest_committed").returncode == -9
    current = data_dir / "publish" / "current"
    own = json.loads((current / "_manifest.json").read_text())
    assert own["run_id"] == A
    for t, e in own["tables"].items():
        assert sha256_file(current / t / "data.parquet") == e["sha256"], t


def test_make_run_heals_every_lie_at_once_and_a_single_source_run_succeeds(default_run, tmp_path, monkeypatch, capsys):
    from pipelines import run as run_module

    data_dir = copy_default_run(default_run, tmp_path / "data")
    pub = data_dir / "publish"
    manifest = json.loads((pub / "_manifest.json").read_text())
    version = manifest["tables"]["fevs_item_scores"]["version"]
    shutil.rmtree(pub / ".versions" / "fevs_item_scores" / version)  # not a css table
    (pub / ".pending" / "deadbeef-0000").mkdir(parents=True, exist_ok=True)
    (pub / ".pending" / "deadbeef-0000" / "gsa.json").write_text("{not json")
    monkeypatch.setenv("CXEX_DATA_DIR", str(data_dir))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert run_module.main(["--source", "css"]) == 0
    out = capsys.readouterr().out
    assert "fevs_item_scores leaves the snapshot" in out or "fevs_item_scores restored" in out, out
    assert "gsa.json was malformed" in out, out
    assert manifest_matches_files(data_dir) == []
