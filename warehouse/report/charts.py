"""Plotly figure specifications (plain dicts: plotly.js draws them from the site's one plotly.min.js).

Colours are Okabe & Ito's palette, safe for the common colour-vision deficiencies; series are told
apart by marker symbol and line dash as well, never by colour alone. Every chart on the site comes
with a table or sentence that carries the same numbers (its text alternative).
"""

from __future__ import annotations

# Okabe, M. & Ito, K. (2008), "Color Universal Design": orange, sky blue, bluish green, blue, vermillion,
# reddish purple, yellow, black.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon")
DASHES = ("solid", "dot", "dash", "longdash", "dashdot", "longdashdot")
SIZE_GROUPS = ("large", "midsize", "small", "very_small", "unknown")
MEDIAN_COLOUR = "#595959"

# Titles are HTML headings above each chart (they wrap at 375 px; a plotly title would be cut off).
_LAYOUT = {"font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
           "margin": {"l": 56, "r": 12, "t": 16, "b": 48}, "paper_bgcolor": "white", "plot_bgcolor": "white",
           "hovermode": "closest", "legend": {"orientation": "h", "y": -0.22}}
_AXIS = {"gridcolor": "#e5e5e5", "zerolinecolor": "#9e9e9e", "automargin": True}


def scatter(points: list[dict], x: str, y: str, x_title: str, y_title: str) -> dict:
    """Agencies as markers, one trace per size group (colour and symbol), labelled with each point's `label`
    (short names that do not overlap: warehouse/report/leaders.py place_labels) and named in full on hover."""
    traces = []
    for i, group in enumerate(SIZE_GROUPS):
        pts = [p for p in points if p["size_group"] == group]
        if not pts:
            continue
        traces.append({
            "type": "scatter", "mode": "markers+text", "name": group.replace("_", " "),
            "x": [p[x] for p in pts], "y": [p[y] for p in pts], "text": [p.get("label", p["agency_code"]) for p in pts],
            "textposition": "top center", "textfont": {"size": 10},
            "hovertext": [f"{p['agency_name'] or p['agency_code']}: {x_title} {p[x]:+.2f}, {y_title} {p[y]:+.2f}" for p in pts],
            "hoverinfo": "text",
            "marker": {"size": 10, "color": OKABE_ITO[i], "symbol": SYMBOLS[i], "line": {"width": 1, "color": "#000"}},
        })
    return {"data": traces, "layout": {**_LAYOUT,
                                       "xaxis": {**_AXIS, "title": {"text": x_title}},
                                       "yaxis": {**_AXIS, "title": {"text": y_title}}}}


def lines(series: list[dict], y_title: str, x_title: str = "Year") -> dict:
    """Lines over the years; a series with `median=True` is the reference (grey, dashed)."""
    traces, k = [], 0
    for s in series:
        if s.get("median"):
            style = {"line": {"color": MEDIAN_COLOUR, "dash": "dash", "width": 2}, "marker": {"symbol": "line-ew-open", "size": 8}}
        else:
            style = {"line": {"color": OKABE_ITO[k % len(OKABE_ITO)], "dash": DASHES[k % len(DASHES)], "width": 2.5},
                     "marker": {"symbol": SYMBOLS[k % len(SYMBOLS)], "size": 8, "color": OKABE_ITO[k % len(OKABE_ITO)]}}
            k += 1
        traces.append({"type": "scatter", "mode": "lines+markers", "name": s["name"], "x": s["x"], "y": s["y"],
                       "connectgaps": False, **style})
    return {"data": traces, "layout": {**_LAYOUT,
                                       "xaxis": {**_AXIS, "title": {"text": x_title}, "dtick": 1, "tickformat": "d"},
                                       "yaxis": {**_AXIS, "title": {"text": y_title}}}}


def bars(labels: list[str], values: list, x_title: str, reference: float | None = None) -> dict:
    """Horizontal bars (e.g. percentiles within the size group), with an optional reference line."""
    layout = {**_LAYOUT, "showlegend": False,
              "margin": {**_LAYOUT["margin"], "l": 12},
              "xaxis": {**_AXIS, "title": {"text": x_title}, "range": [0, 100]},
              "yaxis": {**_AXIS, "autorange": "reversed"}}
    if reference is not None:
        layout["shapes"] = [{"type": "line", "x0": reference, "x1": reference, "yref": "paper", "y0": 0, "y1": 1,
                             "line": {"color": MEDIAN_COLOUR, "dash": "dash"}}]
    return {"data": [{"type": "bar", "orientation": "h", "y": labels, "x": values, "marker": {"color": OKABE_ITO[3]},
                      "hoverinfo": "x+y"}], "layout": layout}
