"""Redirects keep their walls: every HTTP client of cxex (downloads, the Touchpoints API, the alert webhook).

Real servers on the loopback: the API on 127.0.0.1 answers 302 to a second server on 127.0.0.2 (another
host to the client) or on another port; a download answers 302 to ftp:// on a real TCP listener that
records whether anyone called. The API pages are the layout of tests/test_touchpoints_api.py (GSA/touchpoints
app/serializers/cx_*_serializer.rb, `X-Api-Key` from app/controllers/api_controller.rb).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time

import pytest

from assets.sources.download import DownloadError, HttpClient
from assets.cx.touchpoints_api import API_KEY_ENV, fetch_endpoint
from tests.http_server import Server

KEY = "tp-secret-key-REDIRECT-7731"
TOKEN = "T0KEN-wh-9Z7Q1X"
PAGE = json.dumps({"data": [{"id": "1", "type": "cx_collections", "attributes": {}}], "links": {}}).encode()


class FtpListener:
    """A TCP listener on 127.0.0.1 that greets like an FTP server and records every line it is sent."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(2)
                conn.sendall(b"220 test ftp\r\n")
                try:
                    while data := conn.recv(1024):
                        self.received.append(data)
                        conn.sendall(b"530 no\r\n")
                except OSError:
                    pass

    def close(self):
        self.sock.close()


@pytest.fixture
def other_host():
    s = Server("127.0.0.2")
    yield s
    s.close()


@pytest.fixture
def ftp():
    f = FtpListener()
    yield f
    f.close()


def _client(tmp_path):
    return HttpClient(tmp_path / "cache", retries=1, sleep=lambda s: None, timeout=5)


def test_the_api_key_stays_home_when_the_api_redirects_to_another_host(server, other_host, tmp_path, monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, KEY)
    server.redirects["/v1/cx_collections.json"] = (302, f"{other_host.url}/mirror/cx_collections.json")
    other_host.files["/mirror/cx_collections.json"] = PAGE
    landed = fetch_endpoint(_client(tmp_path), f"{server.url}/v1/cx_collections.json", tmp_path / "out")
    assert len(landed) == 1 and (tmp_path / "out" / "cx_collections.json").read_bytes() == PAGE
    asked_home = server.gets("/v1/cx_collections.json")
    asked_away = other_host.gets("/mirror/cx_collections.json")
    assert asked_home[0].get("X-Api-Key") == KEY
    assert len(asked_away) == 1 and not any(KEY in v for v in asked_away[0].values()), asked_away[0]
    assert "User-Agent" in asked_away[0]  # harmless headers still go


def test_a_redirect_within_the_origin_keeps_the_key(server, tmp_path, monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, KEY)
    server.redirects["/v1/cx_collections.json"] = (301, "/v2/cx_collections.json")
    server.files["/v2/cx_collections.json"] = PAGE
    fetch_endpoint(_client(tmp_path), f"{server.url}/v1/cx_collections.json", tmp_path / "out")
    assert server.gets("/v2/cx_collections.json")[0].get("X-Api-Key") == KEY


@pytest.mark.parametrize("status", [302, 307])
def test_authorization_is_dropped_on_a_redirect_to_another_port(server, tmp_path, status):
    away = Server()  # same address, another port: another origin
    try:
        server.redirects["/f.csv"] = (status, f"{away.url}/f.csv")
        away.files["/f.csv"] = b"a,b\n1,2\n"
        _client(tmp_path).fetch(f"{server.url}/f.csv", tmp_path / "out",
                                headers={"Authorization": "Bearer " + KEY, "Cookie": "s=" + KEY})
        assert server.gets("/f.csv")[0]["Authorization"] == "Bearer " + KEY
        got = away.gets("/f.csv")[0]
        assert "Authorization" not in got and "Cookie" not in got, got
    finally:
        away.close()


@pytest.mark.parametrize("how", ["fetch", "probe"])
def test_a_redirect_to_ftp_is_refused_before_any_connection(server, ftp, tmp_path, how):
    server.redirects["/f.csv"] = (302, f"ftp://127.0.0.1:{ftp.port}/f.csv")
    client = _client(tmp_path)
    with pytest.raises(DownloadError, match=r"redirects to a ftp:// address; only http and https"):
        client.fetch(f"{server.url}/f.csv", tmp_path / "out") if how == "fetch" else client.probe(f"{server.url}/f.csv")
    time.sleep(0.3)
    assert ftp.connections == 0 and ftp.received == []
    assert len([r for r in server.requests if r[1] == "/f.csv"]) == 1  # refused at once, not retried
    assert not (tmp_path / "out" / "f.csv").exists()


@pytest.mark.parametrize("target", ["file:///etc/passwd", "data:text/plain,x"])
def test_redirects_to_other_schemes_are_refused(server, tmp_path, target):
    server.redirects["/f.csv"] = (302, target)
    with pytest.raises((DownloadError,)) as e:
        _client(tmp_path).fetch(f"{server.url}/f.csv", tmp_path / "out")
    assert "only http and https" in str(e.value) or "HTTP 302" in str(e.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_failing_webhook_never_shows_its_address(server, tmp_path, monkeypatch, caplog):
    from pipelines.alerts import notify

    hook = f"{server.url}/hooks/{TOKEN}"
    server.plan[f"/hooks/{TOKEN}"] = [500, 500, 500]
    monkeypatch.setenv("CXEX_ALERT_WEBHOOK", hook)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DownloadError) as e:
        notify("a run failed", {"run_id": "r"}, client=_client(tmp_path))
    assert TOKEN not in str(e.value) and "127.0.0.1" in str(e.value)
    assert TOKEN not in caplog.text
    assert len(server.posts) == 2  # retried, then given up


def test_a_webhook_redirect_to_another_host_is_not_followed_with_the_payload(server, other_host, tmp_path, monkeypatch):
    from pipelines.alerts import notify

    server.redirects[f"/hooks/{TOKEN}"] = (307, f"{other_host.url}/steal")
    monkeypatch.setenv("CXEX_ALERT_WEBHOOK", f"{server.url}/hooks/{TOKEN}")
    with pytest.raises(DownloadError) as e:
        notify("a run failed", {"run_id": "r"}, client=_client(tmp_path))
    assert TOKEN not in str(e.value)
    assert other_host.posts == [] and other_host.requests == []
