"""GSA Touchpoints' A-11 API: collections, collection details and responses, landed as the API's JSON pages.

Endpoints (GSA/touchpoints app/controllers/api/v1/cx_collections_controller.rb,
cx_collection_details_controller.rb, cx_responses_controller.rb; public base
https://api.gsa.gov/analytics/touchpoints/v1, listed in warehouse/reference/remote_sources.csv):
`cx_collections.json` and `cx_collection_details.json` answer every record at once; `cx_responses.json` pages
with `page` (from 0) and `size` (at most 5000) and names the next page in `links.next` (JSON:API,
config/initializers/active_model_serializers.rb). Every page lands as its own file in landing/cx/a11_v2/
(`cx_responses_page00000.json`, ...), which assets/cx/readers.py reads as published.

The API key goes in the `X-Api-Key` header (app/controllers/api_controller.rb also accepts `?API_KEY=`, which
would put the key into URLs, logs and provenance: not used). It is read from the environment variable
CXEX_TOUCHPOINTS_API_KEY in `api_key()` only, sent with each request, and never logged or stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode, urlparse

from warehouse.settings import SECRETS, secret

from assets.sources.download import Downloaded, DownloadError, HttpClient, Probe
from assets.sources.files import PROVENANCE_SUFFIX

API_KEY_ENV = SECRETS["touchpoints_api_key"]
BASE_URL = "https://api.gsa.gov/analytics/touchpoints/v1"
ENDPOINTS = ("cx_collections", "cx_collection_details", "cx_responses")
MAX_PAGE_SIZE = 5000


def api_key() -> str:
    """The Touchpoints API key: the one place it is read."""
    key = secret("touchpoints_api_key")
    if not key:
        raise DownloadError(f"set {API_KEY_ENV} to a Touchpoints API key (api.data.gov) to pull A-11 data from the API")
    return key


def has_key() -> bool:
    try:
        api_key()
    except DownloadError:
        return False
    return True


def endpoint_of(url: str) -> str | None:
    """`cx_collections`, `cx_collection_details` or `cx_responses` for a Touchpoints API address, else None."""
    name = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]
    return name[:-5] if name.endswith(".json") and name[:-5] in ENDPOINTS else None


def probe(client: HttpClient, url: str) -> Probe:
    return client.probe(url, headers={"X-Api-Key": api_key()})


def _records(path: Path, url: str) -> tuple[int, str | None]:
    """Records on a landed page and its `links.next`; an error document is removed (its text may echo the key)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        for f in (path, path.with_name(path.name + PROVENANCE_SUFFIX)):
            f.unlink(missing_ok=True)
        raise DownloadError(f"{url}: the answer has no `data` list of records (an API error?)")
    return len(doc["data"]), (doc.get("links") or {}).get("next")


def fetch_endpoint(client: HttpClient, url: str, dest_dir: Path, *, page_size: int = MAX_PAGE_SIZE,
                   max_pages: int = 10_000) -> list[Downloaded]:
    """Land one API endpoint in `dest_dir`: one file, or (cx_responses) one file per page, following `links.next`."""
    endpoint = endpoint_of(url)
    if endpoint is None:
        raise DownloadError(f"{url}: not a Touchpoints A-11 API endpoint ({', '.join(e + '.json' for e in ENDPOINTS)})")
    headers = {"X-Api-Key": api_key()}
    if endpoint != "cx_responses":
        landed = [client.fetch(url, dest_dir, filename=f"{endpoint}.json", headers=headers)]
        _records(dest_dir / f"{endpoint}.json", url)
        return landed
    if "page=" not in url:
        url += ("&" if "?" in url else "?") + urlencode({"page": 0, "size": min(page_size, MAX_PAGE_SIZE)})
    landed, seen = [], set()
    for page in range(max_pages):
        if url is None or url in seen:  # no next page, or the server points back to one already landed
            return landed
        seen.add(url)
        name = f"cx_responses_page{page:05d}.json"
        landed.append(client.fetch(url, dest_dir, filename=name, headers=headers))
        n, url = _records(dest_dir / name, url)
        if n == 0:  # an empty last page holds nothing: not landed
            for f in (dest_dir / name, dest_dir / (name + PROVENANCE_SUFFIX)):
                f.unlink(missing_ok=True)
            landed.pop()
            return landed
    raise DownloadError(f"{url}: more than {max_pages} pages; raise max_pages")


def fetch_touchpoints(client: HttpClient, dest_dir: Path, *, base_url: str = BASE_URL, page_size: int = MAX_PAGE_SIZE,
                      max_pages: int = 10_000) -> list[Downloaded]:
    """Land every A-11 collection, collection detail and response page from the Touchpoints API in `dest_dir`."""
    api_key()  # no key, no request
    return [d for e in ENDPOINTS
            for d in fetch_endpoint(client, f"{base_url.rstrip('/')}/{e}.json", dest_dir, page_size=page_size,
                                    max_pages=max_pages)]
