"""Downloading a published file into a landing folder: retries, checksum, provenance.

`download()` streams to `<name>.part`, checks size and (when known) SHA-256, renames into place
and writes `<name>.provenance.json` beside it (URL, time, size, checksum, ETag, Last-Modified).
Transient failures (connection errors, timeouts, HTTP 408/429/5xx, a short body) are retried with
exponential backoff; a 4xx other than those is final. Nothing here runs during `make run` or the
tests unless asked: the tests point it at a server on 127.0.0.1.

CLI: `python -m assets.sources.download fevs --year 2024 [--url URL] [--sha256 HEX]`.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlparse

from .files import PROVENANCE_SUFFIX

USER_AGENT = "cxex/0.1 (+https://github.com/; open federal CX/EX pipeline)"
RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """The file could not be fetched, or what arrived is not what was expected."""


@dataclass(frozen=True)
class Downloaded:
    path: str
    url: str
    sha256: str
    bytes: int
    retrieved_at: str
    attempts: int
    etag: str | None
    last_modified: str | None
    content_type: str | None


def _filename(url: str, headers) -> str:
    cd = headers.get("Content-Disposition") or ""
    if "filename=" in cd:
        name = cd.split("filename=", 1)[1].split(";")[0].strip().strip('"')
        if name:
            return os.path.basename(name)
    return os.path.basename(unquote(urlparse(url).path)) or "download"


def download(url: str, dest_dir: Path, *, filename: str | None = None, expected_sha256: str | None = None,
             retries: int = 4, backoff: float = 1.0, timeout: float = 60.0,
             max_bytes: int = 2 * 1024**3, sleep=time.sleep) -> Downloaded:
    """Fetch `url` into `dest_dir` and record its provenance; returns what was recorded."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    last_error: Exception | None = None
    for attempt in range(1, retries + 2):
        try:
            return _fetch_once(url, dest_dir, filename, expected_sha256, timeout, max_bytes, attempt)
        except urllib.error.HTTPError as e:
            if e.code not in RETRYABLE_STATUS:
                raise DownloadError(f"{url}: HTTP {e.code} {e.reason} (not retried)") from None
            last_error = e
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.IncompleteRead, _ShortBody) as e:
            last_error = e
        if attempt <= retries:
            sleep(backoff * 2 ** (attempt - 1))
    raise DownloadError(f"{url}: failed after {retries + 1} attempts: {last_error}")


class _ShortBody(Exception):
    pass


def _fetch_once(url, dest_dir, filename, expected_sha256, timeout, max_bytes, attempt) -> Downloaded:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        name = filename or _filename(url, resp.headers)
        target = dest_dir / name
        part = target.with_name(target.name + ".part")
        declared = resp.headers.get("Content-Length")
        if declared and int(declared) > max_bytes:
            raise DownloadError(f"{url}: {int(declared):,} bytes is over the {max_bytes:,}-byte limit")
        h, size = hashlib.sha256(), 0
        try:
            with open(part, "wb") as f:
                while block := resp.read(CHUNK):
                    size += len(block)
                    if size > max_bytes:
                        raise DownloadError(f"{url}: more than the {max_bytes:,}-byte limit")
                    h.update(block)
                    f.write(block)
            if declared and size != int(declared):
                raise _ShortBody(f"got {size} of {declared} bytes")
            digest = h.hexdigest()
            if expected_sha256 and digest != expected_sha256.lower():
                raise DownloadError(f"{url}: SHA-256 {digest} does not match the expected {expected_sha256}")
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        record = Downloaded(
            path=str(target), url=url, sha256=digest, bytes=size,
            retrieved_at=datetime.now(timezone.utc).isoformat(), attempts=attempt,
            etag=resp.headers.get("ETag"), last_modified=resp.headers.get("Last-Modified"),
            content_type=resp.headers.get("Content-Type"),
        )
    sidecar = target.with_name(target.name + PROVENANCE_SUFFIX)
    sidecar.write_text(json.dumps(asdict(record), indent=2) + "\n")
    return record


def fevs_url(year: int) -> str | None:
    """OPM's published PRDF URL for `year` from warehouse/reference/fevs_sources.csv, if known."""
    import csv

    from warehouse.reference import REFERENCE_DIR

    with open(REFERENCE_DIR / "fevs_sources.csv", newline="") as f:
        for row in csv.DictReader(f):
            if int(row["survey_year"]) == year and row["url"].strip():
                return row["url"].strip()
    return None


def main(argv: list[str] | None = None) -> int:
    from warehouse.layout import DataLayout

    ap = argparse.ArgumentParser(prog="python -m assets.sources.download", description=__doc__.split("\n")[0])
    ap.add_argument("source", choices=["fevs"])
    ap.add_argument("--year", type=int, required=True)
    ap.add_argument("--url", help="override the URL in warehouse/reference/fevs_sources.csv")
    ap.add_argument("--sha256", help="expected SHA-256 of the file")
    args = ap.parse_args(argv)
    url = args.url or fevs_url(args.year)
    if not url:
        print(f"No known URL for FEVS {args.year}: find the file on https://www.opm.gov/fevs/public-data-file/ "
              "and pass --url, or place it in the landing folder by hand.", file=sys.stderr)
        return 2
    layout = DataLayout.from_env()
    rec = download(url, layout.landing("fevs", str(args.year)), expected_sha256=args.sha256)
    print(f"{rec.path}: {rec.bytes:,} bytes, sha256 {rec.sha256}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
