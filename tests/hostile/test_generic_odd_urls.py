"""Sites without a module at odd addresses: non-default ports, internationalised host names in
either spelling, IPv6 literals, upper-case hosts; and the UTC offset their pages state (issue 10).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_generic_spider import article_page, crawl, posts_by_url

from crawler.extract import extract_article
from crawler.extract.metadata import parse_date
from crawler.sources import get_source
from crawler.sources.generic import generic_source

IDN = "例子.测试"
PUNY = "xn--fsqu00a.xn--0zwm56d"


@pytest.mark.parametrize(
    ("url", "name", "canonical"),
    [
        ("http://127.0.0.1:8001/news/a.html", "127_0_0_1_8001", "http://127.0.0.1:8001/news/a.html"),
        ("http://127.0.0.1:8002/news/a.html", "127_0_0_1_8002", "http://127.0.0.1:8002/news/a.html"),
        ("http://127.0.0.1:80/news/a.html", "127_0_0_1", "http://127.0.0.1/news/a.html"),
        ("https://news.example.com:8443/a?id=1", "news_example_com_8443", "https://news.example.com:8443/a?id=1"),
        (f"https://{IDN}/news/a.html", PUNY.replace("-", "_").replace(".", "_").replace("__", "_"), f"https://{IDN}/news/a.html"),
        (f"https://{PUNY}/news/a.html", "xn_fsqu00a_xn_0zwm56d", f"https://{IDN}/news/a.html"),
        (f"https://{PUNY.upper()}/news/a.html", "xn_fsqu00a_xn_0zwm56d", f"https://{IDN}/news/a.html"),
        ("http://[::1]:8003/news/a.html", "ipv6_0_0_0_0_0_0_0_1_8003", "http://[::1]:8003/news/a.html"),
        ("http://[2001:DB8::7]/news/a.html", "ipv6_2001_db8_0_0_0_0_0_7", "http://[2001:db8::7]/news/a.html"),
        ("HTTP://WWW.Example.COM/News/A.html", "example_com", "http://www.example.com/News/A.html"),
    ],
)  # fmt: skip
def test_a_site_is_its_host_in_any_spelling_and_its_port(url, name, canonical):
    source = generic_source(url)
    assert source.name == name
    assert source.canonical_url(url) == canonical
    assert source.article_id(url)


@pytest.mark.parametrize(
    ("built_from", "requested"),
    [
        (f"https://{IDN}/", f"https://{PUNY}/news/a.html"),  # the case
        (f"https://{PUNY}/", f"https://{IDN}/news/a.html"),
        ("https://Example.COM/", "https://example.com/news/a.html"),
        ("https://example.com/", "https://EXAMPLE.com/news/a.html"),
        ("http://[::1]:8003/", "http://[::1]:8003/news/a.html"),
    ],
)
def test_either_spelling_of_a_host_is_an_article_of_its_site(built_from, requested):
    source = generic_source(built_from)
    assert source.article_id(requested) == generic_source(requested).article_id(requested)
    assert source.name == generic_source(requested).name


def test_another_port_of_the_same_host_is_another_site():
    one = generic_source("http://127.0.0.1:8001/")
    assert one.article_id("http://127.0.0.1:8002/news/a.html") is None
    assert one.article_id("http://127.0.0.1/news/a.html") is None
    assert one.article_id("http://127.0.0.1:8001/news/a.html")


@pytest.mark.parametrize("stated", ["2024-03-01T19:30:00+08:00", "2024-03-01T06:30:00-05:00"])
def test_a_generic_page_keeps_the_utc_offset_it_states(stated):
    url = "https://news.example.com/2024/03/01/harbour-lights.html"
    article = extract_article(article_page("港口步道装上夜灯", jsonld_date=stated), url, {})
    assert article.published.isoformat() == stated


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (get_source("zaobao").tz, "2024-03-01T19:30:00+08:00"),  # an outlet: its own zone
        (generic_source("https://news.example.com/").tz, "2024-03-01T06:30:00-05:00"),
    ],
)
def test_only_sites_without_a_module_keep_the_stated_offset(zone, expected):
    assert parse_date("2024-03-01T06:30:00-05:00", zone).isoformat() == expected
    assert parse_date("2024-03-01 06:30", zone).utcoffset() == zone.utcoffset(None)


HTML = "text/html; charset=utf-8"


def page(title: str, marker: str) -> tuple[int, dict, bytes]:
    body = article_page(title, jsonld_date="2024-03-01T19:30:00+08:00", marker=marker)
    return 200, {"Content-Type": HTML}, body


def test_crawl_files_each_server_under_its_own_source_with_its_own_url(tmp_path):
    links = [
        "http://127.0.0.1:8001/news/a.html",
        "http://127.0.0.1:8002/news/a.html",
        "http://127.0.0.1:8002/news/a.html#again",
        f"https://{IDN}/news/a.html",
        "http://[::1]:8003/news/a.html",
        "HTTP://EXAMPLE.ORG:8004/news/b.html",
        "http://example.org:8004/news/b.html",
    ]
    items = "".join(f"<item><title>x</title><link>{link}</link></item>" for link in links)
    feed = f"<?xml version='1.0'?><rss version='2.0'><channel>{items}</channel></rss>".encode()
    pages = {
        "http://127.0.0.1:8001/feed.xml": (200, {"Content-Type": "application/rss+xml"}, feed),
        "http://127.0.0.1:8001/news/a.html": page("第一台服务器", "一号："),
        "http://127.0.0.1:8002/news/a.html": page("第二台服务器", "二号："),
        f"https://{PUNY}/news/a.html": page("国际化域名", "域名："),  # as requests carry it
        "http://[::1]:8003/news/a.html": page("IPv6 服务器", "六号："),
        "http://example.org:8004/news/b.html": page("大写主机名", "大写："),
    }
    archive, result, stats = crawl(tmp_path, pages, "feed=http://127.0.0.1:8001/feed.xml")
    posts = posts_by_url(archive)
    expected = {
        "http://127.0.0.1:8001/news/a.html": ("127_0_0_1_8001", "第一台服务器"),
        "http://127.0.0.1:8002/news/a.html": ("127_0_0_1_8002", "第二台服务器"),
        f"https://{IDN}/news/a.html": ("xn_fsqu00a_xn_0zwm56d", "国际化域名"),
        "http://[::1]:8003/news/a.html": ("ipv6_0_0_0_0_0_0_0_1_8003", "IPv6 服务器"),
        "http://example.org:8004/news/b.html": ("example_org_8004", "大写主机名"),
    }
    assert sorted(posts) == sorted(expected), result.stderr[-3000:]
    for url, (source, title) in expected.items():
        path, meta, _ = posts[url]
        assert (meta["source"], meta["title"], path.parts[0]) == (source, title, source)
        assert meta["date"].utcoffset() == timedelta(hours=8)
    assert "no article URL" not in result.stderr
