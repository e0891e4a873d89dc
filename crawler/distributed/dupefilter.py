"""Requests seen by any worker of the run: scrapy-redis' dupefilter with our fingerprints.

scrapy-redis 0.9.1 computes its own fingerprint (method + canonical URL + body), which ignores
Scrapy's ``REQUEST_FINGERPRINTER_CLASS``: the same story linked from zaobao.com and
zaobao.com.sg would be two requests. This subclass asks the crawler's request fingerprinter
(crawler/scheduling/fingerprint.py: one fingerprint per article), so duplicates are dropped across
workers and editions alike. It is never cleared by a worker closing (the set is shared); the
first worker of the next run clears it (crawler/distributed/queue.py, ``_CLAIM_RUN``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.distributed import Keys
from crawler.distributed.connection import server_from_settings

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler


class RedisDupeFilter(RFPDupeFilter):
    def __init__(self, server, key: str, debug: bool = False, *, fingerprinter, stats=None):
        super().__init__(server, key, debug)
        self.fingerprinter = fingerprinter
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisDupeFilter:
        settings = crawler.settings
        keys = Keys.for_crawler(crawler)
        return cls(
            server_from_settings(settings),
            keys.dupefilter,
            settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
            stats=crawler.stats,
        )

    @classmethod
    def from_spider(cls, spider: Spider) -> RedisDupeFilter:  # scrapy-redis' own scheduler
        return cls.from_crawler(spider.crawler)

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        """Shared by the run's workers: one of them ending must not clear it."""

    def log(self, request: Request, spider: Spider) -> None:
        super().log(request, spider)
        if self.stats is not None:
            self.stats.inc_value("dupefilter/filtered")
