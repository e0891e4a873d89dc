"""WARC recording: crawl a loopback HTTP server, check the WARC, replay it."""

from __future__ import annotations

import gzip
import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import own_settings, runspider
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator
from warcio.capture_http import capture_http
from warcio.cli import main as warcio_main

from crawler.downloader.replay import WarcIndex, read_capture, warc_files
from crawler.downloader.warc import WarcRecorderMiddleware

REPO = Path(__file__).parents[1]


def page(title: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>".encode()


PAGES = {"/": page("Front page"), "/gz": page("Gzipped story"), "/chunked": page("Chunked story")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = PAGES.get(self.path)
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif body is None:
            self.send_error(404)
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 16):
                part = body[i : i + 16]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            if self.path == "/gz":
                body = gzip.compress(body)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if self.path == "/gz":
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def httpd() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server(httpd: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}"


SPIDER = """
import scrapy


class WarcTestSpider(scrapy.Spider):
    name = "warc_test"

    def __init__(self, urls="", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = urls.split(",")

    def parse(self, response):
        yield {"url": response.url, "status": response.status, "body": response.text}
"""


def crawl(tmp_path: Path, urls: list[str], *settings: str) -> tuple[dict[str, str], str]:
    """Run the spider in a fresh `scrapy runspider` process; return ({url: body}, log)."""
    items, log = runspider(tmp_path, SPIDER, urls, *settings)
    return {item["url"]: item["body"] for item in items}, log


def records(path: Path) -> list[dict]:
    """Each record's WARC headers, HTTP headers and raw (still encoded) payload."""
    found = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            found.append(
                {
                    "type": record.rec_type,
                    "warc": dict(record.rec_headers.headers),
                    "http": record.http_headers,
                    "raw": record.raw_stream.read(),
                }
            )
    return found


def warcio_exit_code(*args: str) -> int:
    try:
        warcio_main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_recorded_warc_is_valid_and_complete(tmp_path: Path, server: str, capsys) -> None:
    warc_dir = tmp_path / "warcs"
    urls = [f"{server}/", f"{server}/gz", f"{server}/chunked", f"{server}/moved"]
    bodies, log = crawl(tmp_path, urls, f"WARC_DIR={warc_dir}")
    assert bodies[f"{server}/gz"] == page("Gzipped story").decode()
    files = sorted(warc_dir.iterdir())
    assert len(files) == 1 and files[0].name.endswith(".warc.gz")
    assert files[0].name.startswith("newsarchive-") and files[0].name.endswith("-00000.warc.gz")

    recs = records(files[0])
    assert recs[0]["type"] == "warcinfo"
    assert b"newsarchive/" in recs[0]["raw"] and b"Scrapy/" in recs[0]["raw"]
    assert recs[0]["warc"]["WARC-Filename"] == files[0].name
    assert all(r["warc"]["WARC-Type"] == r["type"] for r in recs)
    assert {r["warc"].get("WARC-Type") for r in recs} == {"warcinfo", "request", "response"}
    requests = {r["warc"]["WARC-Target-URI"]: r for r in recs if r["type"] == "request"}
    responses = {r["warc"]["WARC-Target-URI"]: r for r in recs if r["type"] == "response"}
    # "/moved" redirects to "/", fetched twice (start URL + redirect target): same URI, 2 pairs
    assert len(recs) == 1 + 2 * 5
    assert set(requests) == set(responses) == set(urls)
    for url, resp in responses.items():
        req = requests[url]
        assert resp["warc"]["WARC-Concurrent-To"] == req["warc"]["WARC-Record-ID"]
        assert req["warc"]["WARC-Concurrent-To"] == resp["warc"]["WARC-Record-ID"]
        assert resp["warc"]["WARC-IP-Address"] == "127.0.0.1"
        assert recs[0]["warc"]["WARC-Date"] <= resp["warc"]["WARC-Date"]
        assert req["http"].protocol == "GET" and req["http"].get_header("Host")
    gz = responses[f"{server}/gz"]
    assert gz["http"].get_header("Content-Encoding") == "gzip"
    assert gzip.decompress(gz["raw"]) == page("Gzipped story")  # stored as received
    chunked = responses[f"{server}/chunked"]
    assert chunked["http"].get_header("Transfer-Encoding") is None
    assert chunked["raw"] == page("Chunked story")  # de-chunked
    assert responses[f"{server}/moved"]["http"].get_statuscode() == "301"
    assert responses[f"{server}/moved"]["http"].statusline == "301 Moved Permanently"
    assert requests[f"{server}/gz"]["http"].get_header("Accept-Encoding")

    assert "'warc/records': 11" in log and "'warc/files': 1" in log
    assert warcio_exit_code("check", "-v", str(files[0])) == 0
    capsys.readouterr()
    assert (
        warcio_exit_code("index", "-f", "warc-type,warc-target-uri,http:status", str(files[0])) == 0
    )
    index = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["warc-type"] for row in index] == [r["type"] for r in recs]
    assert {row.get("http:status") for row in index if row["warc-type"] == "response"} == {
        "200",
        "301",
    }


def test_rotation_makes_several_complete_files(tmp_path: Path, server: str) -> None:
    warc_dir = tmp_path / "warcs"
    urls = [f"{server}/", f"{server}/gz", f"{server}/chunked"]
    _, log = crawl(tmp_path, urls, f"WARC_DIR={warc_dir}", "WARC_MAX_SIZE=1")
    files = sorted(warc_dir.iterdir())
    assert [f.name[-14:] for f in files] == [f"-{n:05d}.warc.gz" for n in range(3)]
    for path in files:
        assert [r["type"] for r in records(path)] == ["warcinfo", "request", "response"]
        assert warcio_exit_code("check", str(path)) == 0
    assert "'warc/files': 3" in log and "'warc/records': 9" in log


def test_round_trip_replays_the_recorded_bodies(
    tmp_path: Path, server: str, httpd: ThreadingHTTPServer
) -> None:
    recorded, rerecorded = tmp_path / "warcs", tmp_path / "again"
    urls = [f"{server}/", f"{server}/gz", f"{server}/chunked", f"{server}/moved"]
    live, _ = crawl(tmp_path, urls, f"WARC_DIR={recorded}")
    httpd.shutdown()  # from here on, anything that went to the network would fail
    httpd.server_close()
    replayed, log = crawl(tmp_path, urls, f"REPLAY_WARC={recorded}", f"WARC_DIR={rerecorded}")
    assert replayed == live and len(live) == 3
    assert "'replay/served': 5" in log and "not in replay" not in log
    assert not rerecorded.exists()  # replayed responses are not recorded again


def test_killed_crawl_leaves_a_readable_open_file(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict=own_settings(WARC_DIR=str(tmp_path)))
    mw = WarcRecorderMiddleware.from_crawler(crawler)
    url = "http://news.example/story"
    request = Request(url)
    response = HtmlResponse(url, body=page("Story"), headers={"Content-Type": "text/html"})
    assert mw.process_response(request, response) is response
    [partial] = tmp_path.iterdir()
    assert partial.name.endswith(".warc.gz.open")
    # the process "dies" here, in the middle of its next record, yet the file replays
    torn = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + page("Next") * 50)[:60]
    with partial.open("ab") as fh:
        fh.write(torn)
    index = WarcIndex(warc_files(tmp_path))
    assert read_capture(index.lookup(url), url).body == page("Story")
    mw.spider_closed()
    assert [p.name for p in tmp_path.iterdir()] == [partial.name.removesuffix(".open")]
    assert crawler.stats.get_value("warc/records") == 3


def test_disabled_without_warc_dir() -> None:
    with pytest.raises(NotConfigured):
        WarcRecorderMiddleware.from_crawler(get_crawler())


def test_replays_a_warcio_capture_http_warc(tmp_path: Path, server: str) -> None:
    warc = tmp_path / "captured.warc.gz"
    with capture_http(str(warc)):
        for path in ("/gz", "/chunked"):
            urllib.request.urlopen(server + path).read()
    replayed, _ = crawl(tmp_path, [f"{server}/gz", f"{server}/chunked"], f"REPLAY_WARC={warc}")
    assert replayed == {
        f"{server}/gz": page("Gzipped story").decode(),
        f"{server}/chunked": page("Chunked story").decode(),
    }
