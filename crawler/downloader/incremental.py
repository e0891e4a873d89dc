"""Only new work: article requests checked against the catalog before anything is downloaded.

- `IncrementalMiddleware` (downloader middleware, before robots.txt): an article already in the
  catalog is not fetched again, unless it is due for a revisit; a revisit is a conditional GET
  (If-None-Match / If-Modified-Since from the ETag / Last-Modified the server sent last time).
- `RevisitScheduler` (extension): at the start of a run, asks the spider to fetch the archived
  articles of its source that are due for a revisit, whether or not a listing still links them.

The check reads the catalog (one indexed lookup per article request); nothing is kept in memory
per archived article, so memory does not grow with the archive. ``INCREMENTAL_STORE`` picks where
"archived" is read: ``catalog`` (ARCHIVE_DIR/catalog.db, the default) or ``redis`` (what the
ingester publishes to Redis: crawler/distributed/archived.py; set by worker mode, REDIS_URL).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.extract.metadata import utc_now
from crawler.store.catalog import Catalog
from crawler.store.revisit import is_due, parse_windows

logger = logging.getLogger(__name__)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class _CatalogReader:
    """Lazy read-only access to ARCHIVE_DIR/catalog.db (created by the archive pipeline), or
    to a ready `store` answering `find` and `recent` like a Catalog (the Redis index)."""

    def __init__(self, archive_dir: str | None, windows: list[timedelta], store=None):
        self.path = Path(archive_dir or ".") / "catalog.db"
        self.windows = windows
        self._catalog = store

    @property
    def catalog(self) -> Catalog | None:
        if self._catalog is None and self.path.exists():
            self._catalog = Catalog(self.path, readonly=True)
        return self._catalog

    def due(self, row: dict, now: datetime) -> bool:
        checked = _when(row.get("checked")) or _when(row["fetched"])
        return is_due(_when(row["published"]), checked, now, self.windows)

    def close(self) -> None:
        if self._catalog:
            self._catalog.close()


def _reader(crawler: Crawler) -> _CatalogReader:
    settings = crawler.settings
    if not settings.getbool("INCREMENTAL_ENABLED"):
        raise NotConfigured("incremental crawling is off")
    windows = parse_windows(settings.get("REVISIT_AFTER"))
    store = settings.get("INCREMENTAL_STORE") or "catalog"
    if store == "redis":  # a worker: the archive is on another machine
        from crawler.distributed.archived import ArchivedIndex

        return _CatalogReader(None, windows, ArchivedIndex.from_settings(settings))
    if store != "catalog":
        raise ValueError(f"INCREMENTAL_STORE must be 'catalog' or 'redis', not {store!r}")
    if not settings.get("ARCHIVE_DIR"):
        raise NotConfigured("incremental crawling is off")
    return _CatalogReader(settings["ARCHIVE_DIR"], windows)


class IncrementalMiddleware:
    def __init__(self, reader: _CatalogReader, crawler: Crawler):
        self.reader = reader
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        mw = cls(_reader(crawler), crawler)
        crawler.signals.connect(mw.reader.close, signal=signals.spider_closed)
        return mw

    def process_request(self, request: Request) -> None:
        key = request.meta.get("article_key")
        if not key or "revisit" in request.meta:  # not an article, or already decided
            return None
        catalog = self.reader.catalog
        row = catalog.find(*key.split(":", 1)) if catalog else None
        if row is None:
            request.meta["revisit"] = False
            return None
        if self.reader.due(row, utc_now()):
            request.meta["revisit"] = True
            request.meta["handle_httpstatus_list"] = [304]
            if row.get("etag"):
                request.headers["If-None-Match"] = row["etag"]
            if row.get("last_modified"):
                request.headers["If-Modified-Since"] = row["last_modified"]
            self.stats.inc_value("newsarchive/revisits")
            return None
        self.stats.inc_value("newsarchive/already_archived")
        raise IgnoreRequest(f"already archived: {key}")


def _seeds_this_run(crawler: Crawler) -> bool:
    """False only for a distributed worker that joined a run another worker seeded."""
    try:
        scheduler = crawler.engine.scheduler
    except AttributeError:
        return True
    return bool(getattr(scheduler, "seeds_this_run", True))


class RevisitScheduler:
    def __init__(self, reader: _CatalogReader, crawler: Crawler):
        self.reader = reader
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RevisitScheduler:
        reader = _reader(crawler)
        if not reader.windows:
            raise NotConfigured("REVISIT_AFTER is empty")
        ext = cls(reader, crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(reader.close, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        source = getattr(spider, "source", None)
        if not _seeds_this_run(self.crawler):
            return  # a worker joining a distributed run: its first worker asked for them
        catalog = self.reader.catalog
        if source is None or catalog is None or not hasattr(spider, "article_request"):
            return
        now = utc_now()
        # a day's margin: `published` strings carry different UTC offsets
        since = (now - self.reader.windows[-1] - timedelta(days=1)).isoformat()
        count = 0
        for row in catalog.recent(source.name, since):
            if self.reader.due(row, now):
                request = spider.article_request(row["url"])
                if request is not None:
                    self.crawler.engine.crawl(request)
                    count += 1
        if count:
            logger.info("revisiting %d archived articles of %s", count, source.name)
