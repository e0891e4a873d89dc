"""Record every HTTP exchange of a crawl into rotating gzip WARC/1.1 files.

``WarcRecorderMiddleware`` is a downloader middleware, switched on by the ``WARC_DIR`` setting.
It sits at priority 890, between the download handler and ``HttpCompressionMiddleware``, so it
sees each response body as it came off the wire (only de-chunked): a gzip body is stored
gzipped, next to its ``Content-Encoding`` header, exactly as a WARC should hold it.

Files are named ``newsarchive-<UTC YYYYmmddHHMMSS>-<serial>.warc.gz``. The file being written
carries an extra ``.open`` suffix, dropped when the file is rotated (past ``WARC_MAX_SIZE``
bytes) or the spider closes. Every record is its own gzip member and is flushed at once, so a
killed crawl leaves an ``.open`` file of complete records that any WARC reader (and
``REPLAY_WARC``) accepts.

Settings: ``WARC_DIR`` (folder; empty = off), ``WARC_MAX_SIZE`` (bytes, default 1_000_000_000).
Stats: ``warc/records``, ``warc/files``. Each recorded response's ``meta["warc_record"]`` is
``[file name, record id]`` (the name the file has once closed), which the post keeps.
"""

from __future__ import annotations

import http
import importlib.metadata
import logging
from collections.abc import Collection
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urldefrag

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.http.headers import Headers
    from warcio.recordloader import ArcWarcRecord

logger = logging.getLogger(__name__)

FILE_PREFIX = "newsarchive"
OPEN_SUFFIX = ".open"
#: responses carrying this flag came out of an archive and are never recorded again
REPLAY_FLAG = "replay"
#: request/response meta key: [WARC file name, WARC-Record-ID] of the recorded response
WARC_RECORD_META = "warc_record"
#: the payload is stored de-chunked, so a chunked framing header would lie about it
_DROPPED_RESPONSE_HEADERS = {b"transfer-encoding"}
#: meant for the proxy, not the site, and a secret: keep it out of the archive
_DROPPED_REQUEST_HEADERS = {b"proxy-authorization"}


def _software() -> str:
    try:
        ours = importlib.metadata.version("newsarchive")
    except importlib.metadata.PackageNotFoundError:
        ours = "dev"
    return f"newsarchive/{ours} Scrapy/{scrapy.__version__}"


def _header_list(headers: Headers, drop: Collection[bytes] = ()) -> list[tuple[str, str]]:
    """Scrapy headers -> warcio (name, value) str pairs, repeated headers kept in order."""

    def text(raw: bytes) -> str:
        # warcio writes headers as ASCII and %-encodes anything else; UTF-8 reads best there
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    pairs = []
    for name, values in headers.items():
        if name.lower() in drop:
            continue
        pairs.extend((text(name), text(value)) for value in values)
    return pairs


class WarcRecorderMiddleware:
    """Write a WARC ``request`` + ``response`` record pair for each downloaded response."""

    def __init__(self, crawler: Crawler, warc_dir: Path, max_size: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.warc_dir = warc_dir
        self.max_size = max_size
        self.serial = 0
        self.path: Path | None = None  # final name of the file being written
        self.file: IO[bytes] | None = None
        self.writer: WARCWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        warc_dir = crawler.settings.get("WARC_DIR")
        if not warc_dir:
            raise NotConfigured  # silently off: recording is opt-in
        max_size = crawler.settings.getint("WARC_MAX_SIZE")
        mw = cls(crawler, Path(warc_dir), max_size)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    # -- downloader middleware API -------------------------------------------------------------

    def process_response(self, request: Request, response: Response) -> Response:
        if REPLAY_FLAG in response.flags:
            return response
        if urlparse_cached(request).scheme not in ("http", "https"):
            return response
        self.record(request, response)
        return response

    def spider_closed(self) -> None:
        self.close_file()

    # -- records -------------------------------------------------------------------------------

    def record(self, request: Request, response: Response) -> None:
        """Write the request/response pair, linked both ways by ``WARC-Concurrent-To``."""
        writer = self._writer()
        uri = urldefrag(response.url)[0]
        date = writer.curr_warc_date()
        req = self._request_record(writer, uri, date, request)
        resp = self._response_record(writer, uri, date, response)
        req_id = req.rec_headers.get_header("WARC-Record-ID")
        resp_id = resp.rec_headers.get_header("WARC-Record-ID")
        req.rec_headers.add_header("WARC-Concurrent-To", resp_id)
        resp.rec_headers.add_header("WARC-Concurrent-To", req_id)
        self._write(req)
        self._write(resp)
        # the capture, for the post of the article on this page (its `warc_record` key)
        assert self.path is not None
        request.meta[WARC_RECORD_META] = [self.path.name, resp_id.strip("<>")]
        assert self.file is not None
        if self.file.tell() > self.max_size:
            self.close_file()

    @staticmethod
    def _request_record(writer: WARCWriter, uri: str, date: str, request: Request) -> ArcWarcRecord:
        parsed = urlparse_cached(request)
        target = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
        headers = _header_list(request.headers, _DROPPED_REQUEST_HEADERS)
        if not request.headers.get(b"Host"):
            # added by the HTTP client below the middlewares; put it back for a faithful record
            headers.insert(0, ("Host", parsed.netloc.rpartition("@")[2]))
        http_headers = StatusAndHeaders(
            f"{request.method} {target} HTTP/1.1", headers, is_http_request=True
        )
        return writer.create_warc_record(
            uri,
            "request",
            payload=BytesIO(request.body),
            length=len(request.body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date},
        )

    @staticmethod
    def _response_record(
        writer: WARCWriter, uri: str, date: str, response: Response
    ) -> ArcWarcRecord:
        try:
            reason = http.HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        http_headers = StatusAndHeaders(
            f"{response.status} {reason}".rstrip(),
            _header_list(response.headers, _DROPPED_RESPONSE_HEADERS),
            protocol="HTTP/1.1",
        )
        warc_headers = {"WARC-Date": date}
        if response.ip_address is not None:
            warc_headers["WARC-IP-Address"] = str(response.ip_address)
        return writer.create_warc_record(
            uri,
            "response",
            payload=BytesIO(response.body),
            length=len(response.body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )

    # -- files ---------------------------------------------------------------------------------

    def _writer(self) -> WARCWriter:
        if self.writer is None:
            self._open_file()
        assert self.writer is not None
        return self.writer

    def _open_file(self) -> None:
        self.warc_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        while True:
            path = self.warc_dir / f"{FILE_PREFIX}-{stamp}-{self.serial:05d}.warc.gz"
            self.serial += 1
            partial = path.with_name(path.name + OPEN_SUFFIX)
            if not path.exists() and not partial.exists():
                break
        self.path = path
        self.file = partial.open("xb")
        self.writer = WARCWriter(self.file, gzip=True, warc_version="1.1")
        info = {
            "software": _software(),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        }
        self._write(self.writer.create_warcinfo_record(path.name, info))
        self.stats.inc_value("warc/files")
        logger.info("Writing WARC %s", partial, extra={"crawler": self.crawler})

    def _write(self, record: ArcWarcRecord) -> None:
        assert self.writer is not None and self.file is not None
        self.writer.write_record(record)
        self.file.flush()
        self.stats.inc_value("warc/records")

    def close_file(self) -> None:
        """Close the current file, if any, and drop its ``.open`` suffix."""
        if self.file is None or self.path is None:
            return
        self.file.close()
        Path(self.file.name).rename(self.path)
        logger.info("Closed WARC %s", self.path, extra={"crawler": self.crawler})
        self.file = self.writer = self.path = None
