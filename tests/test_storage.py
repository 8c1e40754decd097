"""One storage owner, one publication rule for every source (assets/common.py: staged_partitions)."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from pipelines import run as run_module
from tests import cx_data, hand_data
from tests import workforce_data as wd
from tests.conftest import copy_default_run, land, write_prdf


def _published(data_dir, table: str):
    return pq.read_table(data_dir / "publish" / table)


def test_switching_from_sample_to_landed_republishes_only_landed_partitions_for_every_source(default_run, tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    data_dir = copy_default_run(default_run, tmp_path / "data")  # the embedded default: every source from the sample
    monkeypatch.setenv("CXEX_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CXEX_FEVS_MIN_SHARE", "0")  # the landed hand-made FEVS file is tiny (as the data_dir fixture sets)
    assert all(_published(data_dir, "ex_index_scores").column("source_is_sample").to_pylist())
    assert len(set(_published(data_dir, "ex_index_scores").column("survey_year").to_pylist())) == 7

    # one real partition lands per source, and the sample is switched off
    write_prdf(land(data_dir, 2019), hand_data.rows(), hand_data.COLUMNS)
    wd.write_fwd_month(data_dir, "202406")
    wd.write_agency_lookup(data_dir)
    cx_data.v2(data_dir)  # FY2024Q3
    monkeypatch.setenv("CXEX_USE_SAMPLE", "never")
    assert run_module.main() == 0

    # every source alike: what is published is what has landed, nothing staged from the sample
    ex, items = _published(data_dir, "ex_index_scores"), _published(data_dir, "fevs_item_scores")
    assert set(ex.column("survey_year").to_pylist()) == {2019} == set(items.column("survey_year").to_pylist())
    wm = _published(data_dir, "workforce_metrics")
    assert set(wm.column("fiscal_year").to_pylist()) == {2024}
    cx = _published(data_dir, "cx_service_scores")
    assert set(cx.column("fiscal_quarter").to_pylist()) == {"FY2024Q3"}
    for table in (ex, items, wm, cx, _published(data_dir, "cx_index_scores")):
        assert not any(table.column("source_is_sample").to_pylist())
    assert _published(data_dir, "internal_cx_scores").num_rows == 0  # nothing landed for GSA CSS: absent is absent


def test_what_an_absent_source_publishes_is_its_contracts_rule(tmp_path):
    """One rule, stated in each contract (`when_absent`): only the optional GSA CSS table is published empty when
    its source has nothing (above: internal_cx_scores has 0 rows); every other table keeps its published version.
    A contract naming another behaviour is refused, naming the file."""
    from warehouse.contracts import CONTRACTS_DIR, ContractError, all_contracts, load

    assert {c.table for c in all_contracts() if c.when_absent == "empty"} == {"internal_cx_scores"}
    assert {c.when_absent for c in all_contracts()} == {"keep", "empty"}
    text = (CONTRACTS_DIR / "internal_cx_scores.yaml").read_text().replace("when_absent: empty", "when_absent: zero")
    (tmp_path / "internal_cx_scores.yaml").write_text(text)
    (tmp_path / "_provenance.yaml").write_text((CONTRACTS_DIR / "_provenance.yaml").read_text())
    with pytest.raises(ContractError, match="internal_cx_scores.yaml: when_absent is 'zero'"):
        load("internal_cx_scores", tmp_path)
