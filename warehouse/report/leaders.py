"""What a leader reads in a minute: the published 0-100 measures with ranks within the size group,
item-level percent positive against governmentwide, short names, labels that do not overlap, q-values
people can read, and a "sample" stamp on every chart drawn from the generated sample.

Every figure here is a published one (agency_scorecard, fevs_item_scores, dim_agency): nothing is
recomputed but ranks (1 = highest within the agency's size group that year, ties share the better
rank; docs/methodology.md "The report site").
"""

from __future__ import annotations

# The headline measures on the 0-100 scale they are published in (agency_scorecard columns).
HEADLINES = (("eei", "Employee Engagement Index", "% positive"),
             ("cx_trust", "Public trust (A-11 CX)", "% favourable"),
             ("internal_cx", "Internal CX (GSA survey)", "score 0-100"))


def headline_rows(table: list[dict], short: dict[str, str]) -> list[dict]:
    """Each agency of one year's scorecard with its 0-100 measures and their rank in its size group."""
    out = []
    for r in table:
        row = {"agency_code": r["agency_code"], "agency_name": r.get("agency_name"), "size_group": r["size_group"],
               "short_name": short.get(r["agency_code"]) or r["agency_code"]}
        for m, _, _ in HEADLINES:
            v = r.get(m)
            peers = [t[m] for t in table if t["size_group"] == r["size_group"] and t.get(m) is not None]
            row[m] = v
            row[m + "_rank"] = None if v is None else 1 + sum(p > v for p in peers)
            row[m + "_of"] = len(peers)
        out.append(row)
    return sorted(out, key=lambda r: (r["eei"] is None, -(r["eei"] or 0), r["agency_code"]))


def short_names(con, present: set[str]) -> dict[str, str]:
    if "dim_agency" not in present:
        return {}
    return dict(con.execute("SELECT agency_code, short_name FROM dim_agency WHERE short_name IS NOT NULL").fetchall())


def place_labels(points: list[dict], x: str, y: str, text: list[str], width_px: float = 320, height_px: float = 200) -> list[str]:
    """The labels to draw so that none overlaps another label or a marker (the rest stay on hover): the
    points farthest from the middle first, a label kept where its box (about 7 px a character, 16 px
    high, just above its marker, in a plot of about `width_px` × `height_px`: the narrowest the page draws it,
    at 375 px; wider plots only spread the labels further) meets nothing kept."""
    if not points:
        return []
    xs, ys = [p[x] for p in points], [p[y] for p in points]
    span = lambda v: (max(v) - min(v)) or 1.0  # noqa: E731
    at = [((xs[i] - min(xs)) / span(xs) * width_px, (ys[i] - min(ys)) / span(ys) * height_px) for i in range(len(points))]
    markers = [(px - 7, py - 7, px + 7, py + 7) for px, py in at]
    cx, cy = width_px / 2, height_px / 2
    boxes: list[tuple[float, float, float, float]] = []
    shown = [""] * len(points)
    for i in sorted(range(len(points)), key=lambda i: -((at[i][0] - cx) ** 2 + (at[i][1] - cy) ** 2)):
        px, py = at[i]
        w = 8 * len(text[i]) + 10
        box = (px - w / 2, py + 7, px + w / 2, py + 23)
        clear = lambda b: box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3]  # noqa: E731
        if all(clear(b) for b in boxes) and all(clear(m) for j, m in enumerate(markers) if j != i):
            boxes.append(box)
            shown[i] = text[i]
    return shown


def q_text(q: float | None) -> str:
    """A q-value as people read it: three decimals, scientific notation below 0.001 (never `0.000`)."""
    if q is None:
        return "n/a"
    return f"{q:.1e}" if q < 0.001 else f"{q:.3f}"


def dedupe_factor_groups(groups: list[dict]) -> list[dict]:
    """A group whose factors and correlations equal an earlier one's (e.g. the CX index and CX trust, one
    component) says so instead of repeating its table."""
    seen: dict[tuple, str] = {}
    for g in groups:
        sig = (g["period"], tuple((r["candidate_label"], round(r["pearson_r"] or 0, 6)) for r in g["rows"]))
        g["same_as"] = seen.get(sig)
        seen.setdefault(sig, g["outcome"])
    return groups


def item_scores(con, present: set[str]) -> dict[str, dict]:
    """{agency_code: {"year", "rows": [item, wording, pct, gov, diff, suppressed, respondents]}}: each agency's
    latest FEVS year, every item's percent positive against governmentwide (fevs_item_scores)."""
    if "fevs_item_scores" not in present:
        return {}
    wording = "d.wording" if "dim_fevs_item" in present else "NULL"
    join = "LEFT JOIN dim_fevs_item d USING (item_key)" if "dim_fevs_item" in present else ""
    rows = con.execute(f"""
        WITH a AS (SELECT * FROM fevs_item_scores WHERE org_level = 'agency'
                   QUALIFY survey_year = max(survey_year) OVER (PARTITION BY agency_code)),
             g AS (SELECT survey_year, item, pct_positive FROM fevs_item_scores WHERE org_level = 'government')
        SELECT a.agency_code, a.survey_year, a.item, {wording}, a.pct_positive, g.pct_positive, a.suppressed, a.respondents
        FROM a LEFT JOIN g USING (survey_year, item) {join}
        ORDER BY a.agency_code, try_cast(regexp_extract(a.item, '(\\d+)', 1) AS INTEGER) NULLS LAST, a.item""").fetchall()
    out: dict[str, dict] = {}
    for code, year, item, words, pct, gov, supp, n in rows:
        d = out.setdefault(code, {"year": year, "rows": []})
        diff = None if supp or pct is None or gov is None else pct - gov
        d["rows"].append({"item": item, "wording": words, "pct": pct, "gov": gov, "diff": diff, "suppressed": supp,
                          "respondents": n})
    for d in out.values():
        ranked = sorted((r for r in d["rows"] if r["diff"] is not None), key=lambda r: r["diff"])
        d["above"], d["below"] = ranked[::-1][:3], ranked[:3]
        d["suppressed"] = sum(r["suppressed"] for r in d["rows"])
    return out


def stamp(fig: dict, sample: bool) -> dict:
    """The figure with "SAMPLE DATA" written inside it when its page shows sample figures, so a chart copied
    into a slide keeps the label."""
    if not sample:
        return fig
    note = {"text": "SAMPLE DATA: not real results", "xref": "paper", "yref": "paper", "x": 1, "y": 1,
            "xanchor": "right", "yanchor": "bottom", "showarrow": False, "font": {"size": 11, "color": "#8a5a00"}}
    layout = dict(fig.get("layout", {}))
    layout["annotations"] = [*layout.get("annotations", []), note]
    layout["margin"] = {**layout.get("margin", {}), "t": max(layout.get("margin", {}).get("t", 0), 22)}
    return {**fig, "layout": layout}
