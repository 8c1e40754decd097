"""Checks of the report site (issue 15), run by tests/test_pipeline.py on the site `make run` built from
the embedded default sample (the session's `default_run` fixture: the whole pipeline, once).

Expected counts are computed here from the published Parquet with pandas, independently of the
site's own DuckDB queries. The issue-14 tables (ex_cx_factors, focus_area_scores, agency_assessment)
are rendered from hand-made rows in the columns fixed by their shared interface (SHARED_14_15.md),
and shown as "not yet published" while absent.
"""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _table(data_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(data_dir / "publish" / name)


def check_asset_metadata(data_dir: Path, meta) -> None:
    """The asset's metadata links to the site, swapped in like a table; plotly.js once; nothing from elsewhere."""
    index = data_dir / "publish" / "report" / "index.html"
    assert index.is_file() and index.parent.is_symlink()
    assert meta["path"].value == str(index) and meta["url"].value == index.absolute().as_uri()
    assert meta["pages"].value == len(list(index.parent.rglob("*.html")))
    # plotly.js once per site, no script or style from anywhere else
    site = index.parent.resolve()
    assert [p.name for p in site.rglob("*.js")] and sum(p.name == "plotly.min.js" for p in site.rglob("*")) == 1
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html), page
        assert html.count("plotly.min.js") <= 1 and ('class="chart"' not in html or "plotly.min.js" in html), page
        assert "plotly.min.js" not in html or page.name in ("index.html",) or page.parent.name == "agency", page


def check_in_chromium(data_dir: Path) -> None:
    """No console errors, every internal link resolves, a page per scorecard agency, scatter marks, suppression."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    site = (data_dir / "publish" / "report").resolve()
    score = _table(data_dir, "agency_scorecard")
    ex = _table(data_dir, "ex_index_scores")
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800})
            page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
            page.on("requestfailed", lambda r: errors.append(f"{page.url}: failed {r.url}"))

            # the overview: its scatter has a mark per agency with both indices in the year it shows
            page.goto((site / "index.html").as_uri())
            year = int(page.locator("#year").input_value())
            shown = page.locator(f'section.year[data-year="{year}"]')
            both = score[(score.year == year) & score.ex_index.notna() & score.cx_index.notna()]
            assert len(both) > 5
            # the sample banner is one line at 375 px, not the first screen
            assert page.locator(".banner").bounding_box()["height"] < 60
            # the z-score scatters are one click away (issue 33), their labels short names that never overlap
            shown.locator("details.zscores > summary").click()
            marks = shown.locator('.chart[data-measure="cx_index"] .scatterlayer .point')
            marks.first.wait_for()
            assert marks.count() == len(both)
            boxes = shown.locator('.chart[data-measure="cx_index"] .scatterlayer .textpoint text').evaluate_all(
                "els => els.filter(e => e.textContent).map(e => { const r = e.getBoundingClientRect(); "
                "return [e.textContent, r.left, r.top, r.right, r.bottom]; })")
            short = dict(zip(_table(data_dir, "dim_agency").agency_code, _table(data_dir, "dim_agency").short_name))
            assert len(boxes) >= 3 and {b[0] for b in boxes} <= {short[c] for c in both.agency_code}
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    assert a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2], (a, b)  # no two labels overlap
            # no horizontal scrolling of the page at 375 px (wide tables scroll inside their own box)
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
            # sorting the scorecard by EX index (descending after two clicks) puts the best agency first
            head = shown.locator("table.scorecard th", has_text="EX index")
            head.click()
            head.click()
            best = score[score.year == year].sort_values("ex_index", ascending=False).agency_code.iloc[0]
            assert shown.locator("table.scorecard tbody tr").first.locator("th a").inner_text() == best

            # every agency of the scorecard has a page, linked from the overview
            linked = set(page.locator("ul.agencies a").evaluate_all("as => as.map(a => a.getAttribute('href'))"))
            for code in score.agency_code.unique():
                assert (site / "agency" / f"{code}.html").is_file() and f"agency/{code}.html" in linked

            # the other kinds of page render without errors too
            for html in ("quality.html", "dictionary.html", "methodology.html", f"agency/{best}.html"):
                page.goto((site / html).as_uri())
                page.wait_for_load_state("load")
                assert page.evaluate("document.documentElement.scrollWidth") <= 375, html
            # suppressed cells read "suppressed", never 0: an agency's EEI and a LEVEL1 EEI the Parquet marks suppressed
            supp = ex[ex.suppressed & (ex.index_code == "eei") & (ex.org_level == "agency")]
            assert len(supp)
            code, yr = supp.iloc[0].agency_code, int(supp.iloc[0].survey_year)
            page.goto((site / "agency" / f"{code}.html").as_uri())
            cells = page.locator(f"#eei table.values tbody tr:has(th:text-is('{yr}')) td")
            assert cells.first.text_content() == "suppressed"
            lvl = ex[ex.suppressed & (ex.index_code == "eei") & (ex.org_level == "level1") & (ex.agency_code == code)]
            for l1 in lvl.level1_code:
                assert page.locator(f"table.level1 tr:has(th:text-is('{l1}')) td").first.text_content() == "suppressed"
            body = page.locator("main").inner_text()
            # the agency's focus areas and assessment (issue 14's tables) are shown, not "not yet published"
            assert "not yet published" not in body
            areas = pd.read_parquet(data_dir / "publish" / "focus_area_scores")
            page.goto((site / "agency" / f"{best}.html").as_uri())
            body = page.locator("main").inner_text()
            mine = areas[areas.agency_code == best]
            assert len(mine) and all(label in body for label in mine.focus_area_label.unique())
        finally:
            browser.close()
    assert not errors, errors
    check_links(site)


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])


def check_links(site: Path) -> None:
    """Every relative link of every page names a file of the site (and an id on it, for #fragments)."""
    parsed = {}
    for html in site.rglob("*.html"):
        parsed[html.resolve()] = p = _Anchors()
        p.feed(html.read_text())
    for html, p in parsed.items():
        for href in p.hrefs:
            if re.match(r"^[a-z]+:", href):
                continue  # http(s) and mailto: outside the site, never loaded by it
            path, _, frag = href.partition("#")
            target = (html.parent / unquote(path)).resolve() if path else html
            assert target in parsed, (str(html), href)
            assert not frag or frag in parsed[target].ids, (str(html), href)


def _hand_made_issue14_tables(score: pd.DataFrame) -> tuple[dict[str, pa.Table], int, str, str]:
    """Rows in the columns SHARED_14_15.md fixes for the issue-14 tables, for two agencies of the scorecard."""
    year = int(score.year.max())
    a, b = sorted(score.agency_code.unique())[:2]
    factors = pa.Table.from_pylist([
        {"period": str(year), "outcome": "cx_index", "outcome_label": "CX index", "candidate": "fevs_index:eei",
         "candidate_label": "Employee Engagement Index", "candidate_kind": "fevs_index", "n": 13, "pearson_r": 0.61,
         "spearman_rho": 0.58, "ci_low": 0.09, "ci_high": 0.87, "p_value": 0.02, "q_value": 0.04, "sign_stability": 1.0,
         "partial_r_size": 0.55, "robust": True, "rank": 1},
        {"period": str(year), "outcome": "cx_index", "outcome_label": "CX index", "candidate": "workforce:quit_rate",
         "candidate_label": "Quit rate", "candidate_kind": "workforce", "n": 13, "pearson_r": -0.2, "spearman_rho": -0.1,
         "ci_low": -0.66, "ci_high": 0.39, "p_value": 0.5, "q_value": 0.6, "sign_stability": 0.4, "partial_r_size": -0.1,
         "robust": False, "rank": 2}])
    focus = pa.Table.from_pylist([
        {"agency_code": a, "agency_name": None, "year": year, "focus_area": "leadership", "focus_area_label": "Leadership",
         "size_group": "small", "score": 0.4, "coverage": 1.0, "rank_in_size_group": 3, "percentile_in_size_group": 87.5,
         "change_from_prior": None, "indicators": "[]"},
        {"agency_code": a, "agency_name": None, "year": year, "focus_area": "shared_services", "focus_area_label": "Shared services",
         "size_group": "small", "score": None, "coverage": 0.0, "rank_in_size_group": None, "percentile_in_size_group": None,
         "change_from_prior": None, "indicators": "[]"}])
    assessment = pa.Table.from_pylist([
        {"agency_code": a, "agency_name": None, "year": year, "section_order": 1, "section": "where_we_stand", "item_order": 1,
         "outcome": "cx_index", "item": "cx_index", "item_label": "CX index", "value": 0.9, "percentile_in_size_group": 90.0,
         "change_from_prior": 0.1, "distance_to_top_quartile": 0.0, "sentence": f"{a} stands at the 90th percentile of its group on the CX index (+0.90)."},
        {"agency_code": a, "agency_name": None, "year": year, "section_order": 3, "section": "where_to_start", "item_order": 1,
         "outcome": None, "item": "leadership", "item_label": "Leadership", "value": 0.4, "percentile_in_size_group": 87.5,
         "change_from_prior": None, "distance_to_top_quartile": 0.0, "sentence": "Start with leadership: 0.40, 87.5th percentile."}])
    return {"ex_cx_factors": factors, "focus_area_scores": focus, "agency_assessment": assessment}, year, a, b


def check_size_time_and_issue14_tables(data_dir: Path, tmp_path: Path) -> tuple[float, int]:
    """The build function alone (imports warm) on this publication, and the issue-14 tables once published."""
    from warehouse.publish import LocalStore
    from warehouse.report import build_site

    store = LocalStore(data_dir / "publish")
    glob = str(data_dir / "quality" / "validation_results" / "*" / "*" / "*.parquet")
    t = time.perf_counter()
    build_site(tmp_path / "site", store, glob)
    seconds = time.perf_counter() - t
    size = sum(p.stat().st_size for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert seconds < 5 and size < 10e6, (seconds, size)
    overview = (tmp_path / "site" / "index.html").read_text()
    assert "not yet published" not in overview  # issue 14's tables are published by make run

    # a copy of the publication with hand-made issue-14 tables in their place: what they say is what is shown
    pub = tmp_path / "publish"
    pub.mkdir()
    manifest = json.loads((data_dir / "publish" / "_manifest.json").read_text())
    tables, year, a, b = _hand_made_issue14_tables(_table(data_dir, "agency_scorecard"))
    (pub / ".versions").mkdir()
    for name in manifest["tables"]:  # the other published tables as they are: their version folders, linked
        if name not in tables:
            (pub / ".versions" / name).symlink_to(data_dir / "publish" / ".versions" / name)
            (pub / name).symlink_to((data_dir / "publish" / name).resolve())
    for name, table in tables.items():
        (pub / ".versions" / name / "v1").mkdir(parents=True)
        pq.write_table(table, pub / ".versions" / name / "v1" / "data.parquet")
        (pub / name).symlink_to(pub / ".versions" / name / "v1")
        manifest["tables"][name] = {**manifest["tables"]["agency_scorecard"], "table": name, "rows": table.num_rows,
                                    "version": "v1", "file": f".versions/{name}/v1/data.parquet"}
    (pub / "_manifest.json").write_text(json.dumps(manifest))
    build_site(tmp_path / "site14", LocalStore(pub), glob)
    overview = (tmp_path / "site14" / "index.html").read_text()
    section = overview[overview.index(f'data-year="{year}"'):]
    section = section[section.index("Robust factors per outcome"):section.index("</section>")]
    assert "Employee Engagement Index" in section and "0.61" in section and "Quit rate" not in section  # robust only
    page_a = (tmp_path / "site14" / "agency" / f"{a}.html").read_text()
    assert "Leadership" in page_a and "87.5"[:2] in page_a and "Where the agency stands" in page_a
    assert "90th percentile of its group" in page_a and "Start with leadership" in page_a
    page_b = (tmp_path / "site14" / "agency" / f"{b}.html").read_text()
    assert "No focus-area score for this agency." in page_b and "not yet published" not in page_b
    return seconds, size


def check_figures_are_valid_plotly(data_dir: Path) -> None:
    """The figures are plain dicts for speed; plotly's own validator checks each kind here."""
    import plotly.graph_objects as go

    site = data_dir / "publish" / "report"
    seen: dict[str, int] = {}
    for page in [site / "index.html", *sorted((site / "agency").glob("*.html"))[:3]]:
        for kind, spec in re.findall(r'data-kind="(\w+)".*?<script type="application/json">(.*?)</script>', page.read_text(), re.S):
            go.Figure(json.loads(spec.replace("<\\/", "</")))  # raises on any invalid property
            seen[kind] = seen.get(kind, 0) + 1
    assert {"scatter", "lines"} <= set(seen)
