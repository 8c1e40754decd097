"""The report site's smaller pieces: freshness of the published tables, the methodology page, and where
the current site is."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

SITE_DIR = "report"


def freshness(manifest: dict, now: datetime) -> list[dict]:
    out = []
    for name, t in sorted(manifest.get("tables", {}).items()):
        published = datetime.fromisoformat(t["published_at"])
        out.append({**t, "name": name, "age_days": (now - published).total_seconds() / 86400})
    return out


def methodology_html(path: Path) -> str:
    """docs/methodology.md as HTML; links to other repository files become plain text (not in the site)."""
    import mistune

    html = mistune.create_markdown(plugins=["table", "strikethrough"])(path.read_text(encoding="utf-8"))

    def link(m: re.Match) -> str:
        href, inner = m.group(1), m.group(2)
        if href.startswith(("http://", "https://", "#", "mailto:")):
            return m.group(0)
        if href.split("#")[0].endswith("data_dictionary.md"):
            return f'<a href="dictionary.html">{inner}</a>'
        return f"<span>{inner}</span>"

    return re.sub(r'<a href="([^"]*)"[^>]*>(.*?)</a>', link, html, flags=re.S)


def site_index(store) -> str | None:
    """Where the current site's index.html is (local path or object-store URL), or None before the first build."""
    return store.uri(SITE_DIR, "index.html") if store.has(f"{SITE_DIR}/index.html") else None
