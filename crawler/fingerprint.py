"""Request fingerprints: one per article, whatever URL the article was found under.

An article request carries ``meta["article_key"]`` (``<source>:<id>``); its fingerprint is made
from that key alone, so the same story linked from two editions of a site, or with tracking
parameters, is fetched once. Other requests keep Scrapy's default fingerprint.
"""

from __future__ import annotations

import hashlib

from scrapy import Request
from scrapy.utils.request import RequestFingerprinter


class ArticleFingerprinter(RequestFingerprinter):
    def fingerprint(self, request: Request) -> bytes:
        key = request.meta.get("article_key")
        if key:
            return hashlib.sha1(f"article:{key}".encode()).digest()
        return super().fingerprint(request)
