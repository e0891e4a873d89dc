"""A listing page of a million links: at most LISTING_MAX_LINKS articles are taken from one page
(logged and counted when it cuts), and the page is read as a stream, so the crawl's memory
stays flat (< 400 MB here; about 1 GB when the page was parsed whole)."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.sources import SOURCES
from crawler.spiders.generic import GenericNewsSpider
from crawler.spiders.outlets import ZaobaoSpider

ZAOBAO_LISTING = "https://www.zaobao.com.sg/realtime/china"
SITE = "https://news.example.com"


@pytest.fixture(autouse=True)
def _forget_generic_sources():
    """The generic spider registers the sites it meets in SOURCES: forgotten after each test."""
    known = dict(SOURCES)
    yield
    SOURCES.clear()
    SOURCES.update(known)


def zaobao_spider(settings: dict) -> ZaobaoSpider:
    return ZaobaoSpider.from_crawler(get_crawler(ZaobaoSpider, settings_dict=settings))


def generic_spider(settings: dict, **arguments) -> GenericNewsSpider:
    crawler = get_crawler(GenericNewsSpider, settings_dict=settings)
    return GenericNewsSpider.from_crawler(crawler, **arguments)


def zaobao_listing(count: int) -> HtmlResponse:
    links = "".join(
        f"<li><a href='/realtime/china/story20240102-{n:07d}'>新闻 {n}</a></li>"
        for n in range(count)
    )
    body = f"<html><body><ul>{links}</ul></body></html>"
    return HtmlResponse(ZAOBAO_LISTING, body=body.encode(), encoding="utf-8")


def generic_listing(count: int) -> HtmlResponse:
    links = "".join(f"<a href='/a/{n}'>文章 {n}</a>" for n in range(count))
    body = f"<html><body><nav><a href='/about'>关于</a></nav>{links}</body></html>"
    return HtmlResponse(f"{SITE}/news/", body=body.encode(), encoding="utf-8")


def rss(count: int) -> XmlResponse:
    items = "".join(
        f"<item><title>{n}</title><link>{SITE}/a/{n}</link></item>" for n in range(count)
    )
    body = f"<?xml version='1.0' encoding='utf-8'?><rss><channel>{items}</channel></rss>"
    return XmlResponse(f"{SITE}/feed.xml", body=body.encode())


CASES = {
    "outlet-listing": (lambda s: zaobao_spider(s), zaobao_listing),
    "outlet-feed": (
        lambda s: zaobao_spider(s),
        lambda n: XmlResponse(
            "https://www.zaobao.com.sg/rss/realtime/china",
            body=(
                "<?xml version='1.0'?><rss><channel>"
                + "".join(
                    f"<item><link>https://www.zaobao.com.sg/realtime/china/story20240102-{i:07d}"
                    "</link></item>"
                    for i in range(n)
                )
                + "</channel></rss>"
            ).encode(),
        ),
    ),
    "generic-listing": (lambda s: generic_spider(s, start_urls=SITE, allow="/a/"), generic_listing),
    "generic-feed": (lambda s: generic_spider(s, feed=f"{SITE}/feed.xml"), rss),
}


@pytest.mark.parametrize(("links", "limit", "taken"), [(25, 10, 10), (25, 25, 25), (8, 10, 8)])
@pytest.mark.parametrize("case", CASES)
def test_at_most_listing_max_links_articles_are_taken_from_a_page(
    case: str, links: int, limit: int, taken: int, caplog
):
    make_spider, make_page = CASES[case]
    spider = make_spider({"LISTING_MAX_LINKS": limit})
    with caplog.at_level(logging.INFO):
        requests = list(spider.parse(make_page(links)))
    assert len(requests) == taken
    assert len({r.meta["article_key"] for r in requests}) == taken
    stats = spider.crawler.stats
    assert stats.get_value("newsarchive/discovery/article_links") == taken
    cut = links > limit
    assert stats.get_value("newsarchive/discovery/links_cut", 0) == (1 if cut else 0)
    warnings = [r.getMessage() for r in caplog.records if "LISTING_MAX_LINKS" in r.getMessage()]
    assert len(warnings) == (1 if cut else 0)
    if cut:
        assert f"only the first {limit} taken" in warnings[0]


def test_the_links_taken_are_the_first_of_the_page_one_per_article():
    # each story twice (a tracking parameter): one request for each of the first three stories
    links = "".join(
        f"<a href='/realtime/china/story20240102-{n:07d}?ref={r}'>x</a>"
        for n in range(10)
        for r in (1, 2)
    )
    body = f"<html><body>{links}</body></html>"
    response = HtmlResponse(ZAOBAO_LISTING, body=body.encode(), encoding="utf-8")
    requests = list(zaobao_spider({"LISTING_MAX_LINKS": 3}).parse(response))
    assert [r.meta["article_id"] for r in requests] == [f"story20240102-{n:07d}" for n in range(3)]


#: builds a listing of a million links (16 MB, under DOWNLOAD_MAXSIZE), has the generic spider
#: read it, and reports the requests made and the peak RSS of the process
MILLION_LINKS = textwrap.dedent(
    """
    import resource, sys
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler
    from crawler.spiders.generic import GenericNewsSpider

    links = "".join(f"<a href=/{n:06x}>.\\n" for n in range(1_000_000))
    body = f"<html><body>{links}</body></html>".encode()
    del links
    assert len(body) < 20 * 1024 * 1024
    from crawler import settings
    crawler = get_crawler(GenericNewsSpider, {"LISTING_MAX_LINKS": settings.LISTING_MAX_LINKS})
    spider = GenericNewsSpider.from_crawler(
        crawler, start_urls="http://127.0.0.1/", allow="/[0-9a-f]{6}$"
    )
    response = HtmlResponse("http://127.0.0.1/", body=body, encoding="utf-8")
    count = sum(1 for _ in spider.parse(response))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(count, crawler.stats.get_value("newsarchive/discovery/links_cut"), peak)
    """
)


def test_a_listing_of_a_million_links_is_read_in_flat_memory():
    proc = subprocess.run(
        [sys.executable, "-c", MILLION_LINKS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    count, cut, peak_mb = proc.stdout.split()
    assert int(count) == 10_000  # LISTING_MAX_LINKS's default
    assert cut == "1"
    assert int(peak_mb) < 400, f"peak RSS {peak_mb} MB"


@pytest.mark.parametrize("case", CASES)
def test_links_that_are_no_urls_are_passed_over(case: str):
    make_spider, make_page = CASES[case]
    response = make_page(3)
    for bad in ("http://[x", "https://[::1/a", f"{SITE}:99999999/a/9"):
        marker = b"<a href=" if b"<a href=" in response.body else b"<item>"
        link = (
            f"<a href='{bad}'>x</a>"
            if marker == b"<a href="
            else f"<item><link>{bad}</link></item>"
        )
        body = response.body.replace(marker, link.encode() + marker, 1)
        response = response.replace(body=body)
    assert len(list(make_spider({}).parse(response))) == 3
