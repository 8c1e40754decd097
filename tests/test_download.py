"""Download code against a real HTTP server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyarrow.parquet as pq
import pytest

from assets.sources.download import DownloadError, download, fevs_url, main as download_main
from tests import hand_data
from tests.conftest import make_defs, run_year, write_prdf


class _Server:
    """Serves `files` by path; `plan[path]` is a list of statuses to answer before succeeding."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.plan: dict[str, list] = {}
        self.hits: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.hits[self.path] = outer.hits.get(self.path, 0) + 1
                todo = outer.plan.get(self.path)
                if todo:
                    step = todo.pop(0)
                    if step == "short":  # promise more bytes than we send, then hang up
                        body = outer.files[self.path]
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body) + 100))
                        self.end_headers()
                        self.wfile.write(body[: len(body) // 2])
                        return
                    self.send_error(step)
                    return
                if self.path not in outer.files:
                    self.send_error(404)
                    return
                body = outer.files[self.path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", '"v1"')
                self.send_header("Last-Modified", "Wed, 01 Oct 2025 12:00:00 GMT")
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = _Server()
    yield s
    s.close()


def _no_sleep(_):
    pass


def test_download_records_checksum_and_provenance(server, tmp_path):
    body = b"AGENCY,POSTWT\nAA,1.5\n"
    server.files["/files/2024_prdf.csv"] = body
    rec = download(f"{server.url}/files/2024_prdf.csv", tmp_path, sleep=_no_sleep)
    target = tmp_path / "2024_prdf.csv"
    assert target.read_bytes() == body
    assert rec.sha256 == hashlib.sha256(body).hexdigest() and rec.bytes == len(body) and rec.attempts == 1
    meta = json.loads((tmp_path / "2024_prdf.csv.provenance.json").read_text())
    assert meta["url"].endswith("/files/2024_prdf.csv") and meta["etag"] == '"v1"'
    assert meta["last_modified"].startswith("Wed, 01 Oct 2025") and meta["retrieved_at"]
    assert not list(tmp_path.glob("*.part"))


def test_transient_errors_are_retried_with_backoff(server, tmp_path):
    server.files["/f.csv"] = b"x" * 5000
    server.plan["/f.csv"] = [503, "short", 429]
    waits = []
    rec = download(f"{server.url}/f.csv", tmp_path, retries=4, backoff=0.5, sleep=waits.append)
    assert rec.attempts == 4 and server.hits["/f.csv"] == 4
    assert waits == [0.5, 1.0, 2.0]
    assert (tmp_path / "f.csv").stat().st_size == 5000


def test_retries_run_out(server, tmp_path):
    server.files["/f.csv"] = b"abc"
    server.plan["/f.csv"] = [500, 500, 500]
    with pytest.raises(DownloadError, match="failed after 3 attempts"):
        download(f"{server.url}/f.csv", tmp_path, retries=2, sleep=_no_sleep)
    assert not (tmp_path / "f.csv").exists()


def test_not_found_is_final(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(f"{server.url}/missing.zip", tmp_path, retries=3, sleep=_no_sleep)
    assert server.hits["/missing.zip"] == 1


def test_checksum_mismatch_and_size_limit_leave_nothing_behind(server, tmp_path):
    server.files["/f.csv"] = b"abcdef"
    with pytest.raises(DownloadError, match="does not match"):
        download(f"{server.url}/f.csv", tmp_path, expected_sha256="0" * 64, sleep=_no_sleep)
    with pytest.raises(DownloadError, match="limit"):
        download(f"{server.url}/f.csv", tmp_path, max_bytes=3, sleep=_no_sleep)
    assert list(tmp_path.iterdir()) == []


def test_downloaded_file_feeds_the_pipeline_with_provenance(server, data_dir, monkeypatch):
    src = write_prdf(data_dir.parent / "served.csv", hand_data.rows(), hand_data.COLUMNS)
    server.files["/fevs/2018_prdf.csv"] = src.read_bytes()
    assert download_main(["fevs", "--year", "2018", "--url", f"{server.url}/fevs/2018_prdf.csv",
                          "--sha256", hashlib.sha256(src.read_bytes()).hexdigest()]) == 0
    assert (data_dir / "landing" / "fevs" / "2018" / "2018_prdf.csv").exists()
    assert run_year(make_defs(data_dir), 2018).success
    staged = pq.read_table(data_dir / "staging" / "fevs_item_scores" / "survey_year=2018" / "data.parquet")
    row = staged.slice(0, 1).to_pylist()[0]
    assert row["source_file"] == "landing/fevs/2018/2018_prdf.csv" and row["source_retrieved_at"] is not None
    assert not row["source_is_sample"]


def test_known_urls_are_https_on_opm():
    assert fevs_url(2024).startswith("https://www.opm.gov/")
    assert fevs_url(2019) is None
