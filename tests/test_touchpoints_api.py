"""Pulling A-11 from GSA Touchpoints' API, against a real HTTP server on 127.0.0.1 serving the API's pages.

Page layout and paging from GSA/touchpoints: app/controllers/api/v1/cx_responses_controller.rb (`page` from 0,
`size`, `links.next`), cx_collections_controller.rb / cx_collection_details_controller.rb (all records at once),
app/serializers/cx_*_serializer.rb and config/initializers/active_model_serializers.rb (JSON:API:
`{"data": [{"id", "type", "attributes"}], "links"}`), app/controllers/api_controller.rb (`X-Api-Key`).
"""

from __future__ import annotations

import json

import pytest

from assets.cx import files as cf
from assets.sources.download import DownloadError, HttpClient
from assets.cx.touchpoints_api import API_KEY_ENV, fetch_touchpoints
from tests.test_cx_real_layouts import ssa_responses, va_responses, write_touchpoints
from warehouse.layout import DataLayout

KEY = "tp-secret-key-0123456789"


def _serve_api(server, tmp_path, page_size=50):
    """The fixture of test_cx_real_layouts as API pages: collections, details, and responses in pages of 50."""
    src = tmp_path / "api_src"
    write_touchpoints(src, as_api=True)
    base = src / "landing" / "cx" / "a11_v2"
    server.files["/v1/cx_collections.json"] = (base / "cx_collections.json").read_bytes()
    server.files["/v1/cx_collection_details.json"] = (base / "cx_collection_details.json").read_bytes()
    records = [r for p in sorted(base.glob("cx_responses_page*.json")) for r in json.loads(p.read_text())["data"]]
    pages = [records[i:i + page_size] for i in range(0, len(records), page_size)]
    for k, page in enumerate(pages):
        links = {"first": f"{server.url}/v1/cx_responses.json?page=0&size={page_size}"}
        if k + 1 < len(pages):
            links["next"] = f"{server.url}/v1/cx_responses.json?page={k + 1}&size={page_size}"
        server.files[f"/v1/cx_responses.json?page={k}&size={page_size}"] = json.dumps({"data": page, "links": links}).encode()
    return len(records), len(pages)


def test_api_pages_are_landed_with_the_key_in_a_header_only(server, tmp_path, monkeypatch):
    n, pages = _serve_api(server, tmp_path)
    assert (n, pages) == (len(va_responses()) + len(ssa_responses()), 2)
    monkeypatch.setenv(API_KEY_ENV, KEY)
    data = tmp_path / "data"
    dest = data / "landing" / "cx" / "a11_v2"
    client = HttpClient(data / ".http_cache", sleep=lambda s: None)
    landed = fetch_touchpoints(client, dest, base_url=f"{server.url}/v1", page_size=50)
    assert [p.split("/")[-1] for p in (d.path for d in landed)] == [
        "cx_collections.json", "cx_collection_details.json", "cx_responses_page00000.json", "cx_responses_page00001.json"]
    gets = [(p, h) for m, p, h in server.requests if m == "GET"]
    assert len(gets) == 4 and all(h.get("X-Api-Key") == KEY for _, h in gets)
    assert all(KEY not in p for p, _ in gets)  # never in a URL
    for f in data.rglob("*"):  # landed pages, provenance records, the HTTP cache: the key is nowhere
        if f.is_file():
            assert KEY.encode() not in f.read_bytes(), f
    # what landed is read as published: every response, each on its own collection detail
    frames = cf.a11_quarter_frames(cf.a11_files(DataLayout(data)), 2024, 3)
    assert frames["a11_responses"].height == n
    assert sorted(frames["a11_volumes"]["detail_id"].to_list()) == ["601", "602", "603"]
    assert set(frames["a11_volumes"]["service_provider_id"].to_list()) == {"va-vha", "ssa-oo"}
    # a second pull asks conditionally and changes nothing
    again = fetch_touchpoints(client, dest, base_url=f"{server.url}/v1", page_size=50)
    assert all(d.from_cache for d in again)


def test_no_key_no_request(server, tmp_path, monkeypatch):
    _serve_api(server, tmp_path)
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    with pytest.raises(DownloadError, match=API_KEY_ENV):
        fetch_touchpoints(HttpClient(tmp_path / "cache", sleep=lambda s: None), tmp_path / "out", base_url=f"{server.url}/v1")
    assert not server.requests


def test_an_error_answer_is_refused_and_not_landed(server, tmp_path, monkeypatch):
    """The API answers a bad key with `{"error": {...}}` (api_controller.rb), echoing the key: nothing of it lands."""
    monkeypatch.setenv(API_KEY_ENV, KEY)
    server.files["/v1/cx_collections.json"] = json.dumps({"error": {"message": f"The API_KEY {KEY} is not valid."}}).encode()
    dest = tmp_path / "out"
    with pytest.raises(DownloadError, match="no `data` list") as e:
        fetch_touchpoints(HttpClient(tmp_path / "cache", sleep=lambda s: None), dest, base_url=f"{server.url}/v1")
    assert KEY not in str(e.value) and not (dest / "cx_collections.json").exists()


def test_remote_sources_lists_the_real_cx_addresses():
    from warehouse.reference import remote_sources

    cx = {s.url for s in remote_sources() if s.source in ("a11_v1", "a11_v2")}
    assert {"https://api.gsa.gov/analytics/touchpoints/v1/cx_collections.json",
            "https://api.gsa.gov/analytics/touchpoints/v1/cx_collection_details.json",
            "https://api.gsa.gov/analytics/touchpoints/v1/cx_responses.json"} <= cx
    assert any(u.endswith("/hisp-quarterly-data.csv") for u in cx) and any(u.endswith("/hisp-question-details.csv") for u in cx)
    assert all("api_key" not in u.lower() for u in cx)


def test_the_a11_spec_routes_its_api_rows_to_the_touchpoints_adapter():
    """assets/remote.py observes and fetches a remote_sources.csv row through the adapter its source's spec names
    (A-11: assets/cx/touchpoints_api.py) only when the row is one of the API's endpoints; files, and kinds of
    other sources, are plain downloads."""
    from assets.cx import touchpoints_api
    from assets.landing import api_for
    from warehouse.reference import remote_sources

    api_rows = [s for s in remote_sources() if s.url.startswith("https://api.gsa.gov/analytics/touchpoints/")]
    assert api_rows and all(api_for(s.source, s.url) is touchpoints_api for s in api_rows)
    files = [s for s in remote_sources() if s not in api_rows]
    assert files and all(api_for(s.source, s.url) is None for s in files)
    assert api_for("fevs", "https://api.gsa.gov/analytics/touchpoints/v1/cx_responses.json") is None
