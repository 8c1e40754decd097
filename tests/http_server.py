"""A real HTTP server on 127.0.0.1 for download, observation and webhook tests.

Serves `files` by path with ETag / Last-Modified, answers conditional requests with 304, ranged
requests with 206, HEAD, and records what it was asked. `plan[path]` lists misbehaviours to play
before answering normally: an HTTP status, "short" (promise more bytes than sent, then hang up) or
"cut" (send only the first half of a correct response, then hang up), "slow" (wait 1.5 s first).
`redirects[path] = (status, location)` answers that path with a redirect instead. `host` picks the
loopback address (127.0.0.2 is another host to a client, as on every Linux loopback).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server:
    def __init__(self, host: str = "127.0.0.1"):
        self.redirects: dict[str, tuple[int, str]] = {}
        self.files: dict[str, bytes] = {}
        self.modified: dict[str, float] = {}
        self.plan: dict[str, list] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.posts: list[tuple[str, dict]] = []
        self.head_allowed = True
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def handle(self):
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            def _validators(self):
                body = outer.files[self.path]
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                return body, etag, formatdate(outer.modified.get(self.path, 1_759_320_000), usegmt=True)

            def _misbehave(self) -> bool:
                if self.path in outer.redirects:
                    status, location = outer.redirects[self.path]
                    self.send_response(status)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return True
                todo = outer.plan.get(self.path)
                if not todo:
                    return False
                step = todo.pop(0)
                body = outer.files.get(self.path, b"")
                if step == "slow":  # answer late: the client's timeout should fire first
                    time.sleep(1.5)
                    return False
                if step in ("short", "cut"):
                    _, etag, modified = self._validators()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body) + (100 if step == "short" else 0)))
                    if step == "cut":
                        self.send_header("ETag", etag)
                        self.send_header("Last-Modified", modified)
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return True
                self.send_error(step)
                return True

            def do_HEAD(self):
                self._record("HEAD")
                if self._misbehave_redirect():
                    return
                if not outer.head_allowed:
                    self.send_error(405)
                    return
                self._serve(head=True)

            def do_GET(self):
                self._record("GET")
                if self._misbehave():
                    return
                self._serve(head=False)

            def do_POST(self):
                self._record("POST")
                n = int(self.headers.get("Content-Length") or 0)
                outer.posts.append((self.path, json.loads(self.rfile.read(n) or b"{}")))
                if self._misbehave():
                    return
                self.send_response(204)
                self.end_headers()

            def _record(self, method):
                outer.hits[self.path] = outer.hits.get(self.path, 0) + 1
                outer.requests.append((method, self.path, dict(self.headers)))

            def _serve(self, head: bool):
                if self.path not in outer.files:
                    self.send_error(404)
                    return
                body, etag, modified = self._validators()
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                start = 0
                rng, if_range = self.headers.get("Range"), self.headers.get("If-Range")
                if rng and rng.startswith("bytes=") and (if_range is None or if_range in (etag, modified)):
                    first, _, last = rng[6:].partition("-")
                    start = int(first)
                    end = int(last) if last else len(body) - 1
                    chunk = body[start:end + 1]
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{start + len(chunk) - 1}/{len(body)}")
                else:
                    chunk = body
                    self.send_response(200)
                self.send_header("Content-Length", str(len(chunk)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.end_headers()
                if not head:
                    self.wfile.write(chunk)

            def _misbehave_redirect(self) -> bool:
                return self.path in outer.redirects and self._misbehave()

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def gets(self, path: str) -> list[dict]:
        return [h for m, p, h in self.requests if m == "GET" and p == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
