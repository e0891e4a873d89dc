"""Every request the crawl decides to make ends with exactly one counted outcome.

A *link* is a request the crawl decided to make: a start point, a link followed from a listing,
feed or sitemap, an article due for a revisit. Its redirects, retries and the later pages of a
multi-page article belong to the same link. `LinkTracker` (a spider middleware, also listening
to the engine's signals) marks each link when it is first scheduled (``newsarchive/links``) and
notes when it ends (``newsarchive/links_ended``); the run report (crawler/run/report.py) checks that
the counted outcomes add up to the links.

Where a link ends, and what counts it:

- its article goes through the pipelines: new, updated, unchanged, alias, skipped, failed
  (crawler/pipelines/archive.py); the tracker sees the item leave them (item signals);
- a page read for its links (listing, feed, sitemap): ``newsarchive/pages_read`` (here);
- the download failed: ``failed/<reason>`` (`request_failed`, the spiders' errback), including
  redirect loops, too many redirects and responses over ``DOWNLOAD_MAXSIZE`` (also when
  decompressing: a gzip bomb);
- not fetched on purpose: ``already_archived`` (crawler/downloader/incremental.py), ``ignored/<reason>``
  (robots.txt, offsite);
- dropped by the duplicate filter: ``duplicate/<reason>`` (``seen``, ``after-redirect``), or
  ``failed/redirect-loop`` when the redirect leads back into its own chain;
- the spider raised while reading the page: ``failed/spider-error`` (one log line; the
  traceback only at DEBUG).

A link still open when the spider closes (a stopped run) is ``unfinished`` in the report.
"""

from __future__ import annotations

import errno
import logging
import re
import secrets
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    CloseSpider,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import defer
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

from crawler.store.archive import unwritable_reason
from crawler.store.run_status import ARCHIVE_UNWRITABLE, UNWRITABLE_STAT

logger = logging.getLogger(__name__)

#: meta keys: the link a request belongs to, and how it ended (set once)
LINK = "newsarchive_link"
ENDED = "newsarchive_link_ended"
#: the meta key of a multi-page article's later pages: they continue their first page's link
CONTINUES = "article_so_far"
#: a page that handed on its article (or its next page): its link ends further on
HANDED_ON = "newsarchive_handed_on"


def describe(exc: BaseException) -> str:
    """An exception in one line: its type and message."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


#: IgnoreRequest messages (Scrapy's and ours) -> (outcome, reason)
_IGNORED = (
    ("already archived", "already_archived", None),  # counted by IncrementalMiddleware
    ("Forbidden by robots.txt", "ignored", "robots-txt"),
    ("Filtered offsite request", "ignored", "offsite"),
    ("max redirections reached", "failed", "too-many-redirects"),
    ("DOWNLOAD_MAXSIZE", "failed", "too-large"),
)


def failure_reason(failure: Failure) -> str:
    """A short stable key for why a request failed: http-404, dns, timeout, connection, ..."""
    if failure.check(HttpError):
        return f"http-{failure.value.response.status}"
    # Scrapy 2.19 reports download errors with its own exceptions; Twisted's where it did before
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "dns"
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError, defer.TimeoutError):
        return "timeout"
    if failure.check(DownloadCancelledError):
        # the handler cancels a download whose Content-Length, or whose bytes received so far,
        # pass DOWNLOAD_MAXSIZE (the second with no message)
        message = str(failure.value)
        return "too-large" if "max size" in message or not message else "download-cancelled"
    if failure.check(
        DownloadConnectionRefusedError,
        ResponseDataLossError,
        DownloadFailedError,
        ConnectionRefusedError,
        ConnectError,
        ConnectionLost,
        ResponseFailed,
    ):
        return "connection"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", failure.type.__name__).lower()


def stop_unwritable(crawler: Crawler, problem: str, exc: BaseException) -> None:
    """Nothing more can be saved (`problem`: "cannot write to ARCHIVE_DIR (...): disk full"):
    say so once, and stop the crawl (finish reason ``archive-unwritable``: exit 1)."""
    stats = crawler.stats
    if stats.get_value(UNWRITABLE_STAT):
        return
    stats.set_value(UNWRITABLE_STAT, problem)
    logger.error("%s; stopping the crawl (%s)", problem, describe(exc))
    logger.debug("traceback of: %s", problem, exc_info=exc)
    deferred_from_coro(crawler.engine.close_spider_async(reason=ARCHIVE_UNWRITABLE))


def local_write_problem(crawler: Crawler, exc: BaseException) -> str | None:
    """The problem line when a download failed because a file of ours could not be written
    (WARC_DIR full or read-only), not because of the site; else None."""
    full_or_read_only = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
    if not isinstance(exc, OSError) or exc.errno not in full_or_read_only:
        return None
    warc_dir = crawler.settings.get("WARC_DIR")
    where = f"WARC_DIR ({warc_dir})" if warc_dir else (exc.filename or "a local file")
    return f"cannot write to {where}: {unwritable_reason(exc)}"


def ignored_outcome(request: Request, message: str) -> tuple[str, str | None]:
    """(outcome, reason) of a request dropped with IgnoreRequest(`message`)."""
    for start, outcome, reason in _IGNORED:
        if start in message:
            if reason == "too-many-redirects" and request.url in request.meta.get(
                "redirect_urls", []
            ):
                reason = "redirect-loop"
            return outcome, reason
    return "ignored", "other"


def count_failed(stats: StatsCollector, reason: str, source: str | None) -> None:
    """One failed link: ``newsarchive/failed``, its reason, its source."""
    stats.inc_value("newsarchive/failed")
    stats.inc_value(f"newsarchive/failed/{reason}")
    if source:
        stats.inc_value(f"newsarchive/source/{source}/failed")


def end_link(stats: StatsCollector, request: Request | None, how: str) -> None:
    """Note that `request`'s link has ended (`how`: for the log and ``links_ended/<how>``).
    A link ends once: a second end is counted as ``links_ended_again`` and logged."""
    if request is None or LINK not in request.meta:
        return  # no LinkTracker in this crawl
    if ENDED in request.meta:
        stats.inc_value("newsarchive/links_ended_again")
        logger.warning(
            "%s ended twice (%s, then %s): counted once", request.url, request.meta[ENDED], how
        )
        return
    request.meta[ENDED] = how
    if not str(request.meta[LINK]).startswith(str(stats.get_value("newsarchive/links_run"))):
        stats.inc_value("newsarchive/links")  # scheduled by an earlier run (JOBDIR) or worker
        stats.inc_value("newsarchive/links_adopted")
    stats.inc_value("newsarchive/links_ended")
    stats.inc_value(f"newsarchive/links_ended/{how}")


def link_url(request: Request) -> str:
    """The URL the link was found under (before any redirect)."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def source_name(crawler: Crawler, url: str) -> str | None:
    source_for = getattr(crawler.spider, "source_for", None)
    try:
        return source_for(url).name if source_for else None
    except Exception:  # noqa: BLE001 - a URL no rule knows still gets its outcome
        return None


def request_failed(crawler: Crawler, failure: Failure, source: str | None) -> None:
    """The spiders' errback: count the outcome of a link that ended with an exception
    (after retries), log it in one line, crawl on."""
    request = failure.request
    stats = crawler.stats
    problem = local_write_problem(crawler, failure.value)
    if problem:
        count_failed(stats, "archive-unwritable", source)
        stop_unwritable(crawler, problem, failure.value)
        end_link(stats, request, "failed")
        return
    if failure.check(IgnoreRequest) and not failure.check(HttpError):
        outcome, reason = ignored_outcome(request, str(failure.value))
        if outcome == "failed":
            count_failed(stats, reason, source)
            logger.warning("failed %s: %s", link_url(request), reason)
        elif reason is not None:
            stats.inc_value(f"newsarchive/{outcome}")
            stats.inc_value(f"newsarchive/{outcome}/{reason}")
            logger.info("not fetched %s: %s (%s)", request.url, reason, failure.value)
        end_link(stats, request, outcome)
        return
    reason = failure_reason(failure)
    count_failed(stats, reason, source)
    logger.warning("failed %s: %s", link_url(request), reason)
    end_link(stats, request, "failed")


class LinkTracker:
    """Marks every link when it is first scheduled and sees where it ends (module doc)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.run = secrets.token_hex(4)
        self.next_number = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LinkTracker:
        if not crawler.settings.getbool("LINK_OUTCOMES_ENABLED"):
            raise NotConfigured
        tracker = cls(crawler)
        for handler, signal in (
            (tracker.spider_opened, signals.spider_opened),
            (tracker.request_scheduled, signals.request_scheduled),
            (tracker.request_dropped, signals.request_dropped),
            (tracker.item_scraped, signals.item_scraped),
            (tracker.item_dropped, signals.item_dropped),
            (tracker.item_error, signals.item_error),
        ):
            crawler.signals.connect(handler, signal=signal)
        return tracker

    def spider_opened(self, spider: Spider) -> None:
        self.stats.set_value("newsarchive/links_run", self.run)
        self.stats.set_value("newsarchive/links", self.stats.get_value("newsarchive/links", 0))

    # -- links begin -------------------------------------------------------------------------
    def request_scheduled(self, request: Request, spider: Spider) -> None:
        if LINK in request.meta:  # a redirect, a retry, a later page: the same link
            return
        self.next_number += 1
        request.meta[LINK] = f"{self.run}:{self.next_number}"
        self.stats.inc_value("newsarchive/links")

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        """A page's output: a multi-page article's next page continues the page's link; a
        page that handed on no article and no next page ends its link as a page read."""
        request = response.request
        handed_on = False
        async for out in result:
            if not isinstance(out, Request) or CONTINUES in out.meta:
                handed_on = True
                if request is not None:
                    request.meta[HANDED_ON] = True
                    if isinstance(out, Request) and LINK in request.meta:
                        out.meta[LINK] = request.meta[LINK]
            yield out
        if not handed_on and request is not None and ENDED not in request.meta:
            self.stats.inc_value("newsarchive/pages_read")
            end_link(self.stats, request, "page")

    def process_spider_exception(self, response: Response, exception: Exception) -> list | None:
        """The spider raised reading a page: one line at ERROR, the traceback at DEBUG; the
        link is failed (unless the page already handed on its article), the crawl goes on."""
        if isinstance(exception, CloseSpider):
            return None  # Scrapy's own: closes the spider
        request = response.request
        logger.error(
            "spider error on %s: %s: %s", response.url, type(exception).__name__, exception
        )
        logger.debug("traceback of the spider error on %s", response.url, exc_info=exception)
        if request is not None and not request.meta.get(HANDED_ON) and ENDED not in request.meta:
            count_failed(self.stats, "spider-error", source_name(self.crawler, response.url))
            end_link(self.stats, request, "failed")
        return []

    # -- links end ---------------------------------------------------------------------------
    def request_dropped(self, request: Request, spider: Spider) -> None:
        """The duplicate filter dropped it: a loop back into its own redirects fails the link;
        any other request already seen is a duplicate."""
        redirects = request.meta.get("redirect_urls", [])
        if request.url in redirects:
            count_failed(self.stats, "redirect-loop", source_name(self.crawler, request.url))
            chain = " -> ".join([*redirects, request.url])
            logger.warning("failed %s: redirect-loop (%s)", redirects[0], chain)
            end_link(self.stats, request, "failed")
            return
        reason = "after-redirect" if redirects else "seen"
        self.stats.inc_value("newsarchive/duplicate")
        self.stats.inc_value(f"newsarchive/duplicate/{reason}")
        if redirects:
            logger.info("duplicate %s: redirected from %s, already requested", request.url,
                        redirects[0])  # fmt: skip
        end_link(self.stats, request, "duplicate")

    @staticmethod
    def _request_of(response: Response | Failure | None) -> Request | None:
        return getattr(response, "request", None)

    def item_scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> None:
        end_link(self.stats, self._request_of(response), "item")

    def item_dropped(
        self, item: Any, response: Response | Failure | None, exception: Exception, spider: Spider
    ) -> None:
        end_link(self.stats, self._request_of(response), "item")

    def item_error(
        self, item: Any, response: Response | Failure | None, spider: Spider, failure: Failure
    ) -> None:
        """A pipeline raised (our pipelines count their own errors; this is the safety net)."""
        request = self._request_of(response)
        url = getattr(request, "url", None) or getattr(item, "url", "?")
        count_failed(self.stats, "pipeline-error", source_name(self.crawler, url))
        end_link(self.stats, request, "failed")
