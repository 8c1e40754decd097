"""Redirects keep their walls: the opener every cxex HTTP client uses (assets/sources/download.py).

urllib follows redirects to ftp:// and copies every request header onto a redirect to any host. Here a
redirect to any scheme but http(s) is refused (DownloadError, not retried), and one that leaves the
origin (scheme, host, port) carries only harmless headers, so an API key (X-Api-Key), Authorization or
a cookie never reaches a host it was not given for. `redact_url` is how a secret address (a webhook
with its token in the path) is shown in messages and logs.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlparse


class DownloadError(RuntimeError):
    """The file could not be fetched, or what arrived is not what was expected."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the final HTTP status, when the server answered one (404: not published)

# Headers a redirect to another origin (scheme, host, port) may carry: everything else (X-Api-Key,
# Authorization, Cookie, any header a caller adds) stays with the origin it was given for.
_SAFE_ACROSS_ORIGINS = {"user-agent", "accept", "range", "if-range", "if-none-match", "if-modified-since"}
FOLLOWED_SCHEMES = ("http", "https")


def _origin(url: str) -> tuple:
    p = urlparse(url)
    scheme = p.scheme.lower()
    return scheme, (p.hostname or "").lower(), p.port or {"http": 80, "https": 443}.get(scheme)


def redact_url(url: str) -> str:
    """What of an address may be shown: scheme, host and port; never the user, path or query (tokens live there)."""
    p = urlparse(url)
    host = p.hostname or "?"
    return f"{p.scheme}://{host}{f':{p.port}' if p.port else ''}/…" if p.scheme else "(an address, not shown)"


class _RedirectWalls(urllib.request.HTTPRedirectHandler):
    """urllib's redirects, minus two holes: a jump to ftp:// (or any scheme but http(s)) is refused, and
    headers other than the harmless ones are dropped when the redirect leaves the origin."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        scheme = urlparse(newurl).scheme.lower()
        if scheme not in FOLLOWED_SCHEMES:

            raise DownloadError(f"{redact_url(req.full_url)}: HTTP {code} redirects to a {scheme or 'schemeless'}:// "
                                "address; only http and https redirects are followed", code)
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            for name in list(new.headers):
                if name.lower() not in _SAFE_ACROSS_ORIGINS:
                    del new.headers[name]
        return new


OPENER = urllib.request.build_opener(_RedirectWalls)
