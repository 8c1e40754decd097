"""The report site: a static scorecard people can open, built from the published tables only.

`<publish>/report/index.html` (overview, per year), `agency/<code>.html` (one page per agency of the
scorecard), `quality.html` (partitions, last validation, freshness, provenance), `dictionary.html`
(from the schema contracts) and `methodology.html` (docs/methodology.md). Charts are plotly.js
figures; plotly.min.js is written once per site from the plotly package, so the site needs no
network: it opens from file:// or from the object store it is published to.

Locally the site is built into `<publish>/.versions/report/<version>/` and swapped in by replacing
the symlink `<publish>/report`, as tables are; on object storage its files are uploaded under
`<prefix>/report/` (each object replaced atomically, index.html last).
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, pass_context, select_autoescape

from ..contracts import all_contracts
from . import charts, fevs_pages, leaders, quality
from .extras import SITE_DIR, freshness, methodology_html, site_index  # noqa: F401  (site_index: warehouse/summary.py)
from .data import open_published, provenance, rows, sample_periods, validations

HERE = Path(__file__).parent
METHODOLOGY = HERE.parents[1] / "docs" / "methodology.md"
KEEP_VERSIONS = 2
NOT_PUBLISHED = "not yet published"

# Agency-page measures: (code, label, unit, lines drawn, whose median is the reference line).
MEASURES = (
    ("eei", "Employee Engagement Index and its subindices", "% positive (0-100)",
     ("eei", "eei_leaders_lead", "eei_supervisors", "eei_intrinsic_work_experience"), "eei"),
    ("global_satisfaction", "Global Satisfaction Index", "% positive (0-100)", ("global_satisfaction",), "global_satisfaction"),
    ("intent_to_leave", "Considering leaving within a year", "% of respondents", ("intent_to_leave",), "intent_to_leave"),
    ("quit_rate", "Quit rate", "quits per 100 on board", ("quit_rate",), "quit_rate"),
    ("separation_rate", "Separation rate", "separations per 100 on board", ("separation_rate",), "separation_rate"),
    ("first_year_attrition_rate", "First-year attrition", "quits and removals per 100 on board under a year", ("first_year_attrition_rate",),
     "first_year_attrition_rate"),
    ("cx_trust", "CX trust (OMB A-11)", "% favourable or rescaled mean (0-100)", ("cx_trust",), "cx_trust"),
    ("internal_cx", "Internal CX (GSA Mission-Support CSS, all functions)", "score (0-100)", ("internal_cx",), "internal_cx"),
)
LABELS = {"eei": "EEI", "eei_leaders_lead": "Leaders lead", "eei_supervisors": "Supervisors",
          "eei_intrinsic_work_experience": "Intrinsic work experience", "global_satisfaction": "Global Satisfaction",
          "intent_to_leave": "Considering leaving", "quit_rate": "Quit rate", "separation_rate": "Separation rate",
          "first_year_attrition_rate": "First-year attrition", "cx_trust": "CX trust", "internal_cx": "Internal CX"}
# Where each measure comes from: (table, SQL giving measure, agency_code, year, value, suppressed).
MEASURE_SQL = {
    "ex_index_scores": """SELECT index_code, agency_code, survey_year, score, suppressed FROM ex_index_scores
                          WHERE org_level = 'agency' AND index_code IN ('eei', 'eei_leaders_lead', 'eei_supervisors',
                                'eei_intrinsic_work_experience', 'global_satisfaction')""",
    "fevs_intent_to_leave": """SELECT 'intent_to_leave', agency_code, survey_year, pct_any, suppressed FROM fevs_intent_to_leave
                               WHERE org_level = 'agency'""",
    "workforce_metrics": """SELECT m, agency_code, fiscal_year, v, false FROM (
                              SELECT agency_code, fiscal_year, quit_rate, separation_rate, first_year_attrition_rate
                              FROM workforce_metrics WHERE org_level = 'agency')
                            UNPIVOT INCLUDE NULLS (v FOR m IN (quit_rate, separation_rate, first_year_attrition_rate))""",
    "cx_index_scores": """SELECT 'cx_trust', agency_code, fiscal_year, score, suppressed FROM cx_index_scores
                          WHERE index_code = 'cx_trust' AND headline""",
    "internal_cx_scores": """SELECT 'internal_cx', agency_code, fiscal_year, score_100, suppressed FROM internal_cx_scores
                             WHERE function = 'all'""",
}
SECTIONS = {"where_we_stand": "Where the agency stands", "what_goes_with_better_cx": "What goes with better CX",
            "where_to_start": "Where to start"}


@dataclass(frozen=True)
class Site:
    index: str  # local path or object-store URL of index.html
    url: str  # what a browser opens (file:// locally)
    pages: int
    bytes: int
    build_seconds: float


def fmt(value, digits: int = 1, suppressed: bool = False, signed: bool = False) -> str:
    """A cell as people read it: `suppressed` (never 0), `n/a` when there is no figure."""
    if suppressed:
        return "suppressed"
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return str(value)


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Jinja's own cache of compiled templates, in its private per-user folder of the system temp directory
    (Jinja checks the folder's owner and mode, and a template's source checksum before using its entry):
    compiling the templates took 0.3 to 0.4 s of every `make run`'s site build, reading them back 0.004 s.
    None where Jinja finds no safe folder."""
    try:
        return FileSystemBytecodeCache()
    except (RuntimeError, OSError):
        return None


@lru_cache(maxsize=1)
def _env() -> Environment:
    """The page templates, compiled once per process (once per template change, with the bytecode cache)."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, bytecode_cache=_bytecode_cache())
    env.filters["fmt"] = fmt
    env.filters["sortkey"] = lambda v: "" if v is None else (f"{v:.6f}" if isinstance(v, float) else str(v))
    env.globals["agency_file"] = lambda code: agency_file(code)
    env.filters["fig"] = pass_context(lambda ctx, fig: json.dumps(leaders.stamp(fig, bool(ctx.get("sample"))), separators=(",", ":"),
                                                                  default=str).replace("</", "<\\/"))
    env.filters["q"] = leaders.q_text
    return env


def agency_file(code: str) -> str:
    return "agency/" + re.sub(r"[^A-Za-z0-9_-]", "_", code) + ".html"


def build_site(out: Path, store, validation_glob: str | None = None, methodology: Path | None = METHODOLOGY,
               checks: list[dict] | None = None) -> dict:
    """Write the site into the (new, empty) folder `out` from what `store` publishes; returns counts.
    `checks`: each asset check's latest verdict (assets/report.py latest_checks) for the quality page."""
    from plotly.offline import get_plotlyjs

    con, present = open_published(store, validation_glob)
    env = _env()
    manifest = store.read_manifest()
    prov = provenance(con, present)
    built_at = datetime.now(timezone.utc)
    common = {"built_at": built_at.strftime("%Y-%m-%d %H:%M UTC"), "sample": sample_periods(con, present),
              "has_methodology": bool(methodology and methodology.exists()), "not_published": NOT_PUBLISHED}
    (out / "assets").mkdir(parents=True)
    (out / "agency").mkdir()
    (out / "assets" / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")
    for name in ("style.css", "report.js"):
        shutil.copyfile(HERE / "static" / name, out / "assets" / name)
    series = _measure_series(con, present)
    short = leaders.short_names(con, present)
    agencies = _agencies(con, present, series, short)
    per_agency = _per_agency(con, present)
    items = leaders.item_scores(con, present)
    overview = _overview(con, present, short)
    glance = {r["agency_code"]: {**r, "year": y["year"]} for y in overview["years"][::-1] for r in y["headlines"]}  # latest wins
    pages = {"index.html": env.get_template("overview.html").render(root="", page="overview", agencies=agencies,
                                                                   intent=fevs_pages.intent_block(con, present),
                                                                   headline_measures=leaders.HEADLINES, **overview, **common)}
    trends = fevs_pages.item_trends(con, present) or {}
    for a in agencies:
        pages[agency_file(a["agency_code"])] = env.get_template("agency.html").render(
            root="../", page="agency", agency=a, items=items.get(a["agency_code"]), glance=glance.get(a["agency_code"]),
            headline_measures=leaders.HEADLINES, item_trends=trends.get(a["agency_code"]),
            **_agency(a["agency_code"], series, per_agency), **common)
    checks = checks or []
    sources, known = quality.sources(validations(con, present), checks)
    pages["quality.html"] = env.get_template("quality.html").render(
        root="", page="quality", manifest=freshness(manifest, built_at), validations=sources, known=known,
        checks=quality.check_rows(checks), check_counts=quality.counts(checks), provenance=prov, **common)
    published = manifest.get("tables", {})
    pages["dictionary.html"] = env.get_template("dictionary.html").render(
        root="", page="dictionary", contracts=all_contracts(), published=published, **common)
    if common["has_methodology"]:
        pages["methodology.html"] = env.get_template("methodology.html").render(
            root="", page="methodology", body=methodology_html(methodology), **common)
    for name, html in pages.items():
        (out / name).write_text(html, encoding="utf-8")
    con.close()
    return {"pages": len(pages), "agencies": len(agencies)}


def publish_report(store, validation_glob: str | None = None, methodology: Path | None = METHODOLOGY,
                   checks: list[dict] | None = None) -> Site:
    """Build the site beside the published tables of `store` and make it current; see the module docstring."""
    t = time.perf_counter()
    folder, counts, size = store.publish_folder(SITE_DIR, lambda out: build_site(out, store, validation_glob, methodology, checks),
                                                keep=KEEP_VERSIONS)
    index = f"{folder}/index.html"
    url = index if getattr(store, "remote", False) else Path(index).absolute().as_uri()
    return Site(index, url, counts["pages"], size, time.perf_counter() - t)


def _agencies(con, present: set[str], series: dict, short: dict[str, str] | None = None) -> list[dict]:
    """Every agency of the scorecard, and every other agency with a published figure (e.g. one whose every
    FEVS cell is suppressed): one page each."""
    found = {}
    if "agency_scorecard" in present:
        for r in rows(con, """SELECT agency_code, arg_max(agency_name, year) FILTER (WHERE agency_name IS NOT NULL) AS agency_name,
                                     arg_max(size_group, year) AS size_group, max(year) AS last_year, true AS in_scorecard
                              FROM agency_scorecard GROUP BY agency_code"""):
            found[r["agency_code"]] = r
    names = {}
    if "workforce_metrics" in present:
        names = dict(con.execute("""SELECT agency_code, arg_max(agency_name, fiscal_year) FROM workforce_metrics
                                    WHERE org_level = 'agency' AND agency_name IS NOT NULL GROUP BY agency_code""").fetchall())
    if "dim_agency" in present:
        names = {**dict(con.execute("SELECT agency_code, agency_name FROM dim_agency").fetchall()), **names}
    for r in found.values():
        r["agency_name"] = r["agency_name"] or names.get(r["agency_code"])
    for d in series.values():
        for code in d["by_agency"]:
            if code not in found:
                name = names.get(code) or ("OPM's pooled group of small agencies" if code == "XX" else None)
                found[code] = {"agency_code": code, "agency_name": name, "size_group": "unknown", "last_year": None,
                               "in_scorecard": False}
    for r in found.values():
        r["short_name"] = (short or {}).get(r["agency_code"]) or r["agency_code"]
    return [found[c] for c in sorted(found)]


def _overview(con, present: set[str], short: dict[str, str] | None = None) -> dict:
    if "agency_scorecard" not in present:
        return {"years": [], "default_year": None}
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM agency_scorecard ORDER BY year DESC").fetchall()]
    both = con.execute("""SELECT max(year) FROM agency_scorecard WHERE ex_index IS NOT NULL
                          AND (cx_index IS NOT NULL OR internal_cx_index IS NOT NULL)""").fetchone()[0]
    linkage = {}
    if "cx_ex_linkage" in present:
        for r in rows(con, """SELECT year, cx_measure, n, pearson_r, pearson_ci_low, pearson_ci_high FROM cx_ex_linkage
                              WHERE ex_measure = 'ex_index' AND cx_measure IN ('cx_index', 'internal_cx_index')"""):
            linkage[(r["year"], r["cx_measure"])] = r
    out = []
    for y in years:
        table = rows(con, """SELECT * FROM agency_scorecard WHERE year = ?
                             ORDER BY ex_rank NULLS LAST, cx_rank NULLS LAST, agency_code""", [y])
        scatters = []
        for measure, label in (("cx_index", "CX index"), ("internal_cx_index", "Internal CX index")):
            pts = [{**r, "short_name": (short or {}).get(r["agency_code"]) or r["agency_code"]}
                   for r in table if r["ex_index"] is not None and r[measure] is not None]
            for p, shown in zip(pts, leaders.place_labels(pts, "ex_index", measure, [p["short_name"] for p in pts])):
                p["label"] = shown
            link = linkage.get((y, measure))
            scatters.append({"measure": measure, "label": label, "points": pts, "link": link,
                             "sentence": _scatter_sentence(y, label, pts, link),
                             "figure": charts.scatter(pts, "ex_index", measure, "EX index", label) if pts else None})
        factors = _factors(con, present, y)
        out.append({"year": y, "table": table, "scatters": scatters, "headlines": leaders.headline_rows(table, short or {}),
                    "factors": leaders.dedupe_factor_groups(factors) if factors else factors})
    return {"years": out, "default_year": both or (years[0] if years else None), "factors_published": "ex_cx_factors" in present}


def _scatter_sentence(year: int, label: str, pts: list[dict], link: dict | None) -> str:
    if not pts:
        return f"No agency has both the EX index and the {label} in {year}."
    s = f"{len(pts)} agencies have both the EX index and the {label} in {year}."
    if link and link["pearson_r"] is not None:
        s += (f" Pearson correlation r = {link['pearson_r']:.2f} (95% interval {link['pearson_ci_low']:.2f} to "
              f"{link['pearson_ci_high']:.2f}, n = {link['n']} agencies); correlation is not causation.")
    elif link:
        s += f" Too few agencies (n = {link['n']}) for a correlation."
    return s


def _factors(con, present: set[str], year: int) -> list[dict] | None:
    """Robust factors per outcome for the year (and pooled over years), or None when not published."""
    if "ex_cx_factors" not in present:
        return None
    found = rows(con, """SELECT period, outcome, outcome_label, candidate_label, candidate_kind, n, pearson_r, ci_low, ci_high,
                                q_value, rank FROM ex_cx_factors WHERE robust AND period IN (?, 'pooled')
                         ORDER BY period = 'pooled', outcome, rank""", [str(year)])
    groups: dict[tuple, list[dict]] = {}
    for r in found:
        groups.setdefault((r["period"], r["outcome_label"] or r["outcome"]), []).append(r)
    return [{"period": p, "outcome": o, "rows": rs} for (p, o), rs in groups.items()]


def _measure_series(con, present: set[str]) -> dict:
    """{measure: {"years": [...], "median": {year: v}, "by_agency": {code: {year: (value, suppressed)}}}}."""
    parts = [sql for t, sql in MEASURE_SQL.items() if t in present]
    out: dict[str, dict] = {}
    if not parts:
        return out
    for m, code, year, value, supp in con.execute(" UNION ALL ".join(parts)).fetchall():
        d = out.setdefault(m, {"years": set(), "values": {}, "by_agency": {}})
        d["years"].add(year)
        d["by_agency"].setdefault(code, {})[year] = (value, supp)
        if value is not None and not supp and code != "XX":  # XX: OPM's pooled small agencies, not an agency
            d["values"].setdefault(year, []).append(value)
    for d in out.values():
        d["years"] = sorted(d["years"])
        d["median"] = {y: statistics.median(v) for y, v in d.pop("values").items()}
    return out


def _agency(code: str, series: dict, per_agency: dict) -> dict:
    blocks = []
    for key, title, unit, drawn, ref in MEASURES:
        cells = {m: series.get(m, {}).get("by_agency", {}).get(code, {}) for m in drawn}
        have = [m for m in drawn if any(v is not None and not supp for v, supp in cells[m].values())]  # a line to draw
        if not have:
            withheld = sorted({y for m in drawn for y, (_, supp) in cells[m].items() if supp})
            table = {"years": withheld, "cols": [(LABELS[m], [cells[m].get(y, (None, False)) for y in withheld])
                                                 for m in drawn if cells[m]]} if withheld else None
            blocks.append({"key": key, "title": title, "unit": unit, "figure": None, "table": table, "suppressed_years": withheld})
            continue
        years = sorted({y for m in have for y in series[m]["years"]})
        lines, cols = [], []
        for m in have:
            vals = series[m]["by_agency"][code]
            lines.append({"name": LABELS[m], "x": years, "y": [vals[y][0] if y in vals and not vals[y][1] else None for y in years]})
            cols.append((LABELS[m], [(vals[y][0], vals[y][1]) if y in vals else (None, False) for y in years]))
        med = series[ref]["median"]
        lines.append({"name": f"Median of agencies ({LABELS[ref]})", "x": years, "y": [med.get(y) for y in years], "median": True})
        cols.append((f"Median of agencies ({LABELS[ref]})", [(med.get(y), False) for y in years]))
        blocks.append({"key": key, "title": title, "unit": unit, "figure": charts.lines(lines, unit),
                       "table": {"years": years, "cols": cols}})
    got = {k: v.get(code, []) if v is not None else None for k, v in per_agency.items()}
    return {"blocks": blocks, "suppressed": [b for b in blocks if b.get("suppressed_years")],
            "scorecard": got["scorecard"] or [], "focus": _focus(got["focus"]),
            "assessment": _assessment(got["assessment"]), "level1": _level1(got["level1"] or [])}


# Per-agency rows, each table read once: the latest year of each agency (focus areas, assessment, LEVEL1).
PER_AGENCY_SQL = {
    "scorecard": ("agency_scorecard", "SELECT * FROM agency_scorecard ORDER BY agency_code, year DESC"),
    "focus": ("focus_area_scores", """SELECT * FROM focus_area_scores QUALIFY year = max(year) OVER (PARTITION BY agency_code)
                                      ORDER BY agency_code, focus_area"""),
    "assessment": ("agency_assessment", """SELECT * FROM agency_assessment QUALIFY year = max(year) OVER (PARTITION BY agency_code)
                                           ORDER BY agency_code, section_order, item_order"""),
    "level1": ("ex_index_scores", """SELECT agency_code, survey_year, level1_code, score, respondents, suppressed FROM ex_index_scores
                                     WHERE org_level = 'level1' AND index_code = 'eei'
                                     QUALIFY survey_year = max(survey_year) OVER (PARTITION BY agency_code)
                                     ORDER BY agency_code, level1_code"""),
}


def _per_agency(con, present: set[str]) -> dict[str, dict[str, list[dict]] | None]:
    """{part: {agency_code: rows}}, or None for a part whose table is not published."""
    out: dict[str, dict[str, list[dict]] | None] = {}
    for part, (table, sql) in PER_AGENCY_SQL.items():
        if table not in present:
            out[part] = None
            continue
        out[part] = {}
        for r in rows(con, sql):
            out[part].setdefault(r["agency_code"], []).append(r)
    return out


def _focus(found: list[dict] | None) -> dict | None:
    if found is None:
        return None
    if not found:
        return {"year": None, "rows": [], "figure": None}
    labels = [r["focus_area_label"] or r["focus_area"] for r in found]
    fig = charts.bars(labels, [r["percentile_in_size_group"] for r in found],
                      "percentile among peers (50 = the peers' median)", reference=50)
    return {"year": found[0]["year"], "size_group": found[0]["size_group"], "rows": found, "figure": fig}


def _assessment(found: list[dict] | None) -> dict | None:
    if found is None:
        return None
    sections: dict[str, list[dict]] = {}
    for r in found:
        sections.setdefault(SECTIONS.get(r["section"], r["section"]), []).append(r)
    return {"year": found[0]["year"] if found else None, "sections": sections}


def _level1(found: list[dict]) -> dict | None:
    return {"year": found[0]["survey_year"], "rows": found} if found else None
