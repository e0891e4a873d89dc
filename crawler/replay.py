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

Stats: ``replay/served``, ``replay/not_in_replay``.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import SETTINGS_PRIORITIES
from w3lib.url import canonicalize_url
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_datetime

from crawler.warc import REPLAY_FLAG

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from warcio.recordloader import ArcWarcRecord

logger = logging.getLogger(__name__)

HANDLER = "crawler.replay.ReplayDownloadHandler"
WARC_SUFFIXES = (".warc", ".warc.gz", ".warc.open", ".warc.gz.open")
_FRAMING_HEADERS = {"transfer-encoding", "content-length"}
#: a replay's pace: no delay of any kind, and concurrency for reading files, not for a server
REPLAY_OVERRIDES: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "RANDOMIZE_DOWNLOAD_DELAY": False,
    "RETRY_AFTER_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
}


def _paths(value: Any) -> Iterator[Path]:
    if isinstance(value, str):
        yield from (Path(part.strip()) for part in value.split(",") if part.strip())
    elif isinstance(value, os.PathLike):
        yield Path(value)
    else:
        for item in value:
            yield from _paths(item)


def warc_files(value: Any) -> list[Path]:
    """Expand a ``REPLAY_WARC`` value (str with commas, Path, or a list of them) into WARC
    file paths; a folder contributes its WARC files sorted by name."""
    files: list[Path] = []
    for path in _paths(value or []):
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(WARC_SUFFIXES))
            )
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"REPLAY_WARC: no such file or folder: {path}")
    return list(dict.fromkeys(files))


def _canonical(url: str) -> str | None:
    try:
        return canonicalize_url(url)
    except Exception:  # a malformed URL in somebody else's WARC must not stop the replay
        return None


@dataclass(frozen=True)
class Capture:
    path: Path
    offset: int
    date: datetime


class WarcIndex:
    """URL -> where its latest ``response`` record lives."""

    def __init__(self, files: Iterable[Path]) -> None:
        self.exact: dict[str, Capture] = {}
        self.canonical: dict[str, Capture] = {}
        for path in files:
            self._add_file(path)

    def __len__(self) -> int:
        return len(self.exact)

    def _add_file(self, path: Path) -> None:
        with path.open("rb") as fh:
            it = ArchiveIterator(fh)
            try:
                for record in it:
                    if record.rec_type != "response":
                        continue
                    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
                    if uri:
                        self._add(uri, Capture(path, it.get_record_offset(), _date(record)))
            except Exception as exc:  # e.g. the torn last record of a killed crawl's .open file
                logger.warning("%s: stopped at a broken record (%s)", path, type(exc).__name__)

    def _add(self, uri: str, capture: Capture) -> None:
        # ">=": at equal dates (second-resolution WARC/1.0), the later record in reading order wins
        old = self.exact.get(uri)
        if old is None or capture.date >= old.date:
            self.exact[uri] = capture
        key = _canonical(uri)
        old = self.canonical.get(key) if key else None
        if key and (old is None or capture.date >= old.date):
            self.canonical[key] = capture

    def lookup(self, url: str) -> Capture | None:
        if url in self.exact:
            return self.exact[url]
        key = _canonical(url)
        return self.canonical.get(key) if key else None


def _date(record: ArcWarcRecord) -> datetime:
    try:
        return iso_date_to_datetime(record.rec_headers.get_header("WARC-Date"))
    except Exception:
        return datetime.min


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


_INDEXES: WeakKeyDictionary[Crawler, WarcIndex] = WeakKeyDictionary()


class ReplayDownloadHandler(BaseDownloadHandler):
    """Download handler answering http(s) requests from WARC ``response`` records."""

    lazy = False  # index at start-up, not on the first request

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        if crawler not in _INDEXES:  # http and https get a handler each; index only once
            files = warc_files(crawler.settings.get("REPLAY_WARC"))
            if not files:
                raise NotConfigured("REPLAY_WARC names no WARC files")
            _INDEXES[crawler] = WarcIndex(files)
            logger.info(
                "Replaying %d URLs from %d WARC files",
                len(_INDEXES[crawler]),
                len(files),
                extra={"crawler": crawler},
            )
        self.index = _INDEXES[crawler]

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
