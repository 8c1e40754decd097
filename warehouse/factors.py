"""What in the work environment goes with good internal and public CX: the factor screen, the seven
focus-area scores and the assessment per agency, as plain functions over the agency × year panel
(warehouse/sql/factor_panel.sql). Formulas: docs/methodology.md, "Factors, focus areas, assessment".

The statistics are the textbook ones (Fisher's z interval, the t test of a correlation, Benjamini and
Hochberg's step-up q-values as scipy.stats computes them, the first-order partial correlation); what
this module adds is the panel logic: which agencies and years enter each pair, within-year standardisation for
the pooled estimate, sign stability and the robust flag.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pyarrow as pa

from .contracts import load as load_contract, provenance_columns
from .reference import item_keys  # noqa: F401  (the factor screen's cross-year item keys)

OUTCOMES: dict[str, str] = {
    "internal_cx": "Internal CX, all functions (GSA CSS, 0-100)",
    "internal_cx_hr": "Internal CX, human resources (GSA CSS, 0-100)",
    "internal_cx_acquisition": "Internal CX, acquisition (GSA CSS, 0-100)",
    "internal_cx_financial_management": "Internal CX, financial management (GSA CSS, 0-100)",
    "internal_cx_it": "Internal CX, IT (GSA CSS, 0-100)",
    "cx_index": "Public CX index (A-11, z across agencies)",
    "cx_trust": "Public trust (A-11, 0-100: era 1 rescaled 1-5 mean, era 2 % favourable)",
}
MIN_N = 5            # agencies a correlation needs (per year, and per year to enter the pooled estimate)
ALPHA = 0.05         # q-value and partial-correlation bar of the robust flag
STABLE_SHARE = 0.75  # share of years whose correlation has the pooled sign, for a stable sign
Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975); scipy is imported only when a test statistic is computed
POOLED = "pooled"
ASSESSED_OUTCOMES = (("internal_cx", "internal CX"), ("cx_index", "public CX"))
STANDING_OUTCOMES = ("internal_cx", "cx_index", "cx_trust")
FACTORS_PER_OUTCOME = 5
WEAKEST_AREAS = 2


# ---- statistics ----------------------------------------------------------------------------

def fisher_ci(r: float | None, n: int) -> tuple[float | None, float | None]:
    """95 % interval of a correlation by Fisher's z: tanh(atanh(r) ± 1.96 / sqrt(n − 3))."""
    if r is None or n <= 3 or abs(r) >= 1:
        return None, None
    half = Z95 / math.sqrt(n - 3)
    return math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)


def correlation_p(r: float | None, n: int, controls: int = 0) -> float | None:
    """Two-sided p of H0 ρ = 0: t = r sqrt(df / (1 − r²)), df = n − 2 − controls (as scipy.stats.pearsonr)."""
    from scipy.special import stdtr  # Student's t CDF (what scipy.stats.t.sf wraps); late: loading the definitions should not import scipy

    df = n - 2 - controls
    if r is None or df < 1:
        return None
    if abs(r) >= 1:
        return 0.0
    t = r * math.sqrt(df / (1 - r * r))
    return float(2 * stdtr(df, -abs(t)))


def bh_qvalues(p: Sequence[float | None]) -> list[float | None]:
    """Benjamini-Hochberg q-values over the non-null p-values (nulls stay null): scipy.stats'
    `false_discovery_control(method="bh")` step-up, term for term (p × m / rank, the running minimum
    from the largest p down, at most 1), without importing scipy.stats (about 1 s)."""
    idx = [i for i, v in enumerate(p) if v is not None and not math.isnan(v)]
    out: list[float | None] = [None] * len(p)
    if idx:
        ps = np.array([p[i] for i in idx], dtype=float)
        order = np.argsort(ps)
        m = len(ps)
        q = ps[order] * (m / np.arange(1, m + 1))
        q = np.clip(np.minimum.accumulate(q[::-1])[::-1], 0, 1)
        for rank, i in enumerate(order):
            out[idx[i]] = float(q[rank])
    return out


def partial_r(r_xy: float, r_xz: float, r_yz: float) -> float | None:
    """First-order partial correlation of x and y given z: (r_xy − r_xz r_yz) / sqrt((1 − r_xz²)(1 − r_yz²))."""
    den = (1 - r_xz ** 2) * (1 - r_yz ** 2)
    return None if den <= 0 else (r_xy - r_xz * r_yz) / math.sqrt(den)


# ---- the factor screen ---------------------------------------------------------------------

def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def correlations(panel: pa.Table, size: Iterable[Mapping], min_n: int = MIN_N) -> list[dict]:
    """ex_cx_factors.sql over the panel; `size` rows (year, agency_code, avg_headcount) give log headcount."""
    from .compute import run_sql

    logs = [{"year": int(r["year"]), "agency_code": r["agency_code"], "log_headcount": math.log(r["avg_headcount"])}
            for r in size if r.get("avg_headcount") and r["avg_headcount"] > 0]
    size_table = pa.Table.from_pylist(logs, schema=pa.schema([("year", pa.int32()), ("agency_code", pa.string()),
                                                              ("log_headcount", pa.float64())]))
    return run_sql("ex_cx_factors", {"min_n": min_n}, {"panel": panel, "size": size_table}).to_pylist()


def factor_screen(correlations: Iterable[Mapping]) -> list[dict]:
    """ex_cx_factors rows from the correlations of ex_cx_factors.sql (docs/methodology.md).

    Adds Fisher intervals and t-test p-values (n_test), the partial correlation controlling for log
    headcount (from r_xy, r_xs, r_ys over the rows with a headcount), Benjamini-Hochberg q-values per
    family (`fdr_family`: one outcome in one period; the focus areas a family apart), sign stability,
    the robust flag and the rank.
    """
    rows = []
    for c in correlations:
        r = _num(c["r"])
        lo, hi = fisher_ci(r, c["n_test"])
        row = {"period": c["period"], "outcome": c["outcome"], "outcome_label": OUTCOMES[c["outcome"]],
               "candidate": c["candidate"], "candidate_label": c["label"], "candidate_kind": c["kind"], "method": c["method"],
               "n": c["n"], "n_agencies": c["n_agencies"], "n_test": c["n_test"], "pearson_r": r, "spearman_rho": _num(c["rho"]),
               "ci_low": lo, "ci_high": hi, "p_value": correlation_p(r, c["n_test"]), "n_size": c["n_size"] or 0,
               "partial_r_size": None, "partial_p_value": None}
        rxy, rxs, rys = _num(c["r_xy_s"]), _num(c["r_xs"]), _num(c["r_ys"])
        if r is not None and row["n_size"] >= MIN_N and None not in (rxy, rxs, rys):
            row["partial_r_size"] = partial_r(rxy, rxs, rys)
            row["partial_p_value"] = correlation_p(row["partial_r_size"], row["n_size"], controls=1)
        rows.append(row)
    # sign stability: share of the years with a correlation whose sign is the pooled one
    pairs: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        pairs[(row["outcome"], row["candidate"])].append(row)
    for grp in pairs.values():
        pooled = next((r["pearson_r"] for r in grp if r["period"] == POOLED), None)
        signs = [np.sign(r["pearson_r"]) for r in grp if r["period"] != POOLED and r["pearson_r"] is not None]
        stab = float(np.mean([s == np.sign(pooled) for s in signs])) if pooled is not None and signs else None
        for row in grp:
            row["sign_stability"], row["years_tested"] = stab, len(signs)
    # the false-discovery family (docs/methodology.md): one outcome in one period; the focus areas,
    # screened for the advice, form a family of their own so they leave the candidates' q-values as they were
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        row["fdr_family"] = f"{row['outcome']} {row['period']}" + (" focus areas" if row["candidate_kind"] == "focus_area" else "")
        groups[row["fdr_family"]].append(row)
    for grp in groups.values():
        for row, q in zip(grp, bh_qvalues([r["p_value"] for r in grp])):
            row["q_value"] = q
            r, pr = row["pearson_r"], row["partial_r_size"]
            row["survives_size_control"] = bool(r is not None and pr is not None and np.sign(pr) == np.sign(r)
                                                and row["partial_p_value"] < ALPHA)
            row["robust"] = bool(q is not None and q < ALPHA and row["sign_stability"] is not None
                                 and row["sign_stability"] >= STABLE_SHARE and row["survives_size_control"])
        ranked = sorted((r for r in grp if r["pearson_r"] is not None), key=lambda r: (-abs(r["pearson_r"]), r["candidate"]))
        for i, row in enumerate(ranked, start=1):
            row["rank"] = i
    order = {o: i for i, o in enumerate(OUTCOMES)}
    rows.sort(key=lambda r: (order[r["outcome"]], r["period"] != POOLED, r["period"], r.get("rank") is None,
                             r.get("rank") or 0, r["candidate"]))
    return rows


# ---- focus areas ----------------------------------------------------------------------------

def _percentile_rank(values: dict, higher_better: bool = True) -> tuple[dict, dict]:
    """Rank (1 = best) and percentile 100 × share of values at or below (direction-adjusted) per key."""
    keys = list(values)
    adj = {k: values[k] if higher_better else -values[k] for k in keys}
    ordered = sorted(adj.values())
    rank = {k: 1 + sum(v > adj[k] for v in adj.values()) for k in keys}
    pct = {k: 100.0 * sum(v <= adj[k] for v in ordered) / len(ordered) for k in keys}
    return rank, pct


def comparison_group(group: str, by_group: Mapping[str, Sequence], min_peers: int) -> str:
    """The one peer rule (CXEX_MIN_PEERS): the size group when at least `min_peers` of its agencies have a
    value, else `all` (every agency with a value)."""
    return group if len(by_group.get(group, ())) >= min_peers else "all"


BREAK_WORDS = {"era": "A-11 changed its questions", "scale": "measured on another response scale",
               "components": "built from other components", "indicators": "built from other indicators"}


def basis_break(now: str | None, before: str | None) -> str | None:
    """Why two years of one variable are not like for like, from the panel's `basis` (`era|scale|parts`):
    `era`, `scale` or `components`; None when the bases match."""
    if (now or "") == (before or ""):
        return None
    n, b = ((now or "").split("|") + ["", "", ""])[:3], ((before or "").split("|") + ["", "", ""])[:3]
    return "era" if n[0] != b[0] else "scale" if n[1] != b[1] else "components"


def focus_area_scores(panel: Iterable[Mapping], definitions: Sequence[Mapping], agencies: Mapping[str, str],
                      size_groups: Mapping[tuple[int, str], str], min_peers: int = 3) -> list[dict]:
    """focus_area_scores rows: per agency × year × focus area, the coverage-aware weighted mean of
    direction-adjusted within-year z-scores of the area's indicators (docs/methodology.md).

    `definitions`: rows of focus_areas.csv (direction 0: context, shown but not scored); `agencies`:
    agency_code → name (pooled groups left out by the panel); `size_groups`: (year, agency_code) → size
    group (`unknown` when absent). Rank and percentile are taken in the comparison group (the size
    group, or all agencies when it has fewer than `min_peers` scores). The change from the prior year
    is null, with `change_break`, when the indicators present or their bases differ between the years.
    """
    panel = list(panel)
    values: dict[str, dict[tuple[int, str], float]] = defaultdict(dict)
    basis: dict[tuple[str, int, str], str] = {}
    for r in panel:
        values[r["variable"]][(int(r["year"]), r["agency_code"])] = float(r["value"])
        basis[(r["variable"], int(r["year"]), r["agency_code"])] = r.get("basis") or ""
    agency_years = sorted({(int(r["year"]), r["agency_code"]) for r in panel})
    areas: dict[str, list[Mapping]] = defaultdict(list)
    for d in definitions:
        areas[d["focus_area"]].append(d)
    # within-year z of each scored indicator, times its direction
    z: dict[str, dict[tuple[int, str], float]] = {}
    for d in definitions:
        ind, direction = d["indicator"], int(d["direction"])
        z[ind] = {}
        by_year: dict[int, list] = defaultdict(list)
        for k, v in values.get(ind, {}).items():
            by_year[k[0]].append((k, v))
        for yr, kv in by_year.items():
            vs = np.array([v for _, v in kv])
            if direction and len(vs) >= 3 and np.std(vs, ddof=1) > 0:
                for (k, v) in kv:
                    z[ind][k] = direction * (v - vs.mean()) / np.std(vs, ddof=1)
    rows = []
    for (yr, ag) in agency_years:
        for area, defs in areas.items():
            scored = [d for d in defs if int(d["direction"])]
            total = sum(float(d["weight"]) for d in scored)
            here = [d for d in scored if (yr, ag) in z[d["indicator"]]]
            present = sum(float(d["weight"]) for d in here)
            score = sum(float(d["weight"]) * z[d["indicator"]][(yr, ag)] for d in here) / present if present else None
            inds = [{"indicator": d["indicator"], "value": values.get(d["indicator"], {}).get((yr, ag)),
                     "z": z[d["indicator"]].get((yr, ag)), "weight": float(d["weight"]) if int(d["direction"]) else 0.0,
                     "contribution": (float(d["weight"]) * z[d["indicator"]][(yr, ag)] / present)
                     if (yr, ag) in z[d["indicator"]] else None} for d in defs]
            rows.append({"agency_code": ag, "agency_name": agencies.get(ag), "year": yr, "focus_area": area,
                         "focus_area_label": defs[0]["focus_area_label"], "size_group": size_groups.get((yr, ag), "unknown"),
                         "score": score, "coverage": present / total if total else 0.0,
                         "indicators_present": len(here), "indicators_declared": len(defs), "indicators": json.dumps(inds),
                         "_basis": tuple(sorted((d["indicator"], basis.get((d["indicator"], yr, ag), "")) for d in here))})
    groups: dict[tuple, dict] = defaultdict(dict)
    for i, row in enumerate(rows):
        if row["score"] is not None:
            groups[(row["year"], row["focus_area"])].setdefault(row["size_group"], {})[i] = row["score"]
    for (yr, area), by_group in groups.items():
        everyone = {i: v for g in by_group.values() for i, v in g.items()}
        for grp, members in by_group.items():
            cg = comparison_group(grp, by_group, min_peers)
            pool = members if cg != "all" else everyone
            rank, pct = _percentile_rank(pool)
            for i in members:
                rows[i].update(rank_in_size_group=rank[i], percentile_in_size_group=pct[i], size_group_agencies=len(members),
                               comparison_group=cg, comparison_group_agencies=len(pool))
    prior = {(r["agency_code"], r["year"], r["focus_area"]): r for r in rows}
    for row in rows:
        for col in ("rank_in_size_group", "percentile_in_size_group", "size_group_agencies", "comparison_group",
                    "comparison_group_agencies"):
            row.setdefault(col, None)
        p = prior.get((row["agency_code"], row["year"] - 1, row["focus_area"]))
        both = row["score"] is not None and p is not None and p["score"] is not None
        brk = None
        if both and row["_basis"] != p["_basis"]:
            same = [i for i, _ in row["_basis"]] == [i for i, _ in p["_basis"]]
            brk = next((basis_break(a[1], b[1]) for a, b in zip(row["_basis"], p["_basis"]) if a != b), None) if same else "indicators"
        row["change_break"] = brk
        row["change_from_prior"] = row["score"] - p["score"] if both and brk is None else None
    for row in rows:
        row.pop("_basis")
    order = {a: i for i, a in enumerate(areas)}
    rows.sort(key=lambda r: (r["year"], r["agency_code"], order[r["focus_area"]]))
    return rows


# ---- tables --------------------------------------------------------------------------------

def to_table(rows: Sequence[Mapping], table: str) -> pa.Table:
    """Rows as an Arrow table with the contract's own columns (provenance is added by the asset)."""
    prov = {c.name for c in provenance_columns()}
    schema = pa.schema([f for f in load_contract(table).schema if f.name not in prov])
    return pa.Table.from_pylist([{n: r.get(n) for n in schema.names} for r in rows], schema=schema)


# ---- reference data ------------------------------------------------------------------------

FOCUS_AREAS_FILE = "focus_areas.csv"
FOCUS_AREA_CODES = ("recruitment_retention", "standardized_expectations", "employee_leader_ratio", "leadership",
                    "shared_services", "personalized_interactions", "continuous_improvement")


def focus_area_definitions(path=None) -> list[dict]:
    """warehouse/reference/focus_areas.csv, checked: the seven codes, direction ±1 (0: context only), positive weights."""
    import csv

    from .reference import REFERENCE_DIR, ReferenceError

    path = path or REFERENCE_DIR / FOCUS_AREAS_FILE
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for i, r in enumerate(rows, start=2):
        where = f"{path.name}: row {i}"
        if r["focus_area"] not in FOCUS_AREA_CODES:
            raise ReferenceError(f"{where}, column focus_area: unknown focus area {r['focus_area']!r}")
        if r["direction"] not in ("1", "-1", "0"):
            raise ReferenceError(f"{where}, column direction: {r['direction']!r} is not 1, -1 or 0 (context, not scored)")
        try:
            ok = float(r["weight"]) > 0
        except ValueError:
            ok = False
        if not ok:
            raise ReferenceError(f"{where}, column weight: {r['weight']!r} is not a positive number")
        if not r["rationale"].strip():
            raise ReferenceError(f"{where}, column rationale: empty")
    missing = set(FOCUS_AREA_CODES) - {r["focus_area"] for r in rows}
    if missing:
        raise ReferenceError(f"{path.name}: no indicator declared for {sorted(missing)}")
    return rows


