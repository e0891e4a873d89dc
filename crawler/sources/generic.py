"""Rules for a page of an outlet that has no module: everything from the generic path.

A site is its host and its port: ``127.0.0.1:8001`` and ``127.0.0.1:8002`` are two sites, with
two sources and two canonical URLs. A host is the same site in any letter case and in either
spelling of an internationalised name (``例子.测试`` = ``xn--fsqu00a.xn--0zwm56d``: the second
is what requests carry). Source names are ASCII, made from the punycode spelling; canonical URLs
use the Unicode one (as ``clean_url`` does); IPv6 literals keep their brackets.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from urllib.parse import urlsplit

from crawler.sources.base import Source
from crawler.sources.urls import ascii_host, explicit_port, unicode_host

ANY_PATH = re.compile(r"(?P<id>/.*)")


class StatedOffset(tzinfo):
    """The zone of a site without a module: a date is kept at the UTC offset the page states
    (``+08:00`` stays ``+08:00``); a time the page gives without an offset is taken as UTC."""

    #: read by the date parser (crawler/extract/metadata.py): keep the stated offset
    keep_stated_offset = True

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "UTC"

    def __repr__(self) -> str:
        return "StatedOffset()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StatedOffset)

    def __hash__(self) -> int:
        return hash(StatedOffset)


STATED_OFFSET = StatedOffset()


@dataclass(frozen=True)
class SiteSource(Source):
    """Generic rules for one site: its host in either spelling and any case, on its port."""

    #: the site's port when it is not the scheme's default one
    port: int | None = None

    def matches_host(self, host: str) -> bool:
        return super().matches_host(ascii_host(host))

    def raw_article_id(self, url: str) -> str | None:
        if explicit_port(url) != self.port:  # another server on the same host
            return None
        return super().raw_article_id(url)


def _ip_name(host: str) -> str | None:
    """A source name for an IP literal (``127_0_0_1``, ``ipv6_0_0_0_0_0_0_0_1``), else None."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    if ip.version == 4:
        return str(ip).replace(".", "_")
    return "ipv6_" + "_".join(f"{int(group, 16):x}" for group in ip.exploded.split(":"))


def generic_source(url: str) -> SiteSource:
    """A Source named after the URL's host and port (``www.example.com`` -> ``example_com``,
    ``127.0.0.1:8001`` -> ``127_0_0_1_8001``)."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "https").lower()
    host = ascii_host(parts.hostname or "local")
    port = explicit_port(url)
    bare = host.removeprefix("www.")
    name = _ip_name(host) or re.sub(r"[^a-z0-9]+", "_", bare).strip("_") or "local"
    suffix = f":{port}" if port else ""
    shown = f"[{host}]" if ":" in host else unicode_host(host)  # IPv6 literals in brackets
    return SiteSource(
        name=name + (f"_{port}" if port else ""),
        display_name=(shown if ":" in host else unicode_host(bare)) + suffix,
        domains=(bare,),
        start_urls=(),
        article_path=ANY_PATH,
        canonical_base=f"{scheme}://{shown}{suffix}",
        tz=STATED_OFFSET,
        # markup that names the body; a bare <article> does not: pages use it for teaser
        # cards too, so a page without these is read whole (trafilatura + link-box removal),
        # which scores better on the eval corpus (benchmarks/extraction.py)
        body_selectors=("[itemprop='articleBody']", ".article-body", ".article-content"),
        title_selectors=(),
        strict=False,
        keep_query=True,
        port=port,
    )
