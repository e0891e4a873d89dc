"""One line per failure in the crawl's log: no traceback for a network failure Scrapy reports.

Scrapy's robots.txt middleware logs a robots.txt it could not download (no DNS, host down,
timeout) as an ERROR with the whole traceback, naming the page that asked for it. A run with no
network would print two screens of traceback per host. This extension turns each such record
into one warning that says what happened and what follows from it (the host's pages are
fetched as if robots.txt allowed them, as Scrapy does); the traceback stays in a DEBUG log.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.python.failure import Failure

from crawler.run.outcomes import failure_reason

ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class _RobotsFailureLine(logging.Filter):
    def __init__(self, keep_tracebacks: bool) -> None:
        super().__init__()
        self.keep_tracebacks = keep_tracebacks  # a DEBUG log keeps them

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or self.keep_tracebacks:
            return True
        exc = record.exc_info[1]
        args = record.args if isinstance(record.args, dict) else {}
        request = args.get("request")
        if exc is None or request is None:
            return True
        record.msg = "robots.txt of %s not fetched (%s): its pages are fetched as it would allow"
        record.args = (urlsplit(request.url).netloc, failure_reason(Failure(exc)))
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True


class OneLineFailures:
    """Installs the filter while the crawl runs (an extension: EXTENSIONS)."""

    def __init__(self, log_level: str) -> None:
        self.filter = _RobotsFailureLine(keep_tracebacks=log_level.upper() == "DEBUG")
        logging.getLogger(ROBOTS_LOGGER).addFilter(self.filter)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OneLineFailures:
        ext = cls(str(crawler.settings.get("LOG_LEVEL")))
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        logging.getLogger(ROBOTS_LOGGER).removeFilter(self.filter)
