"""What to fetch, and the command line: `python -m assets.sources.fetch fevs --year 2024 [--url URL] [--sha256 HEX]`, and
`python -m assets.sources.fetch fetch --source fevs|workforce [--from P] [--to P]` (`make fetch
SOURCE=... FROM=... TO=...`): every file of warehouse/reference/remote_sources.csv (or
$CXEX_REMOTE_SOURCES) for that source whose partition is in the range, through the same client
(verified, cached, resumed). Federal Workforce Data rows are a URL pattern
(`{type}_{yyyymm}_{version}.txt`): for each month and type, versions 1, 2, ... are probed (HEAD)
until one is missing and only the highest is fetched. Only http and https URLs are fetched, and
redirects keep their walls (assets/sources/redirects.py).
"""

from __future__ import annotations

import argparse
import re
import sys
from urllib.parse import urlparse

from assets.landing import landing_for, remote_files, remote_kinds
from assets.sources.download import Downloaded, DownloadError, HttpClient


def fevs_url(year: int) -> str | None:
    """OPM's published PRDF URL for `year` from warehouse/reference/remote_sources.csv, if known."""

    for s in remote_files():
        if s.source == "fevs" and s.partition == str(year):
            return s.url
    return None


FWD_TYPES = ("employment", "accessions", "separations")
MAX_VERSIONS = 20


def _check_scheme(url: str) -> None:
    scheme = urlparse(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadError(f"{url}: only http and https addresses are fetched ({scheme or 'no'}:// refused); "
                            "to use a local file, copy it into the landing folder instead")


def _months(first: str, last: str) -> list[str]:
    if not (re.fullmatch(r"\d{6}", first) and re.fullmatch(r"\d{6}", last)) or first > last:
        raise DownloadError(f"FROM/TO must be yyyymm months with FROM <= TO, got {first!r}..{last!r}")
    y, m = int(first[:4]), int(first[4:])
    out = []
    while f"{y}{m:02d}" <= last:
        out.append(f"{y}{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def latest_version(client: HttpClient, template: str, file_type: str, month: str) -> tuple[int, str] | None:
    """The highest published version of a FWD file: probe versions 1, 2, ... until one is missing (404)."""
    found = None
    for version in range(1, MAX_VERSIONS + 1):
        url = template.format(type=file_type, yyyymm=month, version=version)
        try:
            client.probe(url)
        except DownloadError as e:
            if e.status == 404:
                return found
            raise
        found = (version, url)
    return found


def fetch_source(client: HttpClient, layout, source: str, first: str | None = None, last: str | None = None,
                 log=print) -> list[Downloaded]:
    """Fetch every remote_sources.csv file of `source` whose partition is in first..last (inclusive)."""

    def in_range(partition: str) -> bool:
        return (first is None or partition >= first) and (last is None or partition <= last)

    fetched = []
    rows = [r for r in remote_files() if r.source == source]
    templates = [r for r in remote_files(templates=True) if r.source == source and "{version}" in r.url]
    for r in rows:
        if in_range(r.partition) and (r.partition.isdigit() or first is None and last is None):
            _check_scheme(r.url)
            fetched.append(client.fetch(r.url, landing_for(layout, r.source, r.partition), expected_sha256=r.sha256))
            log(_describe(fetched[-1]))
    for t in templates:
        _check_scheme(t.url)
        if first is None or last is None:
            raise DownloadError(f"{source}: FROM and TO (yyyymm) are needed to expand {t.url}")
        for month in _months(first, last):
            for file_type in FWD_TYPES:
                latest = latest_version(client, t.url, file_type, month)
                if latest is None:
                    log(f"{file_type} {month}: not published")
                    continue
                fetched.append(client.fetch(latest[1], landing_for(layout, source, month)))
                log(f"{_describe(fetched[-1])} (version {latest[0]})")
    if not fetched and not templates and not any(in_range(r.partition) for r in rows):
        raise DownloadError(f"no address for {source} {first or ''}..{last or ''} in remote_sources.csv")
    return fetched


def _describe(rec: Downloaded) -> str:
    state = "unchanged (304 Not Modified)" if rec.from_cache else f"{rec.bytes:,} bytes"
    return f"{rec.path}: {state}, sha256 {rec.sha256}"


def main(argv: list[str] | None = None) -> int:
    from warehouse.layout import DataLayout

    ap = argparse.ArgumentParser(prog="python -m assets.sources.fetch", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    one = sub.add_parser("fevs", help="one FEVS PRDF by survey year")
    one.add_argument("--year", type=int, required=True)
    one.add_argument("--url", help="override the URL in warehouse/reference/remote_sources.csv")
    one.add_argument("--sha256", help="expected SHA-256 of the file")
    many = sub.add_parser("fetch", help="every listed file of a source in a range of partitions")
    many.add_argument("--source", required=True, choices=sorted(remote_kinds()))
    many.add_argument("--from", dest="first", help="first partition (survey year, or yyyymm for workforce)")
    many.add_argument("--to", dest="last", help="last partition (inclusive)")
    args = ap.parse_args(argv)
    layout = DataLayout.from_env()
    client = HttpClient(layout.http_cache)
    try:
        if args.command == "fetch":
            fetch_source(client, layout, args.source, args.first or None, args.last or None)
            return 0
        url = args.url or fevs_url(args.year)
        if not url:
            print(f"No known URL for FEVS {args.year}: find the file on https://www.opm.gov/fevs/public-data-file/ "
                  "and pass --url, or place it in the landing folder by hand.", file=sys.stderr)
            return 2
        _check_scheme(url)
        print(_describe(client.fetch(url, landing_for(layout, "fevs", str(args.year)), expected_sha256=args.sha256)))
        return 0
    except DownloadError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
