"""Attacks on publication as one snapshot (issue 19 item 1, issue 16 item 4): `kill -9` at every step
of a publication, a table that fails its contract, a file-size limit hit mid-set.

Each attack publishes snapshot A, attacks publication B, then checks through every way a reader has
(the manifest, publish/current, the catalog) that each sees A or B whole, never a mix; hashes the
published set before and after; then recovers as the next start does and checks nothing is left over.
Fixtures: tests/faults/publication_support.py (rows shaped by the published contracts).
"""

from __future__ import annotations

import pytest

from tests.faults.publication_support import (TABLES, layout_and_store, manifest_matches_files, publish_once,
                                              published_set, run_publisher, runs_seen)

A, B = "runA0000-aaaa", "runB0000-bbbb"

# hook point -> which snapshot the manifest names after the kill
POINTS = [("version_written:3", A), ("pending_recorded:5", A), ("manifest_written", A),
          ("manifest_committed", B), ("snapshot_linked", B), ("links_switched", B), ("stable_file_written:2", B),
          ("catalog_written", B)]


def _assert_whole(data_dir, expected_manifest_run):
    seen = runs_seen(data_dir)
    for way, tables in seen.items():
        runs = set().union(*tables.values()) if tables else set()
        assert len(runs) <= 1, f"{way} shows a mix of runs: {tables}"
        assert not tables or set(tables) == set(TABLES), (way, tables)
    assert seen["manifest"] and set().union(*seen["manifest"].values()) == {expected_manifest_run}
    return seen


@pytest.mark.parametrize("hook, expected", POINTS, ids=[p for p, _ in POINTS])
def test_kill_at_each_publication_step_leaves_one_snapshot_and_recovers(tmp_path, hook, expected):
    from warehouse.recovery import catalog_pins, debris, recover

    data_dir = tmp_path / "data"
    publish_once(data_dir, A)
    before = published_set(data_dir)
    killed = run_publisher(data_dir, B, hook=hook)
    assert killed.returncode == -9, killed.stderr  # really killed at the hook, SIGKILL

    _assert_whole(data_dir, expected)  # every reader sees one snapshot, before any recovery
    if expected == A:
        assert published_set(data_dir) == before  # byte-identical to the last good publication
    layout, store = layout_and_store(data_dir)
    assert manifest_matches_files(data_dir) == [] or expected == B  # links may lag a committed manifest

    lines = recover(layout, store, older_than=float("inf"))  # what the next start does (no live run)
    seen = _assert_whole(data_dir, expected)
    assert all(tables and set().union(*tables.values()) == {expected} for tables in seen.values()), (lines, seen)
    assert manifest_matches_files(data_dir) == []
    assert debris(layout.root, layout.publish_root) == []
    assert not (layout.publish_root / ".pending").exists() or list((layout.publish_root / ".pending").iterdir()) == []
    assert catalog_pins(layout.warehouse_file, store)
    kept = {t: sorted(p.name for p in (layout.publish_root / ".versions" / t).iterdir()) for t in TABLES}
    assert all(len(v) <= 2 for v in kept.values()), kept  # A and maybe B: the killed run's orphans are gone
    if expected == A:
        assert published_set(data_dir) == before

    publish_once(data_dir, "runC0000-cccc")  # and the next publication works as usual
    assert {r for t in runs_seen(data_dir).values() for s in t.values() for r in s} == {"runC0000-cccc"}


def test_a_table_that_fails_its_contract_keeps_the_whole_previous_snapshot(tmp_path):
    from warehouse.contracts import ContractError

    data_dir = tmp_path / "data"
    publish_once(data_dir, A)
    before = published_set(data_dir)
    with pytest.raises(ContractError):
        publish_once(data_dir, B, fail_table="agency_scorecard")  # 3 tables staged, the 4th refused
    assert published_set(data_dir) == before
    _assert_whole(data_dir, A)
    layout, store = layout_and_store(data_dir)
    assert store.read_manifest(B)["tables"]["ex_index_scores"]["run_id"] == B  # staged, seen only by run B


def test_a_file_size_limit_mid_publication_publishes_nothing(tmp_path):
    """The issue's attack: a file-size limit made one table's write fail after others were written,
    and 8 of 10 tables were republished. Now: EFBIG on the big table, nothing committed."""
    data_dir = tmp_path / "data"
    publish_once(data_dir, A)
    before = published_set(data_dir)
    res = run_publisher(data_dir, B, fsize=96 * 1024)  # small tables fit; agency_scorecard's 20,000 rows do not
    assert res.returncode == 1 and "File too large" in res.stderr, res.stderr[-2000:]
    assert published_set(data_dir) == before
    _assert_whole(data_dir, A)
