"""Thin Scrapy adapters over extract/ and store/.

ExtractPipeline turns a FetchedPage into an Article (or drops it with a logged reason), in a
process pool sized to the cores (crawler/extraction_pool.py); ArchivePipeline writes the Article
into ARCHIVE_DIR (post file + catalog row) from one writer thread, so neither CPU work nor fsync
waits block the reactor. What they pass on is the Article, so feed exports
(``-o articles.jsonl``) export clean articles.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.drift import title_is_site_name
from crawler.extract import Article, NotAnArticle
from crawler.extract.body import plain_text
from crawler.extract.metadata import clean_text, utc_now
from crawler.extraction_pool import ExtractionPool, WorkerCrashed, worker_count
from crawler.items import FetchedPage, NotModified
from crawler.sources import SOURCES
from crawler.store.archive import Archive
from crawler.store.lock import ArchiveLock
from crawler.store.publish_safety import UnpublishableArticle

logger = logging.getLogger(__name__)

#: publish times the page did not state (taken from the URL, guessed, or the fetch's)
UNSTATED_DATE_SOURCES = ("url", "htmldate", "header", "fetched")
#: skip reasons that mean an article page whose body was not found
EMPTY_BODY_REASONS = ("empty-body", "no-article")


def health_marks(article: Article, short_body_chars: int) -> list[str]:
    """What the article lacks, as counted in the run report's health table."""
    marks = []
    if article.date_source in UNSTATED_DATE_SOURCES:
        marks.append("no_date")
    if not article.bylines:
        marks.append("no_byline")
    if len(clean_text(plain_text(article.body))) < short_body_chars:
        marks.append("short_body")
    if not article.complete:
        marks.append("incomplete")
    # the drift rules' (crawler/drift.py): the outlet's body or headline markup stopped matching
    if article.body_fallback:
        marks.append("fallback_body")
    if title_is_site_name(article.title, (article.publication,)):
        marks.append("site_title")
    return marks


class ExtractPipeline:
    def __init__(self, crawler: Crawler, short_body_chars: int = 200, workers: int = 0):
        self.stats = crawler.stats
        self.short_body_chars = short_body_chars
        self.pool = ExtractionPool(workers)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        settings = crawler.settings
        workers = worker_count(settings.get("EXTRACT_WORKERS", "auto"))
        return cls(crawler, settings.getint("HEALTH_SHORT_BODY_CHARS", 200), workers)

    def open_spider(self) -> None:
        self.pool.start()

    def close_spider(self) -> None:
        self.pool.close()

    def count_health(self, article: Article) -> None:
        """``newsarchive/health/<source>/<mark>``: read by the run report (crawler/report.py)."""
        for mark in ("articles", *health_marks(article, self.short_body_chars)):
            self.stats.inc_value(f"newsarchive/health/{article.source}/{mark}")
        if not article.complete:
            self.stats.inc_value(f"newsarchive/incomplete/{article.completeness_reason}")
            logger.warning(
                "%s is incomplete (%s): archived as it is, marked incomplete",
                article.url,
                article.completeness_reason,
            )

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        try:
            article = await self.pool.extract(
                item.body,
                item.url,
                item.headers,
                # an outlet without a module (the generic spider): its rules come from the URL
                SOURCES.get(item.source),
                item.pages,
                item.fetched,
            )
        except NotAnArticle as exc:
            self.stats.inc_value("newsarchive/skipped")
            self.stats.inc_value(f"newsarchive/skipped/{exc.reason}")
            self.stats.inc_value(f"newsarchive/source/{item.source}/skipped")
            if exc.reason in EMPTY_BODY_REASONS:  # an article URL whose body was not found
                self.stats.inc_value(f"newsarchive/health/{item.source}/empty_body")
            raise DropItem(f"skipped {item.url}: {exc}", log_level="INFO") from None
        except WorkerCrashed as exc:
            self.stats.inc_value("newsarchive/failed/extraction-crash")
            self.stats.inc_value(f"newsarchive/source/{item.source}/failed")
            logger.error("%s", exc)
            raise DropItem(str(exc)) from exc
        except Exception as exc:  # a bug or a page no rule foresaw: report it, crawl on
            self.stats.inc_value("newsarchive/failed/extraction")
            self.stats.inc_value(f"newsarchive/source/{item.source}/failed")
            logger.exception("extraction failed for %s", item.url)
            raise DropItem(f"extraction failed for {item.url}: {exc!r}") from exc
        for warning in article.warnings:
            logger.info("%s: %s", item.url, warning)
        self.count_health(article)
        headers = {k.lower(): v for k, v in item.headers.items()}
        article.fetched = item.fetched
        article.etag = headers.get("etag")
        article.last_modified = headers.get("last-modified")
        return article


class ArchivePipeline:
    def __init__(self, archive_dir: str, crawler: Crawler):
        self.archive_dir = archive_dir
        self.stats = crawler.stats
        self.archive: Archive | None = None
        # the single writer: every archive call runs in this one thread, in order
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-writer")

    async def _write(self, call, *args):
        return await asyncio.get_running_loop().run_in_executor(self.writer, call, *args)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        archive_dir = crawler.settings.get("ARCHIVE_DIR")
        if not archive_dir:
            raise NotConfigured("ARCHIVE_DIR is empty")
        return cls(archive_dir, crawler)

    def open_spider(self) -> None:
        self.lock = ArchiveLock(self.archive_dir).acquire()  # one writer per archive
        self.archive = self.writer.submit(Archive, self.archive_dir).result()
        count = self.writer.submit(self.archive.catalog.count).result()
        logger.info("archive: %s (%d articles)", self.archive.root, count)

    def count(self, outcome: str, source: str) -> None:
        self.stats.inc_value(f"newsarchive/{outcome}")
        self.stats.inc_value(f"newsarchive/source/{source}/{outcome}")

    def close_spider(self) -> None:
        if self.archive:
            self.writer.submit(self.archive.close).result()
            self.lock.release()
        self.writer.shutdown(wait=True)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, NotModified):
            await self._write(self.archive.mark_not_modified, item.source, item.id, utc_now())
            self.count("unchanged", item.source)
            self.stats.inc_value("newsarchive/not_modified")
            logger.info("unchanged %s (304 not modified)", item.url)
            raise DropItem(f"not modified: {item.url}", log_level="DEBUG")
        if not isinstance(item, Article):
            return item
        try:
            saved = await self._write(
                self.archive.save, item, item.fetched, item.etag, item.last_modified
            )
        except UnpublishableArticle as exc:  # a required value without a publishable form
            self.stats.inc_value("newsarchive/failed/unpublishable")
            self.stats.inc_value(f"newsarchive/source/{item.source}/failed")
            logger.error("not archived %s: %s", item.url, exc)
            raise DropItem(f"not archived {item.url}: {exc}", log_level="DEBUG") from None
        self.count(saved.outcome, item.source)
        logger.info(
            "%s %s -> %s", saved.outcome, item.url, saved.path.relative_to(self.archive.root)
        )
        return item
