"""Thin Scrapy adapters over extract/ and store/.

ExtractPipeline turns a FetchedPage into an Article (or drops it with a logged reason), in a
process pool sized to the cores (crawler/pipelines/extraction_pool.py); ArchivePipeline writes the Article
into ARCHIVE_DIR (post file + catalog row) from one writer thread, so neither CPU work nor fsync
waits block the reactor. The writer saves articles in batches (crawler/pipelines/batch_writer.py: up to
ARCHIVE_BATCH_SIZE articles, or what came in ARCHIVE_BATCH_MS), one group commit each, and
still counts and logs every article on its own. What they pass on is the Article, so feed exports
(``-o articles.jsonl``) export clean articles.

Nothing raised while extracting or saving one article escapes: the article is counted
``failed/<reason>`` (extraction, extraction-crash, save), logged in one line (the traceback at
DEBUG), and the crawl goes on. An error that says the archive cannot be written at all (disk
full, read-only file system, SQLite "database or disk is full": `unwritable_reason`) stops the
crawl at once (finish reason ``archive-unwritable``, exit 1): every article still in hand is
counted ``failed/archive-unwritable`` without being tried.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.extract import Article, NotAnArticle
from crawler.extract.body import plain_text
from crawler.extract.metadata import clean_text, utc_now
from crawler.items import FetchedPage, NotModified
from crawler.pipelines.batch_writer import BatchWriter
from crawler.pipelines.extraction_pool import ExtractionPool, WorkerCrashed, worker_count
from crawler.run.drift import title_is_site_name
from crawler.run.outcomes import UNWRITABLE_STAT, count_failed, describe, stop_unwritable
from crawler.sources import SOURCES
from crawler.store.archive import Archive, ToSave, unwritable_reason
from crawler.store.lock import ArchiveLock
from crawler.store.publish_safety import UnpublishableArticle

logger = logging.getLogger(__name__)

#: publish times the page did not state (taken from the URL, guessed, or the fetch's)
UNSTATED_DATE_SOURCES = ("url", "htmldate", "header", "fetched")
#: skip reasons that mean an article page whose body was not found
EMPTY_BODY_REASONS = ("empty-body", "no-article")


def failed(stats, item: Any, reason: str, message: str, exc: BaseException | None) -> DropItem:
    """Count `item` as ``failed/<reason>``, log `message` in one line (the traceback at DEBUG);
    the DropItem to raise."""
    count_failed(stats, reason, getattr(item, "source", None))
    logger.error("%s", message)
    if exc is not None:
        logger.debug("traceback of: %s", message, exc_info=exc)
    return DropItem(message, log_level="DEBUG")


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
    # the drift rules' (crawler/run/drift.py): the outlet's body or headline markup stopped matching
    if article.body_fallback:
        marks.append("fallback_body")
    if title_is_site_name(article.title, (article.publication,)):
        marks.append("site_title")
    return marks


class ExtractPipeline:
    def __init__(self, crawler: Crawler, short_body_chars: int, workers: int):
        self.stats = crawler.stats
        self.short_body_chars = short_body_chars
        self.pool = ExtractionPool(workers)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        settings = crawler.settings
        workers = worker_count(settings.get("EXTRACT_WORKERS"))
        return cls(crawler, settings.getint("HEALTH_SHORT_BODY_CHARS"), workers)

    def open_spider(self) -> None:
        self.pool.start()

    def close_spider(self) -> None:
        self.pool.close()

    def count_health(self, article: Article) -> None:
        """``newsarchive/health/<source>/<mark>``: read by the run report (crawler/run/report.py)."""
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
        if self.stats.get_value(UNWRITABLE_STAT):  # the crawl is stopping: nothing to save it to
            count_failed(self.stats, "archive-unwritable", item.source)
            raise DropItem(f"not extracted {item.url}: archive unwritable", log_level="DEBUG")
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
            raise failed(self.stats, item, "extraction-crash", str(exc), None) from None
        except Exception as exc:  # a bug or a page no rule foresaw: report it, crawl on
            message = f"extraction failed for {item.url}: {describe(exc)}"
            raise failed(self.stats, item, "extraction", message, exc) from None
        try:
            return self.finish(item, article)
        except Exception as exc:  # noqa: BLE001 - as above: one article, counted, crawl on
            message = f"extraction failed for {item.url}: {describe(exc)}"
            raise failed(self.stats, item, "extraction", message, exc) from None

    def finish(self, item: FetchedPage, article: Article) -> Article:
        """The article as the archive wants it: health counted, fetch validators set."""
        for warning in article.warnings:
            logger.info("%s: %s", item.url, warning)
        self.count_health(article)
        headers = {k.lower(): v for k, v in item.headers.items()}
        article.fetched = item.fetched
        article.etag = headers.get("etag")
        article.last_modified = headers.get("last-modified")
        article.warc_record = item.warc_record
        return article


class NotTried(Exception):
    """A save not attempted: the archive was found unwritable before its batch came up."""


class ArchivePipeline:
    def __init__(self, archive_dir: str, crawler: Crawler, batch_size: int, batch_ms: float):
        self.archive_dir = archive_dir
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive: Archive | None = None
        #: set once the archive cannot be written: the one-line problem
        self.unwritable: str | None = None
        # the single writer: every archive call runs in this one thread, in order
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-writer")
        #: articles are saved in batches (group commit), each still with its own result
        self.batches = BatchWriter(self.writer, self._save_many, batch_size, batch_ms / 1000)

    def _save_many(self, items: list[ToSave]) -> list:
        if self.unwritable:  # an earlier batch found the archive unwritable: do not try
            return [NotTried(self.unwritable) for _ in items]
        return self.archive.save_many(items)

    async def _write(self, call, *args):
        return await asyncio.get_running_loop().run_in_executor(
            self.writer, self._unless_unwritable, call, *args
        )

    def _unless_unwritable(self, call, *args):
        """In the writer thread: saves queued behind the one that found the archive unwritable
        are not tried (each would journal a write it cannot finish)."""
        if self.unwritable:
            raise NotTried(self.unwritable)
        return call(*args)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        archive_dir = crawler.settings.get("ARCHIVE_DIR")
        if not archive_dir:
            raise NotConfigured("ARCHIVE_DIR is empty")
        settings = crawler.settings
        batch_size = settings.getint("ARCHIVE_BATCH_SIZE")
        batch_ms = settings.getfloat("ARCHIVE_BATCH_MS")
        return cls(archive_dir, crawler, batch_size, batch_ms)

    def open_spider(self) -> None:
        self.lock = ArchiveLock(self.archive_dir).acquire()  # one writer per archive
        try:
            self.archive = self.writer.submit(Archive, self.archive_dir).result()
            count = self.writer.submit(self.archive.catalog.count).result()
        except Exception as exc:
            reason = unwritable_reason(exc)
            if reason is None:
                raise
            self.stop(reason, exc)  # e.g. no room for the catalog's recovery or migrations
            return
        logger.info("archive: %s (%d articles)", self.archive.root, count)

    def count(self, outcome: str, source: str) -> None:
        self.stats.inc_value(f"newsarchive/{outcome}")
        self.stats.inc_value(f"newsarchive/source/{source}/{outcome}")

    def close_spider(self) -> None:
        self.batches.flush()  # nothing should wait by now: every item was answered
        if self.archive:
            try:
                self.writer.submit(self.archive.close).result()
            except Exception as exc:  # noqa: BLE001 - closing must not hide the run's report
                logger.error("closing the catalog failed: %s", describe(exc))
        self.lock.release()
        self.writer.shutdown(wait=True)

    def stop(self, reason: str, exc: BaseException) -> None:
        """The archive cannot be written: say so once, and stop the crawl (nothing fetched
        from now on could be saved)."""
        if not self.unwritable:
            self.unwritable = f"cannot write to ARCHIVE_DIR ({self.archive_dir}): {reason}"
            stop_unwritable(self.crawler, self.unwritable, exc)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article | NotModified):
            return item
        if self.unwritable or self.archive is None:
            count_failed(self.stats, "archive-unwritable", item.source)
            raise DropItem(f"not saved {item.url}: archive unwritable", log_level="DEBUG")
        try:
            return await self.save(item)
        except DropItem:
            raise
        except UnpublishableArticle as exc:  # a required value without a publishable form
            raise failed(
                self.stats, item, "unpublishable", f"not archived {item.url}: {exc}", exc
            ) from None
        except NotTried:
            count_failed(self.stats, "archive-unwritable", item.source)
            raise DropItem(f"not saved {item.url}: archive unwritable", log_level="DEBUG") from None
        except Exception as exc:
            reason = unwritable_reason(exc)
            if reason is not None:
                self.stop(reason, exc)
                count_failed(self.stats, "archive-unwritable", item.source)
                raise DropItem(f"not saved {item.url}: {reason}", log_level="DEBUG") from None
            message = f"could not save {item.url}: {describe(exc)}"
            raise failed(self.stats, item, "save", message, exc) from None

    async def save(self, item: Article | NotModified) -> Article:
        if isinstance(item, NotModified):
            await self._write(self.archive.mark_not_modified, item.source, item.id, utc_now())
            self.count("unchanged", item.source)
            self.stats.inc_value("newsarchive/not_modified")
            logger.info("unchanged %s (304 not modified)", item.url)
            raise DropItem(f"not modified: {item.url}", log_level="DEBUG")
        saved = await self.batches.add(ToSave(item, item.fetched, item.etag, item.last_modified))
        self.count(saved.outcome, item.source)
        logger.info(
            "%s %s -> %s", saved.outcome, item.url, saved.path.relative_to(self.archive.root)
        )
        return item
