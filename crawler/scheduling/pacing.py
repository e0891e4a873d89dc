"""Start pages (listings, feeds) are handed to the scheduler as the crawl needs their links.

Scrapy takes every request of ``Spider.start()`` at once and, whenever no other request waits,
downloads a start page: at the start of a crawl, as many listing pages at once as it may make
requests (``CONCURRENT_REQUESTS``), and again whenever the article queue runs dry. Their links
(up to ``LISTING_MAX_LINKS`` a page) then all wait in the scheduler's memory queue: with 100
links a page and 32 requests at once, up to ~3,200 requests (~1 KB each) wait at a time
(``benchmarks/memory_probe.py``: 904 of them in a crawl of 1,500 pages; 10 to 168 paced).

`StartPacer` (a spider middleware) hands over the next start request only when fewer than
``START_PACING_PENDING`` requests wait in the scheduler and fewer than ``START_PACING_PAGES``
start pages are waiting in it or being fetched or read (their links not yet all scheduled;
`PacedScheduler`, Scrapy's scheduler, counts the start pages it holds). So at most about
``START_PACING_PENDING + START_PACING_PAGES x links a page`` requests wait, however large the
crawl. When nothing at all is waiting or in progress, the next one is handed over anyway, so a
start page never holds the crawl up. ``START_PACING_PENDING = 0`` turns pacing off; another
scheduler than `PacedScheduler` (a distributed worker's Redis frontier, kept in Redis) is not
paced.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

#: meta key of the requests handed over by the pacer (kept by redirects and retries)
START_PAGE = "newsarchive_start_page"
#: how often the pacer looks again while it holds a start request back (seconds)
POLL = 0.05


class PacedScheduler(Scheduler):
    """Scrapy's scheduler, counting the start pages (`StartPacer`'s) it holds."""

    start_pages = 0

    def enqueue_request(self, request: Request) -> bool:
        added = super().enqueue_request(request)
        if added and request.meta.get(START_PAGE):
            self.start_pages += 1
        return added

    def next_request(self) -> Request | None:
        request = super().next_request()
        if request is not None and request.meta.get(START_PAGE):
            self.start_pages = max(0, self.start_pages - 1)  # 0: held since before a JOBDIR resume
        return request


class StartPacer:
    def __init__(self, crawler: Crawler, pending: int, pages: int) -> None:
        self.crawler = crawler
        self.pending = pending
        self.pages = max(1, pages)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartPacer:
        pending = crawler.settings.getint("START_PACING_PENDING")
        if pending <= 0:
            raise NotConfigured("START_PACING_PENDING is 0")
        return cls(crawler, pending, crawler.settings.getint("START_PACING_PAGES"))

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            if isinstance(item_or_request, Request):
                waited = False
                while not self.room():
                    waited = True
                    await self.pause()
                if waited:
                    self.crawler.stats.inc_value("newsarchive/start_paced")
                item_or_request.meta[START_PAGE] = True
            yield item_or_request

    @staticmethod
    async def pause() -> None:
        from twisted.internet import reactor  # the one Scrapy installed

        await maybe_deferred_to_future(deferLater(reactor, POLL, lambda: None))

    def room(self) -> bool:
        """Whether the crawl can take another start page now (module doc)."""
        engine = self.crawler.engine
        scheduler = getattr(engine, "scheduler", None)
        if not hasattr(scheduler, "start_pages"):  # not a PacedScheduler: no pacing
            return True
        waiting = len(scheduler)
        in_progress = self.start_pages_in_progress()
        if waiting == 0 and in_progress == 0 and not engine.downloader.active:
            return True  # nothing else to do: never hold the crawl up
        return waiting < self.pending and in_progress < self.pages

    def start_pages_in_progress(self) -> int:
        """Start pages in the scheduler, the downloader or the scraper (read, their links
        being scheduled)."""
        engine = self.crawler.engine
        slot = engine.scraper.slot
        requests = [*engine.downloader.active]
        if slot is not None:
            requests += [*slot.active, *(entry[1] for entry in slot.queue)]
        return engine.scheduler.start_pages + sum(
            1 for request in requests if request.meta.get(START_PAGE)
        )
