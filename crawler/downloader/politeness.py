"""Back off when a site says so: HTTP 429 and 503, and their ``Retry-After`` header.

``RetryAfterMiddleware`` is a downloader middleware. Registered at 560, just inside Scrapy's
``RetryMiddleware`` (550), it sees these responses first. For each one it:

* reads ``Retry-After`` (delta-seconds or an HTTP-date, RFC 9110 §10.2.3); when that is
  missing or invalid it backs off exponentially: ``RETRY_AFTER_BACKOFF_BASE * 2 ** (n - 1)``
  seconds before retry ``n``;
* slows the whole host down: as soon as the answer is downloaded, the host's download slot
  gets a delay of at least the wait, counted from that answer, so the requests queued for the
  site hold back too. The slot keeps it until the site answers normally after the wait;
* retries the request once the wait is over, at most ``RETRY_AFTER_TIMES`` times; after that
  the response goes on, and ``HttpErrorMiddleware`` reports the page as failed. The wait is an
  ``await`` in ``process_response``: it suspends this request alone, not the crawl (though
  the request keeps its place among ``CONCURRENT_REQUESTS`` meanwhile).

A site asking for more than ``RETRY_AFTER_MAX`` seconds is not waited for: the request is given
up at once, with a warning. A given-up response is marked ``dont_retry`` so that
``RetryMiddleware`` does not retry it straight away. Replayed responses (``REPLAY_WARC``) are
left alone: no site is there to be polite to.

Settings: ``RETRY_AFTER_ENABLED`` (True), ``RETRY_AFTER_TIMES`` (3), ``RETRY_AFTER_MAX``
(600 s), ``RETRY_AFTER_BACKOFF_BASE`` (5 s), ``RETRY_AFTER_HTTP_CODES`` (429, 503), and
Scrapy's ``RETRY_PRIORITY_ADJUST``. Stats: ``retry_after/count``,
``retry_after/waited_seconds`` (sum), ``retry_after/gave_up`` (wait over the cap),
``retry_after/max_reached`` (retries exhausted).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib import metadata
from time import monotonic
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached

from crawler.downloader.warc import REPLAY_FLAG

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: request.meta key: how many times this middleware has retried the request
TIMES_KEY = "retry_after_times"


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` value (RFC 9110 §10.2.3): delta-seconds
    (digits only) or an HTTP-date, where a date in the past means 0. ``None`` if missing or
    invalid (a negative or fractional number is invalid)."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        date = parsedate_to_datetime(value)  # IMF-fixdate, and the obsolete RFC 850 and asctime
    except (TypeError, ValueError):
        return None
    if date.tzinfo is None:  # asctime carries no zone; HTTP dates are GMT
        date = date.replace(tzinfo=UTC)
    return max(0.0, (date - (now or datetime.now(UTC))).total_seconds())


def backoff(attempt: int, base: float) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...) when the site names no wait."""
    return base * 2 ** (attempt - 1)


@dataclass
class _Pause:
    """A host told to wait: its slot's delay before, the raised delay, and when the wait ends."""

    normal_delay: float
    delay: float
    until: float  # monotonic()


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("RETRY_AFTER_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.max_times = settings.getint("RETRY_AFTER_TIMES")
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX")
        self.base = settings.getfloat("RETRY_AFTER_BACKOFF_BASE")
        codes = settings.getlist("RETRY_AFTER_HTTP_CODES")
        self.http_codes = {int(code) for code in codes}
        self.priority_adjust = settings.getint("RETRY_PRIORITY_ADJUST")
        self.pauses: dict[str, _Pause] = {}  # by download slot key
        # the signal comes before the slot sends its next request; process_response comes after
        crawler.signals.connect(self._response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def wait_for(self, request: Request, response: Response) -> float | None:
        """Seconds the site asks us to wait before asking again; ``None`` if it does not."""
        if (
            response.status not in self.http_codes
            or REPLAY_FLAG in response.flags
            or request.meta.get("dont_retry", False)
        ):
            return None
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None:
            wait = min(backoff(request.meta.get(TIMES_KEY, 0) + 1, self.base), self.max_wait)
        return wait

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        wait = self.wait_for(request, response)
        if wait is None:
            return response
        attempt = request.meta.get(TIMES_KEY, 0) + 1
        stats = self.crawler.stats
        log = {
            "host": urlparse_cached(request).netloc,
            "status": response.status,
            "url": request.url,
            "wait": wait,
            "attempt": attempt,
            "times": self.max_times,
            "max": self.max_wait,
        }
        extra = {"spider": self.crawler.spider}
        if wait > self.max_wait or attempt > self.max_times:
            if wait > self.max_wait:
                stats.inc_value("retry_after/gave_up")
                msg = "%(host)s answered %(status)d asking to wait %(wait).0f s, over RETRY_AFTER_MAX (%(max).0f s): giving up %(url)s"
            else:
                stats.inc_value("retry_after/max_reached")
                msg = "%(host)s still answers %(status)d after %(times)d retries: giving up %(url)s"
            logger.warning(msg, log, extra=extra)
            request.meta["dont_retry"] = True  # nor should RetryMiddleware retry it at once
            return response
        stats.inc_value("retry_after/count")
        stats.inc_value("retry_after/waited_seconds", wait)
        logger.info(
            "%(host)s answered %(status)d: waiting %(wait).1f s before retry %(attempt)d/%(times)d of %(url)s",
            log,
            extra=extra,
        )
        await sleep(wait)
        retry = request.replace(dont_filter=True, priority=request.priority + self.priority_adjust)
        retry.meta[TIMES_KEY] = attempt
        return retry

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        key: str | None = request.meta.get("download_slot")
        slot = self.crawler.engine.downloader.slots.get(key) if key is not None else None
        if slot is None:
            return
        wait = self.wait_for(request, response)
        if wait is not None and 0 < wait <= self.max_wait:
            self._pause(key, slot, wait)
        elif (pause := self.pauses.get(key)) is not None:
            if monotonic() < pause.until:  # AutoThrottle may have lowered it meanwhile
                slot.delay = max(slot.delay, pause.delay)
            else:
                slot.delay = self.pauses.pop(key).normal_delay
                logger.info(
                    "%(host)s answers again: its download delay is back to %(delay).2f s",
                    {"host": urlparse_cached(request).netloc, "delay": slot.delay},
                    extra={"spider": spider},
                )

    def _pause(self, key: str, slot: Slot, wait: float) -> None:
        now = monotonic()
        pause = self.pauses.setdefault(key, _Pause(slot.delay, slot.delay, now))
        pause.delay = max(pause.delay, slot.delay, wait)
        pause.until = max(pause.until, now + wait)
        slot.delay = pause.delay
        # the slot sends its next request `delay` (± jitter) after `lastseen`: count from now
        slot.lastseen = max(slot.lastseen, now)


class UserAgentAddon:
    """Builds the User-Agent from CONTACT, so that ``-s CONTACT=mailto:you@example.org`` is
    enough for site owners to see who crawls them. An explicit USER_AGENT (``-s USER_AGENT=``)
    wins."""

    TEMPLATE = "newsarchive/{version} (+{contact})"

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.getpriority("USER_AGENT") > settings.getpriority("CONTACT"):
            return
        contact = settings.get("CONTACT")
        if contact:
            user_agent = self.TEMPLATE.format(version=_version(), contact=contact)
            settings.set("USER_AGENT", user_agent, priority="addon")


def _version() -> str:
    try:
        return metadata.version("newsarchive")
    except metadata.PackageNotFoundError:
        return "dev"
