"""The registry of outlets. Adding an outlet = one module here exposing ``SOURCE``."""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.sources import zaobao
from crawler.sources.base import Source

SOURCES: dict[str, Source] = {s.name: s for s in (zaobao.SOURCE,)}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None


def source_for_url(url: str) -> Source | None:
    """The registered outlet serving `url`, or None."""
    host = urlsplit(url).hostname or ""
    return next((s for s in SOURCES.values() if s.matches_host(host)), None)


__all__ = ["SOURCES", "Source", "get_source", "source_for_url"]
