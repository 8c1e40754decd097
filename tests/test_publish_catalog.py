"""Atomic publication, schema contracts and the read-only analysts' catalog."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warehouse.catalog import build_catalog, connect
from warehouse.contracts import ContractError, conform, load
from warehouse.publish import publish_table, read_manifest


def _table(n=3, **override):
    c = load("ex_index_scores")
    base = {
        "survey_year": [2024] * n, "org_level": ["agency"] * n, "agency_code": [f"A{i}" for i in range(n)],
        "level1_code": ["ALL"] * n, "index_code": ["eei"] * n, "index_name": ["Employee Engagement Index"] * n,
        "score": [70.0 + i for i in range(n)], "items": [15] * n, "respondents": [100] * n,
        "min_item_respondents": [90] * n, "suppressed": [False] * n, "source": ["opm_fevs_prdf"] * n,
        "source_file": ["landing/fevs/2024/f.csv"] * n, "source_sha256": ["0" * 64] * n,
        "source_is_sample": [False] * n, "source_retrieved_at": [None] * n, "pipeline_version": ["0.1.0"] * n,
        "run_id": ["run-1"] * n, "agency_name": [f"Agency A{i}" for i in range(n)], "period_key": ["FEVS2024"] * n,
        "level1_key": [f"FEVS2024/A{i}/ALL" for i in range(n)],
    }
    base.update(override)
    return pa.table({k: v if isinstance(v, pa.Array) else pa.array(v, type=c.schema.field(k).type) for k, v in base.items()})


def test_contract_rejects_drift():
    c = load("ex_index_scores")
    assert conform(_table(), c).schema == c.schema
    with pytest.raises(ContractError, match="missing \\['score'\\]"):
        conform(_table().drop_columns(["score"]), c)
    with pytest.raises(ContractError, match="unexpected \\['extra'\\]"):
        conform(_table().append_column("extra", pa.array([1, 2, 3])), c)
    with pytest.raises(ContractError, match="agency_code: 1 null values"):
        conform(_table(agency_code=["A", None, "C"]), c)
    with pytest.raises(ContractError, match="duplicate primary keys"):
        conform(_table(agency_code=["A", "A", "C"]), c)
    with pytest.raises(ContractError, match="items"):
        conform(_table(items=pa.array([1, 2, 99999], pa.int64())), c)  # does not fit int16


def test_publish_swaps_atomically_and_failure_keeps_last_good(tmp_path):
    c = load("ex_index_scores")
    first = publish_table(tmp_path, c, _table(), "run-aaaaaaaa")
    stable = tmp_path / "ex_index_scores" / "data.parquet"  # a real file at a stable path (BI tools)
    assert not stable.is_symlink() and not stable.parent.is_symlink() and pq.read_table(stable).num_rows == 3
    good_bytes = stable.read_bytes()
    with pytest.raises(ContractError):
        publish_table(tmp_path, c, _table(agency_code=["A", "A", "C"]), "run-bbbbbbbb")
    assert stable.read_bytes() == good_bytes
    assert read_manifest(tmp_path)["tables"]["ex_index_scores"]["version"] == first.version
    for i in range(4):
        publish_table(tmp_path, c, _table(n=4 + i), f"run-{i}cccccccc")
    assert pq.read_table(stable).num_rows == 7
    assert len([p for p in (tmp_path / ".versions" / "ex_index_scores").iterdir()]) == 3  # pruned
    assert not list(tmp_path.glob(".*.link")) and not list((tmp_path / ".versions" / "ex_index_scores").glob(".tmp-*"))
    assert not list(stable.parent.glob(".*.tmp"))


def test_catalog_rebuild_does_not_disturb_an_open_reader(tmp_path):
    pub, wh = tmp_path / "publish", tmp_path / "warehouse.duckdb"
    publish_table(pub, load("ex_index_scores"), _table(), "run-1")
    assert build_catalog(wh, pub) == ["main.ex_index_scores"]
    reader = connect(wh)
    assert reader.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0] == 3
    publish_table(pub, load("ex_index_scores"), _table(n=5), "run-2")
    build_catalog(wh, pub)  # while the reader holds the old file open
    assert reader.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0] == 3  # it keeps its snapshot
    reader.close()
    fresh = connect(wh)
    assert fresh.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0] == 5  # a new connection: the new one
    comment = fresh.execute("SELECT comment FROM duckdb_columns() WHERE table_name='ex_index_scores' AND column_name='score'").fetchone()[0]
    assert "plain mean" in comment
    fresh.close()


def test_contract_changes_are_versioned():
    """A published table's shape changes only with a version bump (`make docs` records it)."""
    import json

    from warehouse.contracts import FINGERPRINTS_FILE, all_contracts, fingerprint

    recorded = json.loads(FINGERPRINTS_FILE.read_text())
    for c in all_contracts():
        assert recorded.get(c.table, {}).get(str(c.version)) == fingerprint(c), (
            f"{c.table}: columns differ from those recorded for version {c.version}: bump the version, then `make docs`")


def test_catalog_builds_over_a_table_published_before_its_contract_gained_columns(tmp_path):
    """Upgrading cxex over an existing data folder: its snapshot holds tables an earlier release
    published, without columns the contracts have since gained (level1_key came with the star). The
    catalog rebuild at start (recovery) once failed on them ("does not have a column with name
    eei_delta_points" on a data folder published before the point deltas); it describes the columns the table has."""
    pub, wh = tmp_path / "publish", tmp_path / "warehouse.duckdb"
    publish_table(pub, load("ex_index_scores"), _table(), "run-1")
    data = pub / read_manifest(pub)["tables"]["ex_index_scores"]["file"]
    old = pq.read_table(data).drop_columns(["level1_key"])  # as the earlier release wrote it
    data.unlink()
    pq.write_table(old, data)
    assert build_catalog(wh, pub) == ["main.ex_index_scores"]
    con = connect(wh)
    cols = dict(con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name='ex_index_scores'").fetchall())
    assert "level1_key" not in cols and "plain mean" in cols["score"]
    assert con.execute("SELECT count(*) FROM ex_index_scores").fetchone()[0] == 3
    con.close()
