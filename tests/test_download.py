"""Download code against a real HTTP server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import hashlib
import json
import os
import time

import pyarrow.parquet as pq
import pytest

from assets.sources.download import DownloadError, HttpClient, download
from assets.sources.fetch import fevs_url, main as download_main
from tests import hand_data
from tests.conftest import make_defs, run_year, write_prdf


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
    assert meta["url"].endswith("/files/2024_prdf.csv") and meta["etag"] == '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
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
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
    assert not list(tmp_path.rglob("*.part"))


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
    assert fevs_url(2019) == "https://www.opm.gov/media/rzmnrl5r/2019_opm_fevs_prdf_revised.zip"
    assert fevs_url(2018) is None  # no public address known: landed by hand


def _client(tmp_path, **kw) -> HttpClient:
    return HttpClient(tmp_path / "cache", sleep=_no_sleep, **kw)


def test_rerun_sends_conditional_request_and_leaves_the_landed_file_alone(server, tmp_path):
    server.files["/f.csv"] = b"a,b\n1,2\n" * 1000
    client, dest = _client(tmp_path), tmp_path / "landing"
    first = client.fetch(f"{server.url}/f.csv", dest)
    mtime = os.stat(first.path).st_mtime_ns
    time.sleep(0.01)
    second = client.fetch(f"{server.url}/f.csv", dest)
    assert not first.from_cache and second.from_cache and second.sha256 == first.sha256
    gets = server.gets("/f.csv")
    assert "If-None-Match" not in gets[0] and gets[1]["If-None-Match"] == first.etag
    assert gets[1]["If-Modified-Since"] == first.last_modified
    assert os.stat(first.path).st_mtime_ns == mtime  # nothing rewritten: a landing sensor sees no change
    server.files["/f.csv"] = b"a,b\n3,4\n"  # the publisher replaces the file
    third = client.fetch(f"{server.url}/f.csv", dest)
    assert not third.from_cache and open(third.path, "rb").read() == b"a,b\n3,4\n"
    os.unlink(third.path)  # someone deleted the landed copy: fetch it again, unconditionally
    fourth = client.fetch(f"{server.url}/f.csv", dest)
    assert not fourth.from_cache and "If-None-Match" not in server.gets("/f.csv")[-1]


def test_interrupted_transfer_resumes_from_where_it_stopped(server, tmp_path):
    body = bytes(range(256)) * 400  # 102,400 bytes
    server.files["/big.zip"] = body
    server.plan["/big.zip"] = ["cut"]
    rec = _client(tmp_path).fetch(f"{server.url}/big.zip", tmp_path / "landing")
    assert rec.attempts == 2 and rec.resumed_from == len(body) // 2
    retry = server.gets("/big.zip")[1]
    assert retry["Range"] == f"bytes={len(body) // 2}-" and retry["If-Range"] == rec.etag
    assert open(rec.path, "rb").read() == body and rec.sha256 == hashlib.sha256(body).hexdigest()


def test_resume_restarts_when_the_remote_file_changed(server, tmp_path):
    server.files["/big.zip"] = b"A" * 10_000
    server.plan["/big.zip"] = ["cut"]
    client = _client(tmp_path, retries=0)
    with pytest.raises(DownloadError):
        client.fetch(f"{server.url}/big.zip", tmp_path / "landing")
    server.files["/big.zip"] = b"B" * 8_000  # new version: If-Range no longer matches, server sends it whole
    rec = client.fetch(f"{server.url}/big.zip", tmp_path / "landing")
    assert rec.resumed_from == 0 and open(rec.path, "rb").read() == b"B" * 8_000


def test_timeouts_are_retried(server, tmp_path):
    server.files["/f.csv"] = b"x,y\n"
    server.plan["/f.csv"] = ["slow"]
    rec = _client(tmp_path, timeout=0.3).fetch(f"{server.url}/f.csv", tmp_path / "landing")
    assert rec.attempts == 2


def test_probe_reads_validators_without_the_body(server, tmp_path):
    server.files["/f.zip"] = b"z" * 5000
    client = _client(tmp_path)
    p1 = client.probe(f"{server.url}/f.zip")
    assert p1.status == 200 and p1.content_length == 5000 and p1.etag and p1.last_modified
    server.head_allowed = False  # some servers refuse HEAD: a one-byte ranged GET tells the same
    p2 = client.probe(f"{server.url}/f.zip")
    assert p2.status == 206 and p2.content_length == 5000 and p2.version == p1.version
    assert server.gets("/f.zip")[-1]["Range"] == "bytes=0-0"
    server.files["/f.zip"] = b"y" * 5000
    assert client.probe(f"{server.url}/f.zip").version != p1.version
