"""`make report`: rebuild the report site from what is published now and print where it is.
`make report-screenshots`: also write PNG screenshots (overview, one agency page, the data-quality
page, each at 1280 and 375 px wide) with headless Chromium into a folder that is not committed.

The site is rebuilt by materializing the `publish/report` asset (recorded in $DAGSTER_HOME, so the
UI shows the run and links to the site); it reads only the published tables.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from warehouse.settings import SettingError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = (1280, 375)


def rebuild(defs, instance) -> dict:
    """Run the publication (assets/publication.py; tables whose inputs did not change are kept as they are)
    and return the report site's materialization metadata (`path`: the site's index, `url`, ...)."""
    from assets import keys
    from pipelines.jobs import PUBLISH_JOB
    from pipelines.run import execute
    from quality_checks.messages import failure_messages

    result = execute(PUBLISH_JOB, instance, {})
    if not result.success:
        raise RuntimeError("the report site was not built: " + "; ".join(failure_messages(result.all_events)))
    return next(m.metadata for m in result.asset_materializations_for_node("publication") if m.asset_key == keys.PUBLISH_REPORT)


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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipelines.report", description=__doc__.split("\n\n")[0])
    p.add_argument("--screenshots", metavar="DIR", help="also write PNG screenshots into DIR (needs /usr/bin/chromium)")
    p.add_argument("--agency", help="agency code of the agency page to screenshot (default: the first)")
    args = p.parse_args(argv)
    from pipelines.instance import instance as dagster_instance

    try:
        from pipelines.definitions import build_definitions

        defs = build_definitions()
    except SettingError as e:
        print(f"cxex: {e}", file=sys.stderr)
        return 2
    if not defs.resources["cxex"].store.read_manifest()["tables"]:
        print("cxex: nothing is published yet: run `make run` first", file=sys.stderr)
        return 1
    index = rebuild(defs, dagster_instance())["path"].value
    print(f"Report site: {index}")
    if args.screenshots:
        if "://" in index:
            print("cxex: screenshots need a local site (CXEX_PUBLISH_URL is remote)", file=sys.stderr)
            return 2
        for shot in screenshots(Path(index), Path(args.screenshots), args.agency):
            print(f"  {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
