"""Full-page PNG screenshots of the report site in headless Chromium (`make report-screenshots`)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = (1280, 375)


def screenshots(index: Path, out: Path, agency: str | None = None) -> list[Path]:
    """Full-page PNGs of the overview, one agency page and the quality page at each width in WIDTHS."""
    from playwright.sync_api import sync_playwright

    site = index.parent
    agency_page = site / "agency" / f"{agency}.html" if agency else next(iter(sorted((site / "agency").glob("*.html"))), None)
    pages = {"overview": index, "quality": site / "quality.html"}
    if agency_page:
        pages[f"agency_{agency_page.stem}"] = agency_page
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width in WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": 900})
                for name, path in pages.items():
                    page.goto(path.resolve().as_uri())
                    page.wait_for_load_state("load")
                    page.wait_for_timeout(300)  # plotly draws on DOMContentLoaded; let it settle
                    shot = out / f"{name}_{width}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    written.append(shot)
                page.close()
        finally:
            browser.close()
    return written
