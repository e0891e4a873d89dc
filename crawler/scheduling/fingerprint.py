"""Request fingerprints: one per article, whatever URL the article was found under.

An article request carries ``meta["article_key"]`` (``<source>:<id>``); its fingerprint is made
from that key alone, so the same story linked from two editions of a site, or with tracking
parameters, is fetched once. Other requests keep Scrapy's default fingerprint.

An article request that was redirected keeps its meta, so its key: it is fingerprinted by the key
and its new URL, else the duplicate filter would drop it as a duplicate of itself (and the
article would be lost). A redirect back to a URL of its own chain is still dropped: a loop.
"""

from __future__ import annotations

import hashlib

from scrapy import Request
from scrapy.utils.request import RequestFingerprinter


class ArticleFingerprinter(RequestFingerprinter):
    def fingerprint(self, request: Request) -> bytes:
        key = request.meta.get("article_key")
        if key and request.meta.get("redirect_urls"):
            url_fingerprint = super().fingerprint(request).hex()
            return hashlib.sha1(f"article:{key}:{url_fingerprint}".encode()).digest()
        if key:
            return hashlib.sha1(f"article:{key}".encode()).digest()
        return super().fingerprint(request)
