"""The suite's blind spots (issue 34 item 7): three rules whose deliberate mutation no test caught.

- the index suppression boundary: a cell of exactly the threshold (10 respondents) is shown, 9 is not
  (`>= $min_n` in warehouse/sql/ex_index_scores.sql; `> $min_n` would hide the first);
- the manifest reaches the disk (`os.fsync`) before it is renamed into place (`os.replace`);
- `commit()` refuses a publication whose staged version file vanished.

The respondent file is the typed PRDF layout the FEVS reader writes (agency_code, level1_code, postwt,
Int8 Q1..Q71: the 2018 item numbering of OPM's PRDF, as tests/hand_data.py); publication rows follow the
published contracts (tests/faults/publication_support.py).
"""

from __future__ import annotations

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.faults.publication_support import TABLES, contract_table, layout_and_store, publish_once
from warehouse.settings import MIN_SUPPRESSION_THRESHOLD as TEN

ITEMS = [f"Q{i}" for i in range(1, 72)]


def _raw(path, agencies: dict[str, int], blank: dict[str, tuple[str, int]] = {}):
    """`agencies`: code -> respondents, all answering 4 to every item; `blank`: code -> (item, how many left it blank)."""
    rows = []
    for code, n in agencies.items():
        for k in range(n):
            r = {"agency_code": code, "level1_code": f"{code}01", "postwt": 1.0}
            r.update({q: 4 for q in ITEMS})
            if code in blank and k < blank[code][1]:
                r[blank[code][0]] = None
            rows.append(r)
    schema = pa.schema([("agency_code", pa.string()), ("level1_code", pa.string()), ("postwt", pa.float64()),
                        *[(q, pa.int8()) for q in ITEMS]])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def test_an_index_cell_of_exactly_the_threshold_is_shown_and_one_less_is_not(tmp_path):
    from warehouse.fevs_scores import compute_index_scores, compute_item_scores

    raw, items = tmp_path / "raw.parquet", tmp_path / "items.parquet"
    # EXACT: 10 respondents; ONEITEM: 11 respondents, one EEI item (Q3) answered by exactly 10; NINE: 9
    _raw(raw, {"EXACT": TEN, "ONEITEM": TEN + 1, "NINE": TEN - 1}, blank={"ONEITEM": ("Q3", 1)})
    pq.write_table(compute_item_scores(raw, 2018, TEN), items)
    rows = {(r["agency_code"], r["index_code"]): r for r in compute_index_scores(items, raw, 2018, TEN).to_pylist()
            if r["org_level"] == "agency"}
    exact, one_item, nine = rows[("EXACT", "eei")], rows[("ONEITEM", "eei")], rows[("NINE", "eei")]
    assert exact["respondents"] == TEN and exact["min_item_respondents"] == TEN
    assert not exact["suppressed"] and exact["score"] == pytest.approx(100.0)
    assert one_item["respondents"] == TEN + 1 and one_item["min_item_respondents"] == TEN
    assert not one_item["suppressed"] and one_item["score"] == pytest.approx(100.0)
    assert nine["suppressed"] and nine["score"] is None and nine["respondents"] == TEN - 1
    for code in ("EXACT", "ONEITEM"):  # every index of a cell at the threshold is shown
        shown = [r for (a, _), r in rows.items() if a == code]
        assert shown and not any(r["suppressed"] for r in shown), code


def test_the_manifest_is_fsynced_before_it_is_renamed_into_place(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    publish_once(data_dir, "runA0000-aaaa")
    layout, store = layout_and_store(data_dir)
    from warehouse.contracts import load

    for name in TABLES:
        store.stage(load(name), contract_table(name, "runB0000-bbbb"), "runB0000-bbbb")
    calls: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst, **kw):
        calls.append(("replace", f"{os.fspath(src)} -> {os.fspath(dst)}"))
        return real_replace(src, dst, **kw)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    store.commit("runB0000-bbbb")
    monkeypatch.undo()
    manifest = str(layout.publish_root / "_manifest.json")
    renames = [i for i, (op, what) in enumerate(calls) if op == "replace" and what.endswith(" -> " + manifest)]
    assert len(renames) == 1, calls
    tmp = calls[renames[0]][1].split(" -> ")[0]
    synced = [i for i, (op, what) in enumerate(calls) if op == "fsync" and what == os.path.realpath(tmp)]
    assert synced and synced[0] < renames[0], calls
    assert json.loads((layout.publish_root / "_manifest.json").read_text())["run_id"] == "runB0000-bbbb"


def test_commit_refuses_when_a_staged_version_file_vanished(tmp_path):
    from warehouse.contracts import load

    data_dir = tmp_path / "data"
    publish_once(data_dir, "runA0000-aaaa")
    layout, store = layout_and_store(data_dir)
    before = (layout.publish_root / "_manifest.json").read_bytes()
    staged = {name: store.stage(load(name), contract_table(name, "runB0000-bbbb"), "runB0000-bbbb") for name in TABLES}
    gone = layout.publish_root / ".versions" / "cx_index_scores" / staged["cx_index_scores"].version / "data.parquet"
    gone.unlink()
    with pytest.raises(RuntimeError, match="cx_index_scores.*gone; nothing committed"):
        store.commit("runB0000-bbbb")
    assert (layout.publish_root / "_manifest.json").read_bytes() == before  # the last good snapshot stands
    assert json.loads(before)["run_id"] == "runA0000-aaaa"
    current = layout.publish_root / "current"
    assert not current.exists() or all((current / t / "data.parquet").is_file() for t in TABLES)
