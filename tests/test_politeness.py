"""RetryAfterMiddleware: Retry-After parsing, backoff, the host pause, and crawls of a loopback
site that answers 429/503.

No test asserts how long anything took: only counts, stats, log lines, and lower bounds on the
gaps between the requests the site received (a retry may come later than asked, never sooner).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from time import monotonic
from types import SimpleNamespace

import pytest
from conftest import own_settings, runspider
from scrapy.core.downloader import Slot
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.downloader import politeness
from crawler.downloader.politeness import (
    TIMES_KEY,
    RetryAfterMiddleware,
    UserAgentAddon,
    backoff,
    parse_retry_after,
)
from crawler.downloader.warc import REPLAY_FLAG

# -- Retry-After and backoff ---------------------------------------------------------------------

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        (b"5", 5.0),
        ("0", 0.0),
        ("Wed, 01 Jan 2025 00:00:30 GMT", 30.0),  # IMF-fixdate in the future
        ("Wednesday, 01-Jan-25 00:01:00 GMT", 60.0),  # obsolete RFC 850 form
        ("Wed Jan  1 00:02:00 2025", 120.0),  # obsolete asctime form, no zone: GMT
        ("Tue, 31 Dec 2024 23:59:00 GMT", 0.0),  # in the past: now
    ],
)
def test_retry_after_values(value: str | bytes, expected: float) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "120abc", "1e3", "١٢"])
def test_invalid_retry_after_is_none(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_backoff_doubles() -> None:
    assert [backoff(n, 5) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert [backoff(n, 0.2) for n in (1, 2)] == [0.2, 0.4]


def middleware(**settings: object) -> RetryAfterMiddleware:
    return RetryAfterMiddleware.from_crawler(get_crawler(settings_dict=own_settings(**settings)))


def response(status: int, url: str = "https://news.example/a", **kwargs: object) -> HtmlResponse:
    return HtmlResponse(url=url, status=status, request=Request(url), **kwargs)


def test_missing_retry_after_backs_off_up_to_the_cap() -> None:
    mw = middleware(RETRY_AFTER_MAX=30)
    waits = []
    for done in range(4):
        request = Request("https://news.example/a", meta={TIMES_KEY: done})
        waits.append(mw.wait_for(request, response(429)))
    assert waits == [5, 10, 20, 30]


def test_only_throttling_answers_ask_for_a_wait() -> None:
    mw = middleware()
    request = Request("https://news.example/a")
    assert mw.wait_for(request, response(503, headers={"Retry-After": "9"})) == 9
    assert mw.wait_for(request, response(200, headers={"Retry-After": "9"})) is None
    assert mw.wait_for(request, response(500)) is None
    assert mw.wait_for(request, response(429, flags=[REPLAY_FLAG])) is None
    assert (
        mw.wait_for(Request("https://news.example/a", meta={"dont_retry": True}), response(429))
        is None
    )
    assert middleware(RETRY_AFTER_HTTP_CODES="418").wait_for(request, response(418)) == 5


def test_disabled() -> None:
    with pytest.raises(NotConfigured):
        middleware(RETRY_AFTER_ENABLED=False)


def test_retry_request_comes_after_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(politeness, "sleep", sleep)
    mw = middleware()
    request = Request("https://news.example/a", priority=3, meta={"download_slot": "news.example"})
    retry = asyncio.run(mw.process_response(request, response(429, headers={"Retry-After": "7"})))
    assert slept == [7.0]
    assert isinstance(retry, Request) and retry.url == request.url
    assert retry.dont_filter and retry.priority == 2 and retry.meta[TIMES_KEY] == 1
    assert TIMES_KEY not in request.meta
    assert mw.crawler.stats.get_value("retry_after/count") == 1
    ok = response(200)
    assert asyncio.run(mw.process_response(request, ok)) is ok


def test_a_throttled_host_is_paused_then_resumed(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(politeness, "monotonic", lambda: clock[0])
    mw = middleware()
    slot = Slot(concurrency=4, delay=0.5, jitter=0.5)
    mw.crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={"news.example": slot}))
    request = Request("https://news.example/a", meta={"download_slot": "news.example"})

    mw._response_downloaded(response(429, headers={"Retry-After": "30"}), request, None)
    assert slot.delay == 30 and slot.lastseen == 1000.0

    clock[0] = 1010.0  # an earlier request comes back fine; AutoThrottle lowered the delay
    slot.delay = 2.0
    mw._response_downloaded(response(200), request, None)
    assert slot.delay == 30

    clock[0] = 1031.0  # the wait is over and the site answers normally
    mw._response_downloaded(response(200), request, None)
    assert slot.delay == 0.5


# -- crawls of a loopback site -------------------------------------------------------------------

Answer = tuple[int, dict[str, str]]
OK: Answer = (200, {})


class Site:
    """A loopback site: the nth request to a path gets the nth answer of that path's script
    (the last answer repeats); it records when each request arrived (monotonic seconds)."""

    def __init__(self, scripts: dict[str, list[Answer]]) -> None:
        self.scripts = scripts
        self.hits: list[tuple[str, float]] = []
        lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with lock:
                    script = site.scripts[self.path]
                    status, headers = script[min(len(site.times(self.path)), len(script) - 1)]
                    site.hits.append((self.path, monotonic()))
                body = f"<html><body><h1>{status}</h1></body></html>".encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def times(self, path: str) -> list[float]:
        return [t for p, t in self.hits if p == path]


@pytest.fixture
def site() -> Iterator[Callable[[dict[str, list[Answer]]], Site]]:
    started: list[Site] = []

    def start(scripts: dict[str, list[Answer]]) -> Site:
        started.append(Site(scripts))
        return started[-1]

    yield start
    for s in started:
        s.httpd.shutdown()
        s.httpd.server_close()


SPIDER = """
import scrapy


class PolitenessTestSpider(scrapy.Spider):
    name = "politeness_test"

    def __init__(self, urls="", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = urls.split(",")

    def parse(self, response):
        yield {"url": response.url, "status": response.status}
"""

MIDDLEWARES = {
    "crawler.downloader.warc.WarcRecorderMiddleware": 890,
    "crawler.downloader.politeness.RetryAfterMiddleware": 560,
}
#: Scrapy's default RETRY_HTTP_CODES minus 429 and 503 (comma-separated: getlist splits a
#: string on commas, so "[500,502]" would not parse)
RETRY_HTTP_CODES = "RETRY_HTTP_CODES=500,502,504,522,524,408"
SETTINGS = (
    f"DOWNLOADER_MIDDLEWARES={json.dumps(MIDDLEWARES)}",
    RETRY_HTTP_CODES,
    "ROBOTSTXT_OBEY=False",
    "LOG_LEVEL=INFO",
)


def crawl(tmp_path: Path, urls: list[str], *settings: str) -> tuple[list[dict], str]:
    return runspider(tmp_path, SPIDER, urls, *SETTINGS, *settings)


def stat(log: str, key: str) -> float | None:
    """A value from the stats Scrapy dumps at the end of the log."""
    found = re.search(rf"'{re.escape(key)}': ([\d.]+)", log)
    return float(found.group(1)) if found else None


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def test_429_with_retry_after_is_retried_after_the_wait(tmp_path: Path, site) -> None:
    throttled: Answer = (429, {"Retry-After": "1"})
    s = site({"/story": [throttled, throttled, OK]})
    items, log = crawl(tmp_path, [s.url("/story")])
    assert items == [{"url": s.url("/story"), "status": 200}]
    times = s.times("/story")
    assert len(times) == 3
    assert all(gap >= 1.0 for gap in gaps(times)), gaps(times)
    for attempt in (1, 2):
        assert f"{s.host} answered 429: waiting 1.0 s before retry {attempt}/3" in log
    assert stat(log, "retry_after/count") == 2
    assert stat(log, "retry_after/waited_seconds") == 2.0
    assert stat(log, "retry_after/gave_up") is None


def test_a_throttled_host_holds_back_its_other_requests(tmp_path: Path, site) -> None:
    throttled: Answer = (429, {"Retry-After": "1"})
    s = site({"/a": [throttled, OK], "/b": [throttled, OK]})
    one_at_a_time = ("CONCURRENT_REQUESTS_PER_DOMAIN=1", "DOWNLOAD_DELAY_JITTER=0")
    items, log = crawl(tmp_path, [s.url("/a"), s.url("/b")], *one_at_a_time)
    assert sorted(item["url"] for item in items) == [s.url("/a"), s.url("/b")]
    (first, t0), (second, t1) = sorted(s.hits, key=lambda hit: hit[1])[:2]
    assert first != second  # the other page was queued behind the 429 ...
    assert t1 - t0 >= 1.0  # ... and held back by the slot until the wait was over
    assert f"{s.host} answers again: its download delay is back to 0.00 s" in log
    assert stat(log, "retry_after/count") == 2


@pytest.mark.parametrize(
    "retry_codes",
    [RETRY_HTTP_CODES, "RETRY_HTTP_CODES=500,502,503,504,522,524,408,429"],
    ids=["recommended", "scrapy-default"],
)
def test_a_wait_over_the_cap_is_given_up(tmp_path: Path, site, retry_codes: str) -> None:
    s = site({"/down": [(503, {"Retry-After": "100000"})]})
    items, log = crawl(tmp_path, [s.url("/down")], retry_codes)
    assert items == []
    assert len(s.times("/down")) == 1  # not retried, by RetryMiddleware either
    assert re.search(
        rf"WARNING: {s.host} answered 503 asking to wait 100000 s, over RETRY_AFTER_MAX \(600 s\)",
        log,
    )
    assert f"Ignoring response <503 {s.url('/down')}>" in log
    assert stat(log, "retry_after/gave_up") == 1
    assert stat(log, "retry_after/count") is None


def test_429_without_retry_after_backs_off(tmp_path: Path, site) -> None:
    s = site({"/busy": [(429, {}), (429, {}), OK]})
    items, log = crawl(tmp_path, [s.url("/busy")], "RETRY_AFTER_BACKOFF_BASE=0.2")
    assert items == [{"url": s.url("/busy"), "status": 200}]
    first, second = gaps(s.times("/busy"))
    assert first >= 0.2 and second >= 0.4
    assert f"{s.host} answered 429: waiting 0.2 s before retry 1/3" in log
    assert f"{s.host} answered 429: waiting 0.4 s before retry 2/3" in log
    assert stat(log, "retry_after/waited_seconds") == pytest.approx(0.6)


def test_exhausted_retries_let_the_error_through(tmp_path: Path, site) -> None:
    s = site({"/busy": [(429, {"Retry-After": "0"})]})
    items, log = crawl(tmp_path, [s.url("/busy")], "RETRY_AFTER_TIMES=2")
    assert items == []
    assert len(s.times("/busy")) == 3  # the request and 2 retries
    assert f"WARNING: {s.host} still answers 429 after 2 retries: giving up" in log
    assert f"Ignoring response <429 {s.url('/busy')}>" in log  # HttpErrorMiddleware
    assert stat(log, "retry_after/count") == 2
    assert stat(log, "retry_after/max_reached") == 1


def _settings_after_addons(**cmdline) -> Settings:
    from crawler import settings as project_settings

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.update(cmdline, priority="cmdline")
    UserAgentAddon().update_settings(settings)
    return settings


def test_the_user_agent_names_the_contact_setting():
    default = _settings_after_addons()["USER_AGENT"]
    assert default.startswith("newsarchive/") and "(+https://" in default
    mine = _settings_after_addons(CONTACT="mailto:archivist@example.org")["USER_AGENT"]
    assert mine.endswith("(+mailto:archivist@example.org)")
    explicit = _settings_after_addons(CONTACT="mailto:a@example.org", USER_AGENT="MyBot/1.0")
    assert explicit["USER_AGENT"] == "MyBot/1.0"
