"""One instrument at a time (issue #30): FY2024 trust is a thumbs-up share for some services and a
4-5-of-5 share for others, and the embedded sample plants an offset between them
(assets/cx/sample.py THUMBS_UP_NEUTRAL_SHARE). The scorecard z-scores trust within each scale
(cx_index_scores.score_within_scale_z), so the FY2024 CX ranks must not move when the thumbs-up
instrument reads differently: recomputed with every thumbs-up share 40 points lower and half as spread
(share / 2 − 40: another instrument offset), every agency keeps its rank, while the raw pooled trust
shares (what the scorecard z-scored before #30) reorder the agencies by their thumbs-up share.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from assets.cross_agency.assets import _sources, compute_scorecard
from warehouse import compute
from warehouse.layout import DataLayout
from warehouse.publish import LocalStore


def _rescored(staged: list, tmp_path, shift) -> pa.Table:
    paths = []
    for i, path in enumerate(staged):
        t = pq.read_table(path)
        thumbs = pc.and_(pc.equal(t["scale"], "thumbs_up_down"), pc.equal(t["driver"], "trust"))
        t = t.set_column(t.schema.get_field_index("pct_favourable"), "pct_favourable",
                         pc.if_else(thumbs, shift(t["pct_favourable"]), t["pct_favourable"]))
        paths.append(str(tmp_path / f"{i}.parquet"))
        pq.write_table(t, paths[-1])
    return compute.cx_index_scores(paths, 30)


def test_fy2024_cx_ranks_do_not_move_with_the_thumbs_up_share(default_run, tmp_path):
    data_dir = default_run[0]
    staged = sorted(str(p) for p in (data_dir / "staging" / "cx_service_scores").rglob("*.parquet"))
    sources = _sources(LocalStore(DataLayout(data_dir).publish_root), None)
    scales = {r["scale"] for r in sources["cx_index_scores"].to_pylist() if r["fiscal_year"] == 2024 and r["headline"]
              and r["index_code"] == "cx_trust"}
    assert "mixed" in scales  # agencies mix the instruments, in different shares

    cards = {}
    for name, shift in (("as_sampled", lambda a: a), ("other_offset", lambda a: pc.subtract(pc.divide(a, 2.0), 40.0))):
        cx = _rescored(staged, tmp_path, shift)
        card = compute_scorecard({**sources, "cx_index_scores": cx}, 0.5).to_pylist()
        cards[name] = {r["agency_code"]: r for r in card if r["year"] == 2024 and r["cx_index"] is not None}
    before, after = cards["as_sampled"], cards["other_offset"]
    assert len(before) >= 10 and before.keys() == after.keys()
    assert {a: r["cx_rank"] for a, r in before.items()} == {a: r["cx_rank"] for a, r in after.items()}
    # the raw trust shares, pooled over instruments, do reorder the agencies: the check has power
    order = lambda card: sorted(card, key=lambda a: -card[a]["cx_trust"])
    assert order(before) != order(after)
