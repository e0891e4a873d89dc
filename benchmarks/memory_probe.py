"""Where the crawling process's memory goes: tracemalloc snapshots during a benchmark crawl.

A Scrapy extension for ``benchmarks/crawl.py --tracemalloc DIR`` only (never in the project's
settings): enabled by the environment variable ``NEWSARCHIVE_TRACEMALLOC=DIR``. It starts
tracemalloc when the crawler is built and, once the crawl has scraped 1,000 items, again at
every further 1,000 and when the spider closes, writes ``DIR/snapshot-<items>.txt``: the
traced total, the scheduler's pending requests, and the top allocations by file:line, with
their growth since the first snapshot.
"""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

ENV = "NEWSARCHIVE_TRACEMALLOC"
EVERY = int(os.environ.get(ENV + "_EVERY", 1000))
TOP = 30


class TracemallocProbe:
    def __init__(self, crawler: Crawler, folder: Path) -> None:
        self.crawler = crawler
        self.folder = folder
        self.items = 0
        self.first: tracemalloc.Snapshot | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TracemallocProbe:
        folder = os.environ.get(ENV)
        if not folder:
            raise NotConfigured(f"{ENV} is not set")
        Path(folder).mkdir(parents=True, exist_ok=True)
        tracemalloc.start(1)
        probe = cls(crawler, Path(folder))
        crawler.signals.connect(probe.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(probe.spider_closed, signal=signals.spider_closed)
        return probe

    def item_scraped(self, item: object, spider: Spider) -> None:
        self.items += 1
        if self.items % EVERY == 0:
            self.dump(str(self.items))

    def spider_closed(self, spider: Spider) -> None:
        self.dump(f"{self.items}-closed")

    def pending(self) -> str:
        """Requests in the scheduler: in all, and per priority (start requests apart)."""
        try:
            scheduler = self.crawler.engine._slot.scheduler
            queues = {}
            for slot, pq in getattr(scheduler.mqs, "pqueues", {"": scheduler.mqs}).items():
                for kind, by_prio in (("", pq.queues), ("start ", pq._start_queues)):
                    for prio, q in by_prio.items():
                        queues[f"{slot} {kind}{prio}"] = len(q)
            return f"{len(scheduler)} {queues}"
        except Exception:  # noqa: BLE001 - a probe must not break the crawl
            return "?"

    def dump(self, name: str) -> None:
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        current, peak = tracemalloc.get_traced_memory()
        lines = [
            f"items={self.items} traced={current / 2**20:.1f}MB peak={peak / 2**20:.1f}MB "
            f"pending_requests={self.pending()}"
        ]
        if self.first is None:
            self.first = snapshot
        else:
            lines.append("-- growth since the first snapshot")
            lines += [str(s) for s in snapshot.compare_to(self.first, "lineno")[:TOP]]
        lines.append("-- top")
        lines += [str(s) for s in snapshot.statistics("lineno")[:TOP]]
        (self.folder / f"snapshot-{name}.txt").write_text("\n".join(lines) + "\n")
