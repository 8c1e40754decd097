"""The report's FEVS additions (issue #31) in headless Chromium, on the site `make run` built from the embedded
sample (the session's `default_run`): the intent-versus-attrition chart on the overview and the trend of the
items behind each index on an agency page. Expected figures come from the published Parquet with pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.report_site import ARGS, CHROMIUM


def test_intent_chart_and_item_trends_show_the_published_numbers(default_run):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    data_dir, _ = default_run
    site = (data_dir / "publish" / "report").resolve()
    iva = pd.read_parquet(data_dir / "publish" / "intent_vs_attrition")
    corr = pd.read_parquet(data_dir / "publish" / "intent_vs_attrition_correlations")
    items = pd.read_parquet(data_dir / "publish" / "fevs_item_scores")
    dim = pd.read_parquet(data_dir / "publish" / "dim_fevs_item")
    year = int(iva[iva.quit_rate.notna()].survey_year.max())
    shown = iva[(iva.survey_year == year) & iva.quit_rate.notna() & iva.pct_intent_any.notna()]
    link = corr[(corr.survey_year == year) & (corr.intent_measure == "any") & (corr.attrition_measure == "quit_rate")].iloc[0]
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800})
            page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
            page.goto((site / "index.html").as_uri())
            chart = page.locator("#intent-vs-attrition-chart")
            marks = chart.locator(".scatterlayer .point")
            marks.first.wait_for()
            assert marks.count() == len(shown)
            text = chart.locator("figcaption p").inner_text()
            assert f"r = {link.pearson_r:.2f}" in text and f"n = {link.n} agencies" in text
            assert f"{link.pearson_ci_low:.2f} to {link.pearson_ci_high:.2f}" in text
            assert page.evaluate("document.documentElement.scrollWidth") <= 375

            # an agency's Leaders Lead items: one table row per question, each year's cell its percent positive
            code = "AG"
            page.goto((site / "agency" / f"{code}.html").as_uri())
            table = page.locator("#items-eei_leaders_lead table.values")
            mine = dim[dim.index_codes.fillna("").str.contains("eei_leaders_lead")]
            questions = mine.question_id.unique()
            assert table.locator("tbody tr").count() == len(questions)
            agency = items[(items.org_level == "agency") & (items.agency_code == code)]
            for _, r in agency[agency.question_id.isin(questions)].iterrows():
                wording = mine[mine.question_id == r.question_id].wording.iloc[-1]
                row = table.locator("tbody tr").filter(has=page.locator(f"th:text-is({wording!r})"))
                years = [t.strip() for t in table.locator("thead th").all_text_contents()[1:]]
                cell = row.locator("td").nth(years.index(str(r.survey_year))).text_content().strip()
                assert cell.startswith("suppressed" if r.suppressed else f"{r.pct_positive:.1f}"), (r.question_id, r.survey_year, cell)
                assert cell.endswith(r["item"])
        finally:
            browser.close()
    assert not errors, errors
