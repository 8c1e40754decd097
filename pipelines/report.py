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

from warehouse.report.screenshots import screenshots
from warehouse.settings import SettingError

def rebuild(defs, instance) -> dict:
    """Build the report site from what is published now (the publication's report step, outside a run)."""
    from assets.report import build_report

    return build_report(defs.resources["cxex"], instance)


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
