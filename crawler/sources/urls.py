"""URL canonicalisation: one spelling per page, whatever link it was found under.

courlan does the well-known part (case of scheme and host, default ports, fragments, the common
tracking parameters: utm_*, fbclid, gclid, ...); we add the tracking parameters Chinese news
sites use (spm, ref, from, ...) and drop trailing slashes.
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url
from w3lib.url import url_query_cleaner

#: query parameters that only say where a reader came from, never which page it is
TRACKING_PARAMS = (
    "ref", "from", "spm", "scm", "share", "share_token", "shareid", "share_from", "sharefrom",
    "source", "src", "isappinstalled", "wechat", "wxshare", "timestamp", "tt_from", "utm_term",
    "utm_source", "utm_medium", "utm_campaign", "utm_content", "fbclid", "gclid", "mc_cid", "mc_eid",
)  # fmt: skip


def clean_url(url: str, keep_query: bool = True) -> str:
    """`url` without fragment, tracking parameters (or any query) and trailing slash."""
    with contextlib.suppress(ValueError):  # courlan refuses some odd URLs: keep them as they are
        url = normalize_url(url, strict=True)
    parts = urlsplit(url)
    query = ""
    if keep_query and parts.query:
        query = urlsplit(url_query_cleaner(url, TRACKING_PARAMS, remove=True)).query
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def ascii_host(host: str) -> str:
    """`host` as requests carry it: lower case, IDNA (punycode) labels, no trailing dot;
    IP literals as they are."""
    host = host.strip().rstrip(".").lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:  # a label IDNA cannot spell: keep it as written
        return host


def unicode_host(host: str) -> str:
    """`host` as people write it: lower case, punycode labels (``xn--``) decoded."""
    host = ascii_host(host)
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


def default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme.lower())


def explicit_port(url: str) -> int | None:
    """The port `url` names, unless it is its scheme's default one (or no valid port)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    return None if port == default_port(parts.scheme) else port
