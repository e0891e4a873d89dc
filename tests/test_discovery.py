"""The spider's discovery, on responses built here: where article links can hide."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from conftest import FIXTURES
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import FetchedPage
from crawler.spiders.news import is_feed
from crawler.spiders.outlets import ZaobaoSpider

LISTING = "https://www.zaobao.com.sg/realtime/china"


def spider(**kwargs) -> ZaobaoSpider:
    return ZaobaoSpider.from_crawler(get_crawler(ZaobaoSpider), **kwargs)


def requested(response) -> list[str]:
    return [r.url for r in spider().parse(response)]


def test_links_only_in_astro_island_props_are_found():
    props = html.escape(
        json.dumps({"articles": [1, [[0, {"href": [0, "/news/china/story20240520-3612044"]}]]]})
    )
    body = f'<html><body><astro-island props="{props}"></astro-island></body></html>'
    response = HtmlResponse(LISTING, body=body.encode(), encoding="utf-8")
    assert requested(response) == ["https://www.zaobao.com.sg/news/china/story20240520-3612044"]


def test_links_only_in_react_router_hydration_data_are_found():
    data = {
        "loaderData": {
            "list": [{"url": "https://www.zaobao.com.sg/realtime/world/story20240610-3889352"}]
        }
    }
    script = (
        "window.__staticRouterHydrationData = JSON.parse(" + json.dumps(json.dumps(data)) + ");"
    )
    body = f"<html><body><div id='root'></div><script>{script}</script></body></html>"
    response = HtmlResponse(LISTING, body=body.encode(), encoding="utf-8")
    assert requested(response) == ["https://www.zaobao.com.sg/realtime/world/story20240610-3889352"]


def test_feed_items_are_followed_without_tracking_parameters():
    feed = (FIXTURES / "zaobao" / "rss_realtime_china.xml").read_bytes()
    response = XmlResponse("https://www.zaobao.com.sg/rss/realtime/china", body=feed)
    assert is_feed(response)
    urls = requested(response)
    assert len(urls) == 3 and all("?" not in u and "/story" in u for u in urls)


def test_a_feed_served_as_text_html_is_still_a_feed():
    feed = (FIXTURES / "zaobao" / "rss_realtime_china.xml").read_bytes()
    assert is_feed(HtmlResponse("https://www.zaobao.com.sg/rss/realtime/china", body=feed))
    assert not is_feed(HtmlResponse(LISTING, body=b"<?xml version='1.0'?><html><body/></html>"))


def test_one_request_per_story_whatever_the_url_form():
    links = [
        "/realtime/china/story20240610-3889352",
        "/realtime/china/story20240610-3889352?ref=listing",
        "https://www.zaobao.com/realtime/china/story20240610-3889352#top",
        "https://www.zaobao.com/realtime/china/story20240610-3889352/",
    ]
    body = "".join(f'<a href="{link}">x</a>' for link in links)
    requests = list(spider().parse(HtmlResponse(LISTING, body=body.encode(), encoding="utf-8")))
    assert {r.meta["article_key"] for r in requests} == {"zaobao:story20240610-3889352"}


@pytest.mark.parametrize(
    "link",
    [
        "https://example.org/realtime/china/story20240610-3889352",  # another site
        "/realtime/china/story2024061-1",  # not a story id
        "/realtime/china",  # a listing
        "mailto:news@zaobao.com",
    ],
)
def test_links_that_are_no_article_of_ours_are_ignored(link):
    body = f'<a href="{link}">x</a>'.encode()
    assert requested(HtmlResponse(LISTING, body=body, encoding="utf-8")) == []


def test_start_urls_argument_replaces_the_default_start_points():
    assert spider().start_urls[0].startswith("https://www.zaobao.com")
    custom = spider(
        start_urls="https://www.zaobao.com.sg/realtime/world, https://www.zaobao.com.sg/rss/x"
    )
    assert custom.start_urls == [
        "https://www.zaobao.com.sg/realtime/world",
        "https://www.zaobao.com.sg/rss/x",
    ]


def test_an_article_given_as_start_point_is_handed_over_as_a_page():
    url = "https://www.zaobao.com/realtime/china/story20240610-3889352"
    items = list(spider().parse(TextResponse(url, body=b"<html></html>", encoding="utf-8")))
    assert len(items) == 1 and isinstance(items[0], FetchedPage) and items[0].source == "zaobao"


def test_the_disk_dupefilter_sees_each_request_once_and_remembers_across_a_resume(tmp_path):
    from crawler.scheduling.dupefilter import DiskDupeFilter
    from crawler.scheduling.fingerprint import ArticleFingerprinter

    def fresh() -> DiskDupeFilter:
        return DiskDupeFilter(str(tmp_path / "job"), fingerprinter=ArticleFingerprinter())

    seen = fresh()
    one = scrapy_request("https://www.zaobao.com/a/story20240101-1", "zaobao:story20240101-1")
    same_story = scrapy_request(
        "https://www.zaobao.com.sg/b/story20240101-1?x=1", "zaobao:story20240101-1"
    )
    other = scrapy_request("https://www.zaobao.com/a/story20240101-2", "zaobao:story20240101-2")
    assert [seen.request_seen(r) for r in (one, same_story, other, one)] == [
        False,
        True,
        False,
        True,
    ]
    seen.close("shutdown")
    resumed = fresh()  # JOBDIR: a resumed crawl remembers
    assert resumed.request_seen(other) and not resumed.request_seen(
        scrapy_request("https://www.zaobao.com/a/story20240101-3", "zaobao:story20240101-3")
    )
    resumed.close("finished")
    temporary = DiskDupeFilter(None, fingerprinter=ArticleFingerprinter())
    assert not temporary.request_seen(one) and temporary.request_seen(one)
    folder = Path(temporary._tmp.name)
    temporary.close("finished")
    assert not folder.exists()


def scrapy_request(url: str, key: str):
    from scrapy import Request

    return Request(url, meta={"article_key": key})
