"""Start pages are handed over as the crawl needs their links: the requests waiting in the
scheduler do not grow with the number of listing pages."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.scheduling.pacing import START_PAGE, StartPacer


class FakeScheduler(list):
    """Requests waiting, counting the start pages among them like PacedScheduler."""

    @property
    def start_pages(self) -> int:
        return sum(1 for request in self if request.meta.get(START_PAGE))


class FakeEngine:
    """What the pacer looks at: the scheduler's length, the downloader, the scraper."""

    def __init__(self) -> None:
        self.scheduler = FakeScheduler()
        self.downloader = SimpleNamespace(active=set())
        self.scraper = SimpleNamespace(slot=SimpleNamespace(active=set(), queue=[]))

    def step(self, links: int) -> None:
        """One turn of a crawl: start pages in the downloader are read (each schedules
        `links` article requests), waiting requests move on to the downloader (articles are
        done at once, like in a fast crawl)."""
        for request in [r for r in self.downloader.active if r.meta.get(START_PAGE)]:
            self.downloader.active.discard(request)
            self.scheduler += [Request(f"{request.url}/a{n}") for n in range(links)]
        self.downloader.active = {r for r in self.downloader.active if r.meta.get(START_PAGE)}
        while self.scheduler and len(self.downloader.active) < 32:
            self.downloader.active.add(self.scheduler.pop())


def pacer(engine: FakeEngine, **settings: int) -> StartPacer:
    crawler = get_crawler(settings_dict=settings)
    crawler.engine = engine
    return StartPacer.from_crawler(crawler)


async def crawl(engine: FakeEngine, middleware: StartPacer, pages: int, links: int) -> int:
    """Run a crawl of `pages` start pages through the pacer; the most requests ever waiting."""

    async def start():
        for n in range(pages):
            yield Request(f"https://news.example/list{n}")

    most = 0
    handed = middleware.process_start(start())
    pending = asyncio.ensure_future(anext(handed))
    while True:
        await asyncio.sleep(0)
        if pending.done():
            try:
                engine.scheduler.append(pending.result())
            except StopAsyncIteration:
                break
            pending = asyncio.ensure_future(anext(handed))
        engine.step(links)
        most = max(most, len(engine.scheduler))
    while engine.scheduler or engine.downloader.active:
        engine.step(links)
    return most


@pytest.fixture(autouse=True)
def fast_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    async def tick() -> None:
        await asyncio.sleep(0)

    monkeypatch.setattr(StartPacer, "pause", staticmethod(tick))


@pytest.mark.parametrize("pages", [20, 200])
def test_requests_waiting_do_not_grow_with_the_start_pages(pages: int) -> None:
    engine = FakeEngine()
    middleware = pacer(engine, START_PACING_PENDING=100, START_PACING_PAGES=2)
    most = asyncio.run(crawl(engine, middleware, pages, links=100))
    # unpaced, up to 32 listing pages are read at once: 3,200 links waiting
    assert most <= 100 + 2 * 100
    assert middleware.crawler.stats.get_value("newsarchive/start_paced", 0) > 0


def test_an_idle_crawl_takes_the_next_start_page_at_once() -> None:
    engine = FakeEngine()
    middleware = pacer(engine, START_PACING_PENDING=1, START_PACING_PAGES=1)
    assert middleware.room()
    engine.scheduler.append(Request("https://news.example/a"))
    assert not middleware.room()  # one request waits: no room under a limit of 1
    engine.scheduler.clear()
    start_page = Request("https://news.example/list", meta={START_PAGE: True})
    engine.scraper.slot.queue.append((None, start_page, None))
    assert not middleware.room()  # a start page is being read


def test_pacing_off_and_other_schedulers() -> None:
    with pytest.raises(NotConfigured):
        pacer(FakeEngine(), START_PACING_PENDING=0)
    engine = FakeEngine()
    middleware = pacer(engine, START_PACING_PENDING=1)
    engine.scheduler = [Request("https://news.example/a")]  # not paced: the Redis frontier
    assert middleware.room()
