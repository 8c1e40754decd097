"""The assessment a leader reads per agency × year (agency_assessment): where we stand, what goes with
better CX, where to start. Rules (docs/methodology.md, "The assessment"):

- Peers: one rule for every percentile and quartile (factors.comparison_group, CXEX_MIN_PEERS): the
  size group, else all agencies; the row and the sentence name the group and its size.
- Changes like for like: a change is given only when both years have the same basis (the panel's
  `basis`: A-11 era, scale, components); otherwise the sentence says why it is not comparable.
- What goes with better CX: the pooled robust factors; candidates that are composites of one another
  (EEI and its subindices, fevs_index_definitions.csv `components`) are one finding, named once.
- Where to start: a focus area qualifies for an outcome only when (a) the agency is below its peers'
  median, (b) none of its indicators is built from that outcome, (c) its own association with the
  outcome passed the factor screen (pooled, robust, positive); ranked by gap × r; else it says so.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np

from .factors import (ASSESSED_OUTCOMES, BREAK_WORDS, FACTORS_PER_OUTCOME, OUTCOMES, POOLED, STANDING_OUTCOMES, WEAKEST_AREAS,
                      basis_break, comparison_group)

# the sources an outcome is built from: an area with an indicator from one of them never advises on it
OUTCOME_SOURCES = {"internal_cx": {"internal_cx_scores"}, "cx_index": {"cx_service_scores", "cx_index_scores"}}
FOCUS_PREFIX = "focus_area:"
NO_AREA = "no_area_qualifies"


def candidate_families(path=None) -> dict[str, str]:
    """candidate → the composite it belongs to (EEI for its three subindices), from the `components`
    column of warehouse/reference/fevs_index_definitions.csv; a candidate not listed is its own family."""
    from .reference import REFERENCE_DIR

    with open(path or REFERENCE_DIR / "fevs_index_definitions.csv", newline="") as f:
        parent = {c: r["index_code"] for r in csv.DictReader(f) for c in (r.get("components") or "").split()}

    def top(code: str) -> str:
        seen = set()
        while code in parent and code not in seen:
            seen.add(code)
            code = parent[code]
        return code
    return {"fevs_index:" + c: "fevs_index:" + top(c) for c in parent}


def _standing(value: float | None, peers: Sequence[float], sign: int) -> tuple[float | None, float | None]:
    """Percentile among peers (100 × share at or below, direction-adjusted by `sign`) and the distance
    to the peers' top quartile (0 when already in it), in the measure's own units."""
    if value is None or not peers:
        return None, None
    adj = tuple(sign * p for p in peers)
    v = sign * value
    pct = 100.0 * sum(p <= v for p in adj) / len(adj)
    return pct, max(0.0, _top_quartile(adj) - v)


@lru_cache(maxsize=4096)
def _top_quartile(values: tuple[float, ...]) -> float:
    """The 75th percentile (numpy's linear interpolation): one per peer group and year, shared by its agencies."""
    return float(np.percentile(values, 75))


def _fmt(v: float | None, digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _among(grp: str, n: int) -> str:
    """The comparison group and its size, as the sentence says it ("of 23 agencies", "among 5 large agencies")."""
    return f"of {n} agencies" if grp == "all" else f"among {n} {grp.replace('_', ' ')} agencies"


def _change_words(ch: float | None, brk: str | None, yr: int) -> str:
    if brk:
        return f"; not comparable with {yr - 1} ({BREAK_WORDS[brk]})"
    return "" if ch is None else f", {ch:+.2f} on the year before"


class _Panel:
    """Values, labels and bases of the panel, with peers by the one rule."""

    def __init__(self, panel: Iterable[Mapping], focus: Sequence[Mapping], size_groups: Mapping, min_peers: int):
        self.values: dict[str, dict[tuple[int, str], float]] = defaultdict(dict)
        self.label: dict[tuple[str, int, str], str] = {}
        self.basis: dict[tuple[str, int, str], str] = {}
        for r in panel:
            key = (int(r["year"]), r["agency_code"])
            self.values[r["variable"]][key] = float(r["value"])
            self.label[(r["variable"], *key)] = r["label"]
            self.basis[(r["variable"], *key)] = r.get("basis") or ""
        self.size_groups, self.min_peers = size_groups, min_peers
        self.by_year: dict[tuple[str, int], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for var, vals in self.values.items():
            for (y, a), v in vals.items():
                self.by_year[(var, y)][size_groups.get((y, a), "unknown")].append(v)
        for f in focus:
            if f["score"] is not None:
                self.by_year[(FOCUS_PREFIX + f["focus_area"], f["year"])][f["size_group"]].append(f["score"])

    def peers(self, var: str, yr: int, ag: str) -> tuple[list[float], str]:
        groups = self.by_year.get((var, yr), {})
        grp = comparison_group(self.size_groups.get((yr, ag), "unknown"), groups, self.min_peers)
        return (list(groups.get(grp, [])) if grp != "all" else [v for g in groups.values() for v in g]), grp

    def change(self, var: str, yr: int, ag: str) -> tuple[float | None, str | None]:
        now, before = self.values.get(var, {}).get((yr, ag)), self.values.get(var, {}).get((yr - 1, ag))
        if now is None or before is None:
            return None, None
        brk = basis_break(self.basis.get((var, yr, ag)), self.basis.get((var, yr - 1, ag)))
        return (None, brk) if brk else (now - before, None)


def _evidence(f: Mapping | None) -> dict:
    return {"evidence_r": f and f["pearson_r"], "evidence_q": f and f["q_value"], "evidence_n_agencies": f and f["n_agencies"],
            "evidence_fdr_family": f and f["fdr_family"]}


def _where_to_start(head: dict, name: str, yr: int, areas: Sequence[Mapping], p: _Panel, evidence: Mapping,
                    sources: Mapping[str, set]) -> list[dict]:
    """The qualifying areas, largest gap × r first (one row per area), or one row saying none qualifies."""
    cands = []
    for a in areas:
        if a["score"] is None:
            continue
        peer, grp = p.peers(FOCUS_PREFIX + a["focus_area"], yr, head["agency_code"])
        median = float(np.median(peer)) if peer else None
        for o, o_words in ASSESSED_OUTCOMES:
            f = evidence.get((o, a["focus_area"]))
            if median is None or a["score"] >= median or f is None or sources[a["focus_area"]] & OUTCOME_SOURCES[o]:
                continue
            cands.append(((median - a["score"]) * f["pearson_r"], a, o, o_words, f, peer, grp, median))
    out, seen = [], set()
    for prio, a, o, o_words, f, peer, grp, median in sorted(cands, key=lambda c: (-c[0], c[1]["focus_area"], c[2])):
        if a["focus_area"] in seen or len(out) == WEAKEST_AREAS:
            continue
        seen.add(a["focus_area"])
        pct, dist = _standing(a["score"], peer, 1)
        label = a["focus_area_label"]
        out.append({**head, "section_order": 3, "section": "where_to_start", "item_order": len(out) + 1, "outcome": o,
                    "item": a["focus_area"], "item_label": label, "direction": 1, "value": a["score"],
                    "percentile_in_size_group": pct, "change_from_prior": a["change_from_prior"],
                    "change_break": a.get("change_break"), "distance_to_top_quartile": dist, "comparison_group": grp,
                    "comparison_group_agencies": len(peer), "peer_median": median, **_evidence(f),
                    "sentence": f"Start with {label.lower()}: score {a['score']:+.2f} (z, 0 = average agency; coverage "
                                f"{a['coverage']:.0%}), {median - a['score']:.2f} below the median and percentile {pct:.0f} "
                                f"{_among(grp, len(peer))}{_change_words(a['change_from_prior'], a.get('change_break'), yr)}; "
                                f"across agencies a higher {label.lower()} score goes with better {o_words} (pooled r = "
                                f"{f['pearson_r']:.2f}, q = {f['q_value']:.3g}, {f['n_agencies']} agencies)."})
    if not out:
        out.append({**head, "section_order": 3, "section": "where_to_start", "item_order": 1, "outcome": None, "item": NO_AREA,
                    "item_label": "No focus area qualifies", "direction": 1, "value": None, **_evidence(None),
                    "sentence": f"No area is both below peers and linked to better CX this year for {name}: "
                                f"no advice on where to start."})
    return out


def agency_assessment(factors: Sequence[Mapping], focus: Sequence[Mapping], panel: Iterable[Mapping],
                      size_groups: Mapping[tuple[int, str], str], agencies: Mapping[str, str],
                      definitions: Sequence[Mapping] = (), min_peers: int = 3, families: Mapping[str, str] | None = None) -> list[dict]:
    """agency_assessment rows, in reading order per agency × year (module docstring). `definitions`:
    focus_areas.csv rows (which sources each area's indicators come from)."""
    p = _Panel(panel, focus, size_groups, min_peers)
    families = candidate_families() if families is None else families
    robust = {}
    for o, _ in ASSESSED_OUTCOMES:
        found, taken = [], {}
        for f in sorted((f for f in factors if f["period"] == POOLED and f["outcome"] == o and f["robust"]
                         and f.get("candidate_kind") != "focus_area"), key=lambda f: f["rank"]):
            fam = families.get(f["candidate"], f["candidate"])
            if fam in taken:
                taken[fam].append(f["candidate_label"])
            elif len(found) < FACTORS_PER_OUTCOME:
                taken[fam] = []
                found.append((f, taken[fam]))
        robust[o] = found
    evidence = {(f["outcome"], f["candidate"][len(FOCUS_PREFIX):]): f for f in factors
                if f["period"] == POOLED and f["candidate"].startswith(FOCUS_PREFIX) and f["robust"] and f["pearson_r"] > 0}
    sources: dict[str, set] = defaultdict(set)
    for d in definitions:
        sources[d["focus_area"]].add(d["source_table"])
    focus_by = defaultdict(list)
    for f in focus:
        focus_by[(f["year"], f["agency_code"])].append(f)
    rows = []
    for (yr, ag), areas in sorted(focus_by.items()):
        name = agencies.get(ag) or ag
        head = {"agency_code": ag, "agency_name": agencies.get(ag), "year": yr}
        for i, o in enumerate([o for o in STANDING_OUTCOMES if (yr, ag) in p.values.get(o, {})], start=1):
            v = p.values[o][(yr, ag)]
            pv, grp = p.peers(o, yr, ag)
            pct, dist = _standing(v, pv, 1)
            ch, brk = p.change(o, yr, ag)
            label = p.label.get((o, yr, ag)) or OUTCOMES[o]
            rows.append({**head, "section_order": 1, "section": "where_we_stand", "item_order": i, "outcome": o, "item": o,
                         "item_label": label, "direction": 1, "value": v, "percentile_in_size_group": pct,
                         "change_from_prior": ch, "change_break": brk, "distance_to_top_quartile": dist, "comparison_group": grp,
                         "comparison_group_agencies": len(pv), "peer_median": float(np.median(pv)) if pv else None,
                         "sentence": f"{name}'s {label} was {_fmt(v)} in {yr}: percentile {_fmt(pct, 0)} {_among(grp, len(pv))}"
                                     f"{_change_words(ch, brk, yr)}"
                                     f"{'; in the top quartile' if dist == 0 else f'; {dist:.2f} below the top quartile'}."})
        k = 0
        for o, o_words in ASSESSED_OUTCOMES:
            for f, related in robust[o]:
                k += 1
                var, sign = f["candidate"], 1 if f["pearson_r"] > 0 else -1
                v = p.values.get(var, {}).get((yr, ag))
                pv, grp = p.peers(var, yr, ag)
                pct, dist = _standing(v, pv, sign)
                ch, brk = p.change(var, yr, ag)
                better = "higher" if sign > 0 else "lower"
                also = f" (with {', '.join(related)}: parts of one composite, one finding)" if related else ""
                text = (f"Across agencies, {better} '{f['candidate_label']}'{also} goes with better {o_words} "
                        f"(pooled r = {f['pearson_r']:.2f}, q = {f['q_value']:.3g}, {f['n_agencies']} agencies); ")
                text += (f"{name} had no value in {yr}." if v is None else
                         f"{name} stands at {v:.2f} (percentile {pct:.0f} {_among(grp, len(pv))}, counting {better} as better"
                         f"{_change_words(ch, brk, yr)}; "
                         f"{'in the top quartile' if dist == 0 else f'{dist:.2f} from the top quartile'}).")
                rows.append({**head, "section_order": 2, "section": "what_goes_with_better_cx", "item_order": k, "outcome": o,
                             "item": var, "item_label": f["candidate_label"], "direction": sign, "value": v,
                             "percentile_in_size_group": pct, "change_from_prior": ch, "change_break": brk,
                             "distance_to_top_quartile": dist, "comparison_group": grp, "comparison_group_agencies": len(pv),
                             "peer_median": float(np.median(pv)) if pv else None, "related_items": "; ".join(related) or None,
                             **_evidence(f), "sentence": text})
        rows += _where_to_start(head, name, yr, areas, p, evidence, sources)
    return rows
