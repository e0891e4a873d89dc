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
