"""Start points once per run: only the run's first worker reads the spider's ``start()``.

A spider middleware (``process_start``), so every spider gets it without a change: the
others join the run and take their work from the shared frontier.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def seeds_this_run(crawler: Crawler) -> bool:
    """False only for a worker that joined a run another worker seeded."""
    return bool(getattr(crawler.engine.scheduler, "seeds_this_run", True))


class SeedOnceMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedOnceMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # runs at the first request for a start point: the scheduler has claimed the run
        if not seeds_this_run(self.crawler):
            logger.info("joined a run already seeded: no start points from this worker")
            return
        async for item_or_request in start:
            yield item_or_request
