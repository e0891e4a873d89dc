"""A small zaobao made of our fixtures, written as a WARC with warcio itself (not our recorder).

Used by the end-to-end crawl tests and by scripts/make_demo_warc.py (the README's offline demo).

The site: listing pages on both editions and an RSS feed link to the fixture articles, each
article reachable on .com and .com.sg and with tracking parameters (one article each in the
archive), plus pages that must be skipped with a reason: an error page served with status 200 at
an article URL, a PDF at an article URL, a 500 and a 404, and an article forbidden by robots.txt.
"""

from __future__ import annotations

import gzip
import html
import json
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "zaobao"
HTML = "text/html; charset=utf-8"

LISTING_SG = "https://www.zaobao.com.sg/realtime/china"
LISTING_COM = "https://www.zaobao.com/realtime/world"
FEED_SG = "https://www.zaobao.com.sg/rss/realtime/china"
START_URLS = (LISTING_SG, LISTING_COM, FEED_SG)

ERROR_PAGE_URL = "https://www.zaobao.com.sg/realtime/china/story20240101-9000001"
PDF_URL = "https://www.zaobao.com.sg/realtime/china/story20240101-9000002"
SERVER_ERROR_URL = "https://www.zaobao.com.sg/realtime/china/story20240101-9000003"
MISSING_URL = "https://www.zaobao.com.sg/realtime/china/story20240101-9000004"
ROBOTS_BLOCKED_URL = "https://www.zaobao.com.sg/private/china/story20240101-9000005"


def fixture_articles() -> list[tuple[str, bytes, dict]]:
    """(url, page bytes, expected fields) of every zaobao fixture that is an article."""
    found = []
    for expected_file in sorted(FIXTURES.glob("*.expected.json")):
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        if expected.get("not_article"):
            continue
        page = expected_file.with_name(expected_file.name.replace(".expected.json", ".html"))
        found.append((expected["url"], page.read_bytes(), expected))
    return found


def other_edition(url: str) -> str:
    parts = urlsplit(url)
    host = "www.zaobao.com" if parts.hostname.endswith(".sg") else "www.zaobao.com.sg"
    return f"https://{host}{parts.path}"


def _listing(title: str, hrefs: list[str], astro_paths: list[str]) -> bytes:
    links = "\n".join(
        f'<li><a href="{html.escape(h)}">链接 {n}</a></li>' for n, h in enumerate(hrefs)
    )
    props = html.escape(
        json.dumps({"articles": [1, [[0, {"href": [0, p]}] for p in astro_paths]]}), quote=True
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<h1>{title}</h1><ul>{links}</ul>"
        f'<astro-island uid="x1" component-url="/_astro/List.js" props="{props}"></astro-island>'
        "<a href='/realtime/china'>更多</a><a href='https://example.org/story20240101-1'>外站</a>"
        "</body></html>"
    ).encode()


def _feed(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>条目 {n}</title><link>{html.escape(u)}</link>"
        f"<guid isPermaLink='false'>id-{n}</guid></item>"
        for n, u in enumerate(links)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<title>即时 中国</title><link>{LISTING_SG}</link>{items}</channel></rss>"
    ).encode()


def site() -> dict[str, tuple[int, dict, bytes]]:
    """URL -> (status, headers, body) of every page of the replayed site."""
    articles = fixture_articles()
    urls = [u for u, _, _ in articles]
    pages: dict[str, tuple[int, dict, bytes]] = {}
    for url, body, _ in articles:
        pages[url] = (200, {"Content-Type": HTML}, body)
        pages[other_edition(url)] = (200, {"Content-Type": HTML}, body)
    half = len(urls) // 2
    sg_links = [urlsplit(u).path + "?ref=listing" for u in urls[:half]]
    sg_links += [ERROR_PAGE_URL, PDF_URL, SERVER_ERROR_URL, MISSING_URL, ROBOTS_BLOCKED_URL]
    pages[LISTING_SG] = (200, {"Content-Type": HTML}, _listing("即时 中国", sg_links, []))
    com_links = [other_edition(u) + "?utm_source=homepage#top" for u in urls]
    astro = [urlsplit(u).path for u in urls[half:]]
    pages[LISTING_COM] = (200, {"Content-Type": HTML}, _listing("即时 国际", com_links, astro))
    feed = [u + "?utm_source=rss&utm_medium=feed" for u in urls]
    pages[FEED_SG] = (200, {"Content-Type": "application/rss+xml; charset=utf-8"}, _feed(feed))
    error_page = (FIXTURES / "error_404.html").read_bytes()
    pages[ERROR_PAGE_URL] = (200, {"Content-Type": HTML}, error_page)
    pages[PDF_URL] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n\x00\x01binary")
    pages[SERVER_ERROR_URL] = (500, {"Content-Type": HTML}, b"<h1>Internal error</h1>")
    robots = b"User-agent: *\nDisallow: /private/\n"
    for host in ("www.zaobao.com", "www.zaobao.com.sg"):
        pages[f"https://{host}/robots.txt"] = (200, {"Content-Type": "text/plain"}, robots)
    pages[ROBOTS_BLOCKED_URL] = pages[urls[0]]
    return pages


def write_warc(path: Path, pages: dict[str, tuple[int, dict, bytes]] | None = None) -> Path:
    """Write `pages` (default: the whole site) as a gzip WARC with warcio's own writer.

    Bodies over 1 KiB are stored gzip-encoded (Content-Encoding: gzip), as a server would send.
    """
    pages = site() if pages is None else pages
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, (status, headers, body) in pages.items():
            headers = dict(headers)
            if len(body) > 1024:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            headers["Content-Length"] = str(len(body))
            reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}.get(status, "X")
            http_headers = StatusAndHeaders(
                f"{status} {reason}", list(headers.items()), protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url, "response", payload=BytesIO(body), http_headers=http_headers
            )
            writer.write_record(record)
    return path


def made_up_article(n: int) -> tuple[str, bytes]:
    """(url, page) of a small zaobao article of our own, distinct in text and id for each `n`."""
    url = f"https://www.zaobao.com.sg/realtime/china/story20240301-{8_000_000 + n}"
    paragraphs = "".join(
        f"<p>这是第{n}篇测试文章的第{i}段正文，内容足够长，用来通过正文长度的检查。</p>"
        for i in range(6)
    )
    page = (
        f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>测试文章 {n}</title>"
        f"<meta property='article:published_time' content='2024-03-01T08:{n % 60:02d}:00+08:00'>"
        f"</head><body><article class='article-body'><h1>测试文章 {n}</h1>{paragraphs}"
        "</article></body></html>"
    )
    return url, page.encode()


def small_site(articles: int, failing: int = 0) -> tuple[dict[str, tuple[int, dict, bytes]], str]:
    """(pages, listing URL): one listing linking `articles` made-up articles, the last `failing`
    of which answer 500; robots.txt allows everything."""
    pages: dict[str, tuple[int, dict, bytes]] = {}
    urls = []
    for n in range(1, articles + 1):
        url, body = made_up_article(n)
        urls.append(url)
        if n > articles - failing:
            pages[url] = (500, {"Content-Type": HTML}, b"<h1>Internal error</h1>")
        else:
            pages[url] = (200, {"Content-Type": HTML}, body)
    pages[LISTING_SG] = (200, {"Content-Type": HTML}, _listing("即时 中国", urls, []))
    robots = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n")
    pages["https://www.zaobao.com.sg/robots.txt"] = robots
    return pages, LISTING_SG
