"""Serve a crawl from WARC files instead of the network.

``ReplayAddon`` (listed in ``ADDONS``) reads ``REPLAY_WARC``: WARC files and/or folders, as a
comma-separated string, a ``Path`` or a list. When it is set, the add-on points the ``http`` and
``https`` download handlers at ``ReplayDownloadHandler``, so no request reaches the network;
when it is empty the add-on does nothing.

The handler indexes every ``response`` record of those files at start-up (the latest capture
of a URL wins) and answers each request from the index: exact URL first, then the
``canonicalize_url`` form of both sides. Bodies are decoded (chunked transfer coding and
Content-Encoding undone by warcio), so those framing headers are dropped. A URL missing from
the archive gets an empty 404 and a ``not in replay`` warning. Replayed responses carry the
``"replay"`` flag, which keeps ``WarcRecorderMiddleware`` from recording them again.

A replay has no server to be polite to, so the add-on also takes every wait off the crawl
(``REPLAY_OVERRIDES``: AutoThrottle, download delays, Retry-After waits) and sizes concurrency
for local work. Only values given on the command line (``-s``) are kept: a test may slow a
replay down on purpose. A live crawl (no ``REPLAY_WARC``) keeps its politeness untouched.

Which files are replayed, what is wrong with a file that cannot be, and the index of URLs live in
``crawler/downloader/replay_index.py``.

Stats: ``replay/served``, ``replay/not_in_replay``, ``replay/truncated_files`` (``.open`` WARCs of
a killed crawl, replayed up to their torn last record).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Any
from weakref import WeakSet

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import SETTINGS_PRIORITIES
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.statusandheaders import StatusAndHeaders

from crawler.downloader.replay_index import (
    WARC_SUFFIXES,
    Capture,
    NoSuchReplayPath,
    ReplayError,
    WarcIndex,
    load_index,
    replay_problem,
    warc_files,
)
from crawler.downloader.warc import REPLAY_FLAG

__all__ = [
    "HANDLER",
    "WARC_SUFFIXES",
    "Capture",
    "NoSuchReplayPath",
    "ReplayAddon",
    "ReplayDownloadHandler",
    "ReplayError",
    "WarcIndex",
    "read_capture",
    "replay_problem",
    "warc_files",
]

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

HANDLER = "crawler.downloader.replay.ReplayDownloadHandler"
_FRAMING_HEADERS = {"transfer-encoding", "content-length"}
#: a replay's pace: no delay of any kind, and concurrency for reading files, not for a server
REPLAY_OVERRIDES: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "RETRY_AFTER_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
}


def read_capture(capture: Capture, url: str) -> Response:
    """Load one ``response`` record into a Scrapy response of the right class."""
    with capture.path.open("rb") as fh:
        fh.seek(capture.offset)
        record = next(iter(ArchiveIterator(fh)))
        http = record.http_headers or StatusAndHeaders("200 OK", [], protocol="HTTP/1.1")
        body = record.content_stream().read()
        ip = record.rec_headers.get_header("WARC-IP-Address")
    dropped = set(_FRAMING_HEADERS)
    encoding = (http.get_header("Content-Encoding") or "").strip().lower()
    if encoding in BufferedReader.get_supported_decompressors():
        dropped.add("content-encoding")  # warcio decoded it; otherwise leave it to Scrapy
    headers = Headers([(k, v) for k, v in http.headers if k.lower() not in dropped])
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(
        url=url,
        status=int(http.get_statuscode() or 200),
        headers=headers,
        body=body,
        flags=[REPLAY_FLAG],
        ip_address=_ip(ip),
    )


def _ip(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value) if value else None
    except ValueError:
        return None


_ANNOUNCED: WeakSet[Crawler] = WeakSet()


class ReplayDownloadHandler(BaseDownloadHandler):
    """Download handler answering http(s) requests from WARC ``response`` records."""

    lazy = False  # index at start-up, not on the first request

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        files = warc_files(crawler.settings.get("REPLAY_WARC"))
        if not files:
            raise NotConfigured("REPLAY_WARC names no WARC files")
        self.index = load_index(files)  # http and https get a handler each: indexed once
        if crawler not in _ANNOUNCED:
            _ANNOUNCED.add(crawler)
            logger.info(
                "Replaying %d URLs from %d WARC files",
                len(self.index),
                len(files),
                extra={"crawler": crawler},
            )
            if self.index.problems:
                crawler.stats.set_value("replay/truncated_files", len(self.index.problems))

    async def download_request(self, request: Request) -> Response:
        stats = self.crawler.stats
        capture = self.index.lookup(request.url)
        if capture is None:
            logger.warning("URL not in replay: %s", request.url, extra={"crawler": self.crawler})
            stats.inc_value("replay/not_in_replay")
            return Response(request.url, status=404, flags=[REPLAY_FLAG], request=request)
        response = read_capture(capture, request.url)
        response.request = request
        stats.inc_value("replay/served")
        return response


class ReplayAddon:
    """Route http/https downloads to ``ReplayDownloadHandler`` when ``REPLAY_WARC`` is set."""

    def update_settings(self, settings: Settings) -> None:
        value = settings.get("REPLAY_WARC")
        if not value:
            return
        warc_files(value)  # fail fast on a mistyped path, before anything is crawled
        set_replay_pace(settings)
        handlers = settings["DOWNLOAD_HANDLERS"]  # a BaseSettings: per-key priorities
        for scheme in ("http", "https"):
            handlers.set(scheme, HANDLER, "addon")
            if handlers[scheme] != HANDLER:
                logger.warning(
                    "REPLAY_WARC is set but DOWNLOAD_HANDLERS[%r] is overridden by %r: "
                    "those requests will NOT be replayed",
                    scheme,
                    handlers[scheme],
                )


def set_replay_pace(settings: Settings) -> None:
    """Apply ``REPLAY_OVERRIDES`` over project and spider settings; keep command-line ones."""
    cmdline, addon = SETTINGS_PRIORITIES["cmdline"], SETTINGS_PRIORITIES["addon"]
    kept = []
    for name, value in REPLAY_OVERRIDES.items():
        priority = settings.getpriority(name) or 0
        if priority >= cmdline:
            kept.append(f"{name}={settings[name]}")
        else:
            settings.set(name, value, priority=max(priority, addon))
    logger.info(
        "Replay: no download delay, no AutoThrottle, no Retry-After waits%s",
        f" (kept from the command line: {', '.join(kept)})" if kept else "",
    )
