"""The report a leader reads in a minute (issue 33 item 4), on the site `make run` built from the embedded
default (the session's `default_run`). Expected values are computed here from the published Parquet
with pandas, independently of the site's DuckDB queries. Before: the overview led with z-scores, printed
q-values as 0.000, labelled scatters with overlapping codes; the suppressed agency's page was titled
"FQ (FQ)" and said nothing of why; agency pages had no item-level percent positive; charts lost the
"sample" label when copied; the sample banner filled the first screen at 375 px."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from tests.report_site import CHROMIUM, ARGS, _table
from warehouse.report.leaders import place_labels, q_text


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_q_values_below_a_thousandth_read_in_scientific_notation():
    assert q_text(0.000204) == "2.0e-04" and q_text(0.0084) == "0.008" and q_text(None) == "n/a"


def test_labels_that_would_overlap_are_left_to_hover():
    pts = [{"x": 0.0, "y": 0.0}, {"x": 0.05, "y": 0.0}, {"x": 1.0, "y": 1.0}]
    shown = place_labels(pts, "x", "y", ["Treasury", "Commerce", "NASA"])
    assert shown[2] == "NASA" and sum(bool(s) for s in shown[:2]) == 1  # two labels on one spot: one kept


def test_the_overview_leads_with_published_measures_and_ranks_in_the_size_group(default_run):
    data_dir, _ = default_run
    page = (data_dir / "publish" / "report" / "index.html").read_text()
    score = _table(data_dir, "agency_scorecard")
    year = int(re.search(r'<option value="(\d+)" selected>', page).group(1))
    section = page[page.index(f'data-year="{year}"'):]
    assert section.index('class="sortable headlines"') < section.index('class="zscores"') < section.index("EX index vs")
    short = dict(zip(_table(data_dir, "dim_agency").agency_code, _table(data_dir, "dim_agency").short_name))
    rows = re.findall(r'<tr><th scope="row" data-sort="[^"]*"><a href="agency/(\w+)\.html"[^>]*>([^<]+)</a></th>(.*?)</tr>',
                      section[:section.index("</table>")], re.S)
    y = score[score.year == year]
    assert len(rows) == len(y)
    for code, name, cells in rows:
        assert unescape(name) == short[code]
        r = y[y.agency_code == code].iloc[0]
        peers = y[(y.size_group == r.size_group) & y.eei.notna()]
        want = f"{int((peers.eei > r.eei).sum()) + 1} of {len(peers)}" if pd.notna(r.eei) else "n/a"
        assert re.findall(r"<td[^>]*>([^<]*)</td>", cells)[2] == want, (code, cells)
    assert ">0.000<" not in page
    factors = _table(data_dir, "ex_cx_factors")
    tiny = factors[factors.robust & (factors.q_value < 0.001) & (factors.period.isin([str(year), "pooled"]))]
    assert all(q_text(q) in page for q in tiny.q_value)
    assert page.count('<details class="factors">') + page.count("the same factors and correlations as") > 0


def test_every_chart_is_stamped_sample_when_it_is(default_run):
    data_dir, _ = default_run
    site = data_dir / "publish" / "report"
    for html in [site / "index.html", *sorted((site / "agency").glob("*.html"))[:5]]:
        for spec in re.findall(r'<script type="application/json">(.*?)</script>', html.read_text(), re.S):
            notes = [a["text"] for a in json.loads(spec.replace("<\\/", "</"))["layout"].get("annotations", [])]
            assert "SAMPLE DATA: not real results" in notes, html


def test_agency_pages_show_items_against_governmentwide_and_say_what_is_suppressed(default_run):
    data_dir, _ = default_run
    site = data_dir / "publish" / "report"
    items = _table(data_dir, "fevs_item_scores")
    ex = _table(data_dir, "ex_index_scores")
    dim = _table(data_dir, "dim_agency").set_index("agency_code")
    code = "ED"
    page = (site / "agency" / f"{code}.html").read_text()
    year = int(items[(items.org_level == "agency") & (items.agency_code == code)].survey_year.max())
    mine = items[(items.org_level == "agency") & (items.agency_code == code) & (items.survey_year == year)].set_index("item")
    gov = items[(items.org_level == "government") & (items.survey_year == year)].set_index("item")
    table = page[page.index('class="sortable items"'):]
    for item in mine.index[:10]:
        row = re.search(rf'<th scope="row" data-sort="{item}">{item}</th>(.*?)</tr>', table, re.S).group(1)
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
        assert cells[1] == f"{mine.pct_positive[item]:.1f}" and cells[2] == f"{gov.pct_positive[item]:.1f}"
        assert cells[3] == f"{mine.pct_positive[item] - gov.pct_positive[item]:+.1f}"
    # an agency whose every FEVS cell is suppressed: named, and told why, with no chart of absent series
    supp = ex[(ex.org_level == "agency") & (ex.index_code == "eei")].groupby("agency_code").suppressed.all()
    code = supp[supp].index[0]
    page = (site / "agency" / f"{code}.html").read_text()
    h1 = _text(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))
    assert dim.agency_name[code] in h1 and f"{code} ({code})" not in h1
    text = _text(page)
    assert "Suppressed:" in text and "fewer respondents than the privacy threshold" in text
    assert 'id="eei"' in page and 'data-kind="lines"' not in page[page.index('id="eei"'):page.index('id="global_satisfaction"')]


def test_the_agency_search_opens_the_agency_page(default_run):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    data_dir, _ = default_run
    site = (data_dir / "publish" / "report").resolve()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800})
            page.goto((site / "index.html").as_uri())
            page.fill("#agency-search", "Education")
            page.dispatch_event("#agency-search", "change")
            page.wait_for_url("**/agency/ED.html")
            assert "Department of Education" in page.locator("h1").inner_text()
        finally:
            browser.close()
