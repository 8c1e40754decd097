"""HTTP for every source: retries, timeouts, resume, checksums, a size limit, a cache, provenance.

`HttpClient` is the one way cxex talks to the network (the Dagster resource `HttpResource` in
pipelines/resources.py builds one from its config):

- `fetch(url, dest_dir)` streams to a `.part` file in the cache folder, checks size and (when
  known) SHA-256, moves the file into `dest_dir` and writes `<name>.provenance.json` beside it
  (URL, time, size, checksum, ETag, Last-Modified). The cache remembers each URL's validators, so
  a re-run sends `If-None-Match` / `If-Modified-Since` and a `304 Not Modified` fetches nothing and
  leaves the landed file (and its modification time) untouched. An interrupted transfer resumes
  with `Range` + `If-Range`; a server that ignores ranges (or a changed file) starts it over.
- `probe(url)` asks for the validators only (HEAD; a ranged GET of one byte where HEAD is refused):
  the observable source assets use it to tell whether anything changed without downloading.
- `post_json(url, payload)` sends an alert to a webhook, with the same retries.

Transient failures (connection errors, timeouts, HTTP 408/425/429/5xx, a short body) are retried
with exponential backoff; other 4xx are final. Nothing here runs during `make run` or the tests
unless asked: the tests point it at servers on 127.0.0.1.
The command line and `make fetch`: assets/sources/fetch.py.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlparse

from .files import PROVENANCE_SUFFIX
from .redirects import OPENER as _OPENER
from .redirects import redact_url
from .redirects import DownloadError  # noqa: F401  (re-exported: every download's error)


USER_AGENT = "cxex/0.1 (open federal CX/EX pipeline)"
RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
CHUNK = 1 << 20
DEFAULT_MAX_BYTES = 2 * 1024**3




class _ShortBody(Exception):
    pass




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
    from_cache: bool = False  # the server said 304: nothing was transferred, the landed file is unchanged
    resumed_from: int = 0     # bytes kept from an interrupted transfer


@dataclass(frozen=True)
class Probe:
    url: str
    status: int
    etag: str | None
    last_modified: str | None
    content_length: int | None
    checked_at: str

    @property
    def version(self) -> str:
        """What identifies this revision of the remote file (ETag first, Last-Modified and size otherwise)."""
        if self.etag:
            return f"etag:{self.etag}"
        return f"modified:{self.last_modified or '?'}|bytes:{self.content_length if self.content_length is not None else '?'}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _filename(url: str, headers) -> str:
    cd = headers.get("Content-Disposition") or ""
    if "filename=" in cd:
        name = cd.split("filename=", 1)[1].split(";")[0].strip().strip('"')
        if name:
            return os.path.basename(name)
    return os.path.basename(unquote(urlparse(url).path)) or "download"


def _stamp(path: Path) -> str | None:
    """Size and modification time: tells a landed file was replaced without reading gigabytes."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


@dataclass
class HttpClient:
    cache_dir: Path
    retries: int = 4
    backoff: float = 1.0
    timeout: float = 60.0
    max_bytes: int = DEFAULT_MAX_BYTES
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    # -- the retry loop shared by every request -------------------------------------------------
    def _with_retries(self, url: str, once: Callable[[int], object]):
        """`url` is only what messages show (redacted for a secret address)."""
        last_error: Exception | None = None
        for attempt in range(1, self.retries + 2):
            try:
                return once(attempt)
            except urllib.error.HTTPError as e:
                if e.code not in RETRYABLE_STATUS:
                    raise DownloadError(f"{url}: HTTP {e.code} {e.reason} (not retried)", e.code) from None
                last_error = e
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException, _ShortBody) as e:
                last_error = e
            if attempt <= self.retries:
                self.sleep(self.backoff * 2 ** (attempt - 1))
        raise DownloadError(f"{url}: failed after {self.retries + 1} attempts: {last_error}")

    def _request(self, url: str, method: str = "GET", headers: dict | None = None, data: bytes | None = None):
        req = urllib.request.Request(url, method=method, data=data,
                                     headers={"User-Agent": self.user_agent, **(headers or {})})
        return _OPENER.open(req, timeout=self.timeout)

    # -- cache entries: validators of the last good download and an unfinished .part --------------
    def _entry(self, url: str) -> Path:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        return self.cache_dir / hashlib.sha256(url.encode()).hexdigest()[:40]

    @staticmethod
    def _read_json(path: Path) -> dict | None:
        try:
            return json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return None

    @staticmethod
    def _write_json(path: Path, obj: dict) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(obj, indent=2) + "\n")
        os.replace(tmp, path)

    # -- probe ------------------------------------------------------------------------------------
    def probe(self, url: str, headers: dict[str, str] | None = None) -> Probe:
        def once(attempt: int) -> Probe:
            try:
                resp = self._request(url, "HEAD", headers)
            except urllib.error.HTTPError as e:
                if e.code not in (405, 501):
                    raise
                resp = self._request(url, headers={**(headers or {}), "Range": "bytes=0-0"})
            with resp:
                h = resp.headers
                length = h.get("Content-Length")
                if resp.status == 206 and "/" in (h.get("Content-Range") or ""):
                    total = h["Content-Range"].rsplit("/", 1)[1]
                    length = total if total.isdigit() else None
                return Probe(url, resp.status, h.get("ETag"), h.get("Last-Modified"),
                             int(length) if length and str(length).isdigit() else None, _now())
        return self._with_retries(url, once)

    # -- fetch ------------------------------------------------------------------------------------
    def fetch(self, url: str, dest_dir: Path, *, filename: str | None = None,
              expected_sha256: str | None = None, headers: dict[str, str] | None = None) -> Downloaded:
        """Fetch `url` into `dest_dir` unless the landed copy is current; returns its provenance.

        `headers` (e.g. an API key) go with every request and are never written anywhere."""
        dest_dir.mkdir(parents=True, exist_ok=True)
        entry = self._entry(url)
        return self._with_retries(url, lambda attempt: self._fetch_once(
            url, dest_dir, filename, expected_sha256, entry, attempt, headers or {}))

    def _fetch_once(self, url, dest_dir, filename, expected_sha256, entry: Path, attempt: int,
                    extra_headers: dict[str, str]) -> Downloaded:
        done_meta, part_meta_path = entry.with_suffix(".json"), entry.with_suffix(".part.json")
        part = entry.with_suffix(".part")
        cached = self._read_json(done_meta)
        landed_stamp = cached.pop("landed_stamp", None) if cached else None
        headers: dict[str, str] = dict(extra_headers)
        if cached and Path(cached["path"]).parent.resolve() == dest_dir.resolve() \
                and landed_stamp is not None and _stamp(Path(cached["path"])) == landed_stamp:  # the landed copy is the one we delivered
            if cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]
        else:
            cached = None
        part_meta = self._read_json(part_meta_path) if part.exists() else None
        offset = part.stat().st_size if part_meta else 0
        if offset and (part_meta.get("etag") or part_meta.get("last_modified")):
            headers["Range"] = f"bytes={offset}-"
            headers["If-Range"] = part_meta.get("etag") or part_meta["last_modified"]
        else:
            offset = 0
        try:
            resp = self._request(url, headers=headers)
        except urllib.error.HTTPError as e:
            if e.code == 304 and cached:
                return Downloaded(**{**cached, "attempts": attempt, "from_cache": True, "resumed_from": 0})
            if e.code == 416:  # our partial file does not fit the remote one any more: start over
                part.unlink(missing_ok=True)
                part_meta_path.unlink(missing_ok=True)
                raise _ShortBody("range not satisfiable; restarting") from None
            raise
        with resp:
            h = resp.headers
            name = filename or _filename(url, h)
            etag, modified = h.get("ETag"), h.get("Last-Modified")
            if resp.status == 206:
                start = int((h.get("Content-Range") or "bytes 0-").split()[1].split("-")[0])
                if start != offset:
                    raise _ShortBody(f"server resumed at byte {start}, expected {offset}")
                mode = "ab"
            else:
                offset, mode = 0, "wb"
            declared = h.get("Content-Length")
            expected_total = offset + int(declared) if declared else None
            if expected_total and expected_total > self.max_bytes:
                self._discard(part, part_meta_path)
                raise DownloadError(f"{url}: {expected_total:,} bytes is over the {self.max_bytes:,}-byte limit")
            self._write_json(part_meta_path, {"url": url, "etag": etag, "last_modified": modified})
            size = offset
            with open(part, mode) as f:
                while block := resp.read(CHUNK):
                    size += len(block)
                    if size > self.max_bytes:
                        f.close()
                        self._discard(part, part_meta_path)
                        raise DownloadError(f"{url}: more than the {self.max_bytes:,}-byte limit")
                    f.write(block)
            if expected_total is not None and size != expected_total:
                raise _ShortBody(f"got {size} of {expected_total} bytes")  # .part kept: the next attempt resumes
            digest = sha256_of(part)
            if expected_sha256 and digest != expected_sha256.lower():
                self._discard(part, part_meta_path)
                raise DownloadError(f"{url}: SHA-256 {digest} does not match the expected {expected_sha256}")
            target = dest_dir / name
            tmp = dest_dir / f".{name}.incoming"
            shutil.move(str(part), tmp)
            os.replace(tmp, target)
            part_meta_path.unlink(missing_ok=True)
            record = Downloaded(path=str(target), url=url, sha256=digest, bytes=size, retrieved_at=_now(),
                                attempts=attempt, etag=etag, last_modified=modified,
                                content_type=h.get("Content-Type"), resumed_from=offset)
        sidecar = target.with_name(target.name + PROVENANCE_SUFFIX)
        self._write_json(sidecar, asdict(record))
        self._write_json(done_meta, {**{k: v for k, v in asdict(record).items()
                                        if k not in ("attempts", "from_cache", "resumed_from")},
                                     "landed_stamp": _stamp(target)})
        return record

    @staticmethod
    def _discard(part: Path, part_meta: Path) -> None:
        part.unlink(missing_ok=True)
        part_meta.unlink(missing_ok=True)

    # -- webhooks ---------------------------------------------------------------------------------
    def post_json(self, url: str, payload: dict) -> int:
        """POST to a webhook; its address (a secret: tokens live in its path) is shown only redacted."""
        body = json.dumps(payload).encode()

        def once(attempt: int) -> int:
            with self._request(url, "POST", {"Content-Type": "application/json"}, body) as resp:
                return resp.status
        return self._with_retries(redact_url(url), once)


def download(url: str, dest_dir: Path, *, filename: str | None = None, expected_sha256: str | None = None,
             cache_dir: Path | None = None, retries: int = 4, backoff: float = 1.0, timeout: float = 60.0,
             max_bytes: int = DEFAULT_MAX_BYTES, sleep=time.sleep) -> Downloaded:
    """One-off fetch with a client of its own (cache in `cache_dir`, else `dest_dir/.http_cache`)."""
    client = HttpClient(cache_dir or dest_dir / ".http_cache", retries, backoff, timeout, max_bytes, sleep=sleep)
    return client.fetch(url, dest_dir, filename=filename, expected_sha256=expected_sha256)

