"""Worker mode's last pipeline: extracted articles (and 304 notices) go to Redis, not to disk.

Takes the place of `ArchivePipeline` when ``REDIS_URL`` is set (`RedisAddon`). Each Article is
pushed, as lossless JSON (crawler/distributed/codec.py), to ``P:items``; ``newsarchive
ingest`` on the archive machine writes it. The push happens inside the item's processing, so
the request it came from is acknowledged only after it (crawler/distributed/scheduler.py).

Stats: ``newsarchive/queued`` (articles pushed), ``newsarchive/not_modified``.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.distributed import Keys
from crawler.distributed.codec import encode_article, encode_not_modified
from crawler.distributed.connection import server_from_settings
from crawler.extract import Article
from crawler.extract.metadata import utc_now
from crawler.items import NotModified

logger = logging.getLogger(__name__)


class RedisItemPipeline:
    def __init__(self, crawler: Crawler, server, keys: Keys):
        self.crawler = crawler
        self.stats = crawler.stats
        self.server = server
        self.keys = keys

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisItemPipeline:
        settings = crawler.settings
        keys = Keys.for_crawler(crawler)
        return cls(crawler, server_from_settings(settings), keys)

    def origin(self) -> dict[str, str]:
        scheduler = self.crawler.engine.scheduler
        return {
            "worker": getattr(scheduler, "worker_id", ""),
            "run": getattr(scheduler, "run_id", ""),
        }

    def _push(self, data: str) -> None:
        """To P:items; Redis gone for good: the worker stops and the request is not
        acknowledged (it is fetched again by another worker)."""
        try:
            self.server.lpush(self.keys.items, data)
        except redis.RedisError as exc:
            lose = getattr(self.crawler.engine.scheduler, "lose_redis", None)
            if lose is not None:
                lose(exc)
            raise DropItem(f"not handed over (Redis unreachable): {exc}") from None

    def process_item(self, item: Any) -> Any:
        if isinstance(item, NotModified):
            self._push(encode_not_modified(item, utc_now(), **self.origin()))
            self.stats.inc_value("newsarchive/not_modified")
            logger.info("not modified %s (304): queued for the archive", item.url)
            raise DropItem(f"not modified: {item.url}", log_level="DEBUG")
        if not isinstance(item, Article):
            return item
        self._push(encode_article(item, **self.origin()))
        self.stats.inc_value("newsarchive/queued")
        logger.info("queued %s:%s %s for the archive", item.source, item.id, item.url)
        return item
