"""Rules for a page of an outlet that has no module: everything from the generic path."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.sources.base import Source

ANY_PATH = re.compile(r"(?P<id>/.*)")


def generic_source(url: str) -> Source:
    """A Source named after the URL's host (``www.example.com`` -> ``example_com``)."""
    parts = urlsplit(url)
    host = (parts.hostname or "local").lower()
    bare = host.removeprefix("www.")
    return Source(
        name=re.sub(r"[^a-z0-9]+", "_", bare).strip("_") or "local",
        display_name=bare,
        domains=(bare,),
        start_urls=(),
        article_path=ANY_PATH,
        canonical_base=f"{parts.scheme or 'https'}://{host}",
        # markup that names the body; a bare <article> does not: pages use it for teaser
        # cards too, so a page without these is read whole (trafilatura + link-box removal),
        # which scores better on the eval corpus (benchmarks/extraction.py)
        body_selectors=("[itemprop='articleBody']", ".article-body", ".article-content"),
        title_selectors=(),
        strict=False,
        keep_query=True,
    )
