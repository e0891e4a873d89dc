"""Replay: WARCs built here with warcio's own writer, served to a real Scrapy crawl."""

from __future__ import annotations

import gzip
from io import BytesIO
from pathlib import Path

import pytest
from conftest import runspider
from scrapy.http import HtmlResponse, TextResponse
from scrapy.settings import Settings
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.downloader.replay import HANDLER, ReplayAddon, WarcIndex, read_capture, warc_files

REPO = Path(__file__).parents[1]
SITE = "http://news.example"

SPIDER = """
import scrapy


class ReplayTestSpider(scrapy.Spider):
    name = "replay_test"
    handle_httpstatus_list = [404]

    def __init__(self, urls="", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = urls.split(",")

    def parse(self, response):
        yield {
            "url": response.url,
            "status": response.status,
            "body": response.body.decode("utf-8", "replace"),
            "flags": response.flags,
            "class": type(response).__name__,
            "redirect_urls": response.meta.get("redirect_urls", []),
            "content_encoding": response.headers.get("Content-Encoding", b"").decode(),
        }
"""


def run_spider(tmp_path: Path, urls: list[str], *settings: str) -> tuple[list[dict], str]:
    """Run the test spider in a fresh `scrapy runspider` process; return (items, log)."""
    return runspider(tmp_path, SPIDER, urls, *settings)


def write_response(
    writer: WARCWriter,
    url: str,
    body: bytes,
    headers: list[tuple[str, str]],
    status: str = "200 OK",
    date: str | None = None,
) -> None:
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    warc_headers = {"WARC-Date": date} if date else None
    record = writer.create_warc_record(
        url, "response", payload=BytesIO(body), http_headers=http, warc_headers_dict=warc_headers
    )
    writer.write_record(record)


def html(text: str) -> bytes:
    return f"<html><head><title>{text}</title></head><body><p>{text}</p></body></html>".encode()


def chunked(data: bytes, size: int = 10) -> bytes:
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def build_warc(path: Path) -> Path:
    """A small site: plain, gzip-encoded, chunked, no-length, redirect and odd-query pages."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=path.suffix == ".gz")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        home = html("Home page")
        write_response(
            writer,
            f"{SITE}/",
            home,
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(home)))],
        )
        zipped = gzip.compress(html("Gzip story"))
        write_response(
            writer,
            f"{SITE}/gz",
            zipped,
            [
                ("Content-Type", "text/html"),
                ("Content-Encoding", "gzip"),
                ("Content-Length", str(len(zipped))),
            ],
        )
        write_response(
            writer,
            f"{SITE}/chunked",
            chunked(html("Chunked story")),
            [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
        )
        write_response(
            writer,
            f"{SITE}/both",
            chunked(gzip.compress(html("Chunked gzip story"))),
            [
                ("Content-Type", "text/html"),
                ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"),
            ],
        )
        write_response(
            writer, f"{SITE}/nolength", html("No length"), [("Content-Type", "text/html")]
        )
        write_response(writer, f"{SITE}/feed.txt", b"plain text", [("Content-Type", "text/plain")])
        write_response(
            writer,
            f"{SITE}/old",
            b"",
            [("Location", f"{SITE}/"), ("Content-Length", "0")],
            status="301 Moved Permanently",
        )
        write_response(writer, f"{SITE}/q?b=2&a=1", html("Query"), [("Content-Type", "text/html")])
    return path


def test_crawl_is_served_from_the_warc(tmp_path: Path) -> None:
    warc = build_warc(tmp_path / "site.warc.gz")
    urls = [f"{SITE}/{p}" for p in ("", "gz", "chunked", "both", "nolength", "feed.txt", "old")]
    urls += [f"{SITE}/q?a=1&b=2", f"{SITE}/missing"]
    items, log = run_spider(tmp_path, urls, f"REPLAY_WARC={warc}")
    by_url = {item["url"]: item for item in items}
    assert by_url[f"{SITE}/gz"]["body"] == html("Gzip story").decode()
    assert by_url[f"{SITE}/gz"]["content_encoding"] == ""
    assert by_url[f"{SITE}/chunked"]["body"] == html("Chunked story").decode()
    assert by_url[f"{SITE}/both"]["body"] == html("Chunked gzip story").decode()
    assert by_url[f"{SITE}/nolength"]["body"] == html("No length").decode()
    assert by_url[f"{SITE}/q?a=1&b=2"]["body"] == html("Query").decode()
    assert by_url[f"{SITE}/feed.txt"]["class"] == "TextResponse"
    assert by_url[f"{SITE}/gz"]["class"] == "HtmlResponse"
    assert all("replay" in item["flags"] for item in items)
    # the 301 was followed, inside the archive, to the home page
    homes = [item for item in items if item["url"] == f"{SITE}/"]
    assert len(homes) == 2
    assert {tuple(item["redirect_urls"]) for item in homes} == {(), (f"{SITE}/old",)}
    assert all(
        item["status"] == 200 and item["body"] == html("Home page").decode() for item in homes
    )
    missing = by_url[f"{SITE}/missing"]
    assert (missing["status"], missing["body"]) == (404, "")
    assert f"not in replay: {SITE}/missing" in log
    assert "'replay/not_in_replay': 1" in log
    assert "'replay/served': 9" in log


def test_without_replay_warc_the_addon_does_nothing() -> None:
    settings = Settings()
    ReplayAddon().update_settings(settings)
    assert settings["DOWNLOAD_HANDLERS"].get("http") is None


def test_addon_routes_http_and_https_to_the_handler(tmp_path: Path) -> None:
    warc = build_warc(tmp_path / "site.warc")
    settings = Settings()
    settings.set("REPLAY_WARC", str(warc), "cmdline")
    ReplayAddon().update_settings(settings)
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS")
    assert handlers["http"] == handlers["https"] == HANDLER
    assert settings["DOWNLOAD_HANDLERS"].getpriority("http") == 15  # "addon"


def test_addon_rejects_a_missing_path(tmp_path: Path) -> None:
    settings = Settings({"REPLAY_WARC": str(tmp_path / "nope.warc.gz")})
    with pytest.raises(FileNotFoundError):
        ReplayAddon().update_settings(settings)


def test_last_capture_wins(tmp_path: Path) -> None:
    url = f"{SITE}/live"
    old, new = tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"
    with old.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        write_response(writer, url, b"first", [("Content-Type", "text/plain")])
        write_response(writer, url, b"second", [("Content-Type", "text/plain")])
    with new.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        write_response(writer, url, b"older", [], date="2001-01-01T00:00:00Z")
    # in one file the later record wins; across files the later WARC-Date does
    assert read_capture(WarcIndex([old]).lookup(url), url).body == b"second"
    assert read_capture(WarcIndex([old, new]).lookup(url), url).body == b"second"
    assert read_capture(WarcIndex([new, old]).lookup(url), url).body == b"second"


def test_warc_files_accepts_folders_comma_lists_and_paths(tmp_path: Path) -> None:
    folder = tmp_path / "warcs"
    folder.mkdir()
    a = build_warc(folder / "a.warc.gz")
    b = build_warc(folder / "b.warc")
    c = build_warc(folder / "c.warc.gz.open")
    (folder / "notes.txt").write_text("not a warc")
    extra = build_warc(tmp_path / "extra.warc.gz")
    assert warc_files(folder) == [a, b, c]
    assert warc_files(str(folder)) == [a, b, c]
    assert warc_files(f"{extra}, {folder}") == [extra, a, b, c]
    assert warc_files([extra, str(a)]) == [extra, a]
    assert warc_files("") == warc_files(None) == []
    index = WarcIndex(warc_files(f"{folder},{extra}"))
    assert index.lookup(f"{SITE}/gz").path == extra  # written last, listed last
    assert index.lookup(f"{SITE}/nowhere") is None


def test_read_capture_decodes_bodies_and_drops_framing_headers(tmp_path: Path) -> None:
    index = WarcIndex([build_warc(tmp_path / "site.warc.gz")])
    gz = read_capture(index.lookup(f"{SITE}/gz"), f"{SITE}/gz")
    assert isinstance(gz, HtmlResponse)
    assert gz.body == html("Gzip story")
    assert b"Content-Encoding" not in gz.headers and b"Content-Length" not in gz.headers
    both = read_capture(index.lookup(f"{SITE}/both"), f"{SITE}/both")
    assert both.body == html("Chunked gzip story")
    assert b"Transfer-Encoding" not in both.headers
    moved = read_capture(index.lookup(f"{SITE}/old"), f"{SITE}/old")
    assert moved.status == 301 and moved.body == b""
    assert moved.headers[b"Location"] == f"{SITE}/".encode()
    text = read_capture(index.lookup(f"{SITE}/feed.txt"), f"{SITE}/feed.txt")
    assert type(text) is TextResponse and text.flags == ["replay"]
