"""The registry of outlets. Adding an outlet = one module here exposing ``SOURCE`` (a Source).

Every module of this package except ``base``, ``credits``, ``generic`` and ``roles`` is an outlet; they are
found by name, so a new outlet needs no edit anywhere else. An outlet module is declarations plus
what its markup alone needs: its ``page_data`` hook returns a ``PageData`` (base.py) and reads the
page with the readers base.py and roles.py share (``first_text``, ``printed_date``,
``writer_names``, ...).
"""

from __future__ import annotations

import importlib
import pkgutil
from urllib.parse import urlsplit

from crawler.sources.base import Source

_NOT_OUTLETS = {"base", "credits", "generic", "roles", "urls"}


def _discover() -> dict[str, Source]:
    found: dict[str, Source] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name in _NOT_OUTLETS or info.name.startswith("_"):
            continue
        source = importlib.import_module(f"{__name__}.{info.name}").SOURCE
        if source.name in found:
            raise ValueError(f"two outlets are named {source.name!r}")
        found[source.name] = source
    return found


SOURCES: dict[str, Source] = _discover()


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
