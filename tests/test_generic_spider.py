"""`scrapy crawl news`: outlets without a module, from a feed, a sitemap or listing pages.

The crawls run over WARCs written by warcio (tests/replay_site.write_warc) of made-up sites of
ours; the pages are read by the generic path (JSON-LD, meta, htmldate, trafilatura).
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest
import replay_site
from conftest import crawl_stats, post_files, run_crawl
from scrapy.exceptions import UsageError
from scrapy.http import Response, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.sources import SOURCES, get_source
from crawler.spiders.generic import USAGE, GenericNewsSpider, NewsSitemap, feed_item_links
from crawler.store.post import parse_post

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
ROBOTS = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n")

PARAGRAPHS = [
    "港口管理部门说，新的灯光系统会在日落后自动开启，照亮从渡轮码头到旧仓库区的整段步道。",
    "附近的居民表示，过去晚上散步要带手电筒，现在可以放心带着孩子出门，商店也愿意晚一点关门。",
    "工程负责人介绍，灯具全部采用低耗电的设计，并根据潮汐时间调整亮度，以免影响海鸟栖息。",
    "管理部门还计划在夏天举办夜间市集，邀请本地的小商户在步道两旁摆摊，预计吸引更多游客。",
]


def article_page(title: str, *, jsonld_date: str = "", meta_date: str = "", text_date: str = "",
                 marker: str = "") -> bytes:  # fmt: skip
    """A news page of a made-up site: the date in JSON-LD, in <meta>, or only in the text."""
    head = f"<meta charset='utf-8'><title>{html.escape(title)} | 本地新闻</title>"
    if jsonld_date:
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                "datePublished": jsonld_date, "author": {"@type": "Person", "name": "周明"}}  # fmt: skip
        head += (
            f"<script type='application/ld+json'>{json.dumps(data, ensure_ascii=False)}</script>"
        )
    if meta_date:
        head += "<meta property='og:type' content='article'>"
        head += f"<meta property='article:published_time' content='{meta_date}'>"
    paragraphs = "".join(f"<p>{marker}{p}</p>" for p in PARAGRAPHS)
    dateline = f"<p class='dateline'>发布时间：{text_date}</p>" if text_date else ""
    body = (
        "<nav><a href='/'>首页</a> <a href='/about'>关于我们</a></nav>"
        f"<h1>{html.escape(title)}</h1>{dateline}"
        + (f"<article>{paragraphs}</article>" if jsonld_date or meta_date else paragraphs)
        + "<footer>版权所有 本地新闻网</footer>"
    )
    return f"<!DOCTYPE html><html lang='zh'><head>{head}</head><body>{body}</body></html>".encode()


def crawl(tmp_path: Path, pages: dict, *args: str, check: bool = True, archive: Path | None = None):
    """`scrapy crawl news` with spider arguments `args` ("name=value") over `pages`, into
    `archive` (default: a new one in `tmp_path`)."""
    warc = replay_site.write_warc(tmp_path / "site.warc.gz", pages)
    archive = archive or tmp_path / "archive"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news"]
    for arg in args:
        cmd += ["-a", arg]
    for setting in (
        f"REPLAY_WARC={warc}",
        f"ARCHIVE_DIR={archive}",
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
        "AUTOTHROTTLE_ENABLED=False",
        "LOG_LEVEL=DEBUG",
    ):
        cmd += ["-s", setting]
    result = run_crawl(cmd)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return archive, result, crawl_stats(result.stderr)


def posts_by_url(archive: Path) -> dict[str, tuple[Path, dict, str]]:
    found = {}
    for path in post_files(archive):
        meta, body = parse_post(path.read_text(encoding="utf-8"))
        found[meta["from"]] = (path.relative_to(archive / "_posts"), meta, body)
    return found


def crawled(result) -> list[str]:
    return re.findall(r"Crawled \(\d+\) <GET ([^ >]+)>", result.stderr)


def robots(*hosts: str) -> dict:
    return {f"https://{host}/robots.txt": ROBOTS for host in hosts}


# -- feeds ------------------------------------------------------------------------------------

NEWS = "https://news.example.com"
FEED = f"{NEWS}/feed.xml"
ATOM = "https://blog.example.net/atom.xml"
HARBOUR = f"{NEWS}/2024/03/01/harbour-lights.html"
MARKET = f"{NEWS}/2024/03/02/night-market.html"
STORY = "https://www.example.org/stories/view?id=7"
TEA = "https://blog.example.net/posts/tea-garden"
ZAOBAO_URL, ZAOBAO_PAGE = replay_site.made_up_article(1)


def rss_feed() -> bytes:
    items = [
        f"<item><title>港口夜灯</title><link>{HARBOUR}?utm_source=rss</link>"
        "<description>摘要：港口的灯亮了。</description></item>",
        # FeedBurner: the link goes through its proxy, origLink is the article
        "<item><title>夜市</title><link>https://feedproxy.example.com/~r/news/~3/abc/</link>"
        f"<feedburner:origLink>{MARKET}</feedburner:origLink></item>",
        f"<item><title>故事</title><link>{html.escape(STORY)}&amp;utm_medium=feed</link></item>",
        f"<item><title>早报</title><link>{ZAOBAO_URL}</link></item>",
        "<item><title>没有链接的条目</title><guid isPermaLink='false'>tag:x,1</guid></item>",
    ]
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<rss version='2.0' xmlns:feedburner='http://rssnamespace.org/feedburner/ext/1.0'>"
        f"<channel><title>本地新闻</title><link>{NEWS}/</link>{''.join(items)}</channel></rss>"
    ).encode()


def atom_feed() -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        "<title>茶园日记</title><link rel='self' href='https://blog.example.net/atom.xml'/>"
        "<link rel='alternate' href='https://blog.example.net/'/>"
        f"<entry><title>茶园</title><link rel='alternate' href='{TEA}'/>"
        "<link rel='replies' href='https://blog.example.net/posts/tea-garden#comments'/>"
        "<id>tag:blog.example.net,2024:1</id><updated>2024-03-03T01:00:00Z</updated></entry></feed>"
    ).encode()


def feed_site() -> dict:
    pages = {
        FEED: (200, {"Content-Type": "text/html; charset=utf-8"}, rss_feed()),  # mislabelled
        ATOM: (200, {"Content-Type": "application/atom+xml"}, atom_feed()),
        HARBOUR: (200, {"Content-Type": HTML},
                  article_page("港口步道装上夜灯", jsonld_date="2024-03-01T19:30:00+08:00")),
        MARKET: (200, {"Content-Type": HTML},
                 article_page("夜市下月开张", jsonld_date="2024-03-02T08:00:00+08:00", marker="夜市：")),
        STORY: (200, {"Content-Type": HTML},
                article_page("渡轮加开夜班", meta_date="2024-03-02T21:15:00+09:00", marker="渡轮：")),
        TEA: (200, {"Content-Type": HTML},
              article_page("山坡上的老茶园", text_date="2024-03-03 09:15", marker="茶园：")),
        ZAOBAO_URL: (200, {"Content-Type": HTML}, ZAOBAO_PAGE),
        f"{NEWS}/": (200, {"Content-Type": HTML}, b"<html><body><h1>home</h1></body></html>"),
    }  # fmt: skip
    pages.update(robots("news.example.com", "www.example.org", "blog.example.net"))
    pages.update(robots("www.zaobao.com.sg"))
    return pages


@pytest.fixture(scope="module")
def feed_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("feed")
    return crawl(tmp_path, feed_site(), f"feed={FEED},{ATOM}")


def test_feed_items_of_several_sites_become_posts_of_several_sources(feed_run):
    archive, result, stats = feed_run
    posts = posts_by_url(archive)
    assert sorted(posts) == sorted([HARBOUR, MARKET, STORY, TEA, ZAOBAO_URL.replace(".sg", "")])
    sources = {url: path.parts[0] for url, (path, _, _) in posts.items()}
    assert sources[HARBOUR] == sources[MARKET] == "news_example_com"
    assert sources[STORY] == "example_org"
    assert sources[TEA] == "blog_example_net"
    assert stats["newsarchive/new"] == 5
    assert stats["newsarchive/discovery/feed_pages"] == 2
    assert not stats.get("newsarchive/failed")


def test_feed_articles_are_read_from_their_pages(feed_run):
    archive, _, _ = feed_run
    posts = posts_by_url(archive)
    _, meta, body = posts[HARBOUR]
    assert meta["title"] == "港口步道装上夜灯"
    assert meta["author"] == "news.example.com"
    assert meta["date"] == datetime.fromisoformat("2024-03-01T19:30:00+08:00")  # the instant
    assert body.startswith(PARAGRAPHS[0]) and "摘要" not in body and "版权所有" not in body
    _, meta, body = posts[STORY]  # <meta> only; the query names the page (tracking dropped)
    assert meta["title"] == "渡轮加开夜班" and body.startswith("渡轮：")
    assert meta["date"] == datetime.fromisoformat("2024-03-02T21:15:00+09:00")
    _, meta, body = posts[TEA]  # no metadata at all: htmldate + trafilatura on the whole page
    assert meta["title"] == "山坡上的老茶园" and f"茶园：{PARAGRAPHS[0]}" in body
    assert meta["date"].date().isoformat() == "2024-03-03"


def test_a_site_with_an_outlet_module_keeps_its_rules(feed_run):
    archive, _, _ = feed_run
    path, meta, _ = posts_by_url(archive)[ZAOBAO_URL.replace(".sg", "")]
    assert path.parts[0] == "zaobao" and meta["id"] == ZAOBAO_URL.rsplit("/", 1)[1]


def test_only_item_links_are_fetched(feed_run):
    _, result, _ = feed_run
    urls = crawled(result)
    assert f"{NEWS}/" not in urls and "https://blog.example.net/" not in urls  # channel links
    assert not [u for u in urls if "feedproxy" in u or "#" in u or "utm_" in u]
    assert f"{STORY}" in urls


def test_a_second_run_fetches_no_archived_article(feed_run):
    archive, _, _ = feed_run
    before = {p: p.stat().st_mtime_ns for p in post_files(archive)}
    _, result, stats = crawl(archive.parent / "again", feed_site(), f"feed={FEED},{ATOM}",
                             archive=archive)  # fmt: skip
    assert stats.get("newsarchive/new", 0) == 0
    assert stats["newsarchive/already_archived"] == len(before)
    assert [u for u in crawled(result) if not u.endswith((".xml", "robots.txt"))] == []
    assert {p: p.stat().st_mtime_ns for p in post_files(archive)} == before


# -- sitemaps -----------------------------------------------------------------------------------

SITE = "https://www.example.com"
INDEX = f"{SITE}/sitemap_index.xml"
NEWS_MAP = f"{SITE}/news-sitemap.xml"
GZ_MAP = f"{SITE}/sitemap-2024-03.xml.gz"
OLD_MAP = f"{SITE}/sitemap-2023-12.xml.gz"


def urlset(entries: list[tuple[str, str, str]]) -> bytes:
    """(loc, publication_date, lastmod) entries; a news sitemap when publication dates are given."""
    rows = []
    for loc, published, lastmod in entries:
        row = f"<url><loc>{loc}</loc>"
        if lastmod:
            row += f"<lastmod>{lastmod}</lastmod>"
        if published:
            row += (
                "<news:news><news:publication><news:name>例子日报</news:name>"
                "<news:language>zh</news:language></news:publication>"
                f"<news:publication_date>{published}</news:publication_date>"
                "<news:title>标题</news:title></news:news>"
            )
        rows.append(row + "</url>")
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
        "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
        f"{''.join(rows)}</urlset>"
    ).encode()


def sitemap_site() -> tuple[dict, dict[str, bool]]:
    """(pages, article URL -> whether it is published within March 2024)."""
    articles = {
        f"{SITE}/a/1001": ("2024-03-05T10:00:00+08:00", "", True),
        f"{SITE}/a/1002": ("2024-04-02T09:00:00+08:00", "", False),  # after until
        f"{SITE}/a/1003": ("2024-02-20", "", False),  # before since
        f"{SITE}/a/1004": ("", "2024-03-10T12:00:00+00:00", True),  # no news: lastmod
        f"{SITE}/a/1005": ("", "2024-02-01", False),  # unchanged since before since
    }
    index = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"<sitemap><loc>{NEWS_MAP}</loc><lastmod>2024-04-02</lastmod></sitemap>"
        f"<sitemap><loc>{GZ_MAP}</loc><lastmod>2024-03-10</lastmod></sitemap>"
        f"<sitemap><loc>{OLD_MAP}</loc><lastmod>2023-12-31</lastmod></sitemap>"
        "</sitemapindex>"
    ).encode()
    news = urlset([(u, p, m) for u, (p, m, _) in list(articles.items())[:3]])
    plain = urlset([(u, p, m) for u, (p, m, _) in list(articles.items())[3:]])
    pages = {
        INDEX: (200, {"Content-Type": XML}, index),
        NEWS_MAP: (200, {"Content-Type": XML}, news),
        GZ_MAP: (200, {"Content-Type": "application/x-gzip"}, gzip.compress(plain)),
        OLD_MAP: (200, {"Content-Type": "application/x-gzip"}, gzip.compress(urlset([]))),
    }
    for n, (url, (published, lastmod, _)) in enumerate(articles.items()):
        date = published or lastmod
        page = article_page(f"第{n}条新闻", jsonld_date=date, marker=f"第{n}条：")
        pages[url] = (200, {"Content-Type": HTML}, page)
    pages.update(robots("www.example.com"))
    return pages, {url: wanted for url, (_, _, wanted) in articles.items()}


def test_sitemap_index_to_sitemaps_to_articles_within_since_until(tmp_path: Path):
    pages, wanted = sitemap_site()
    archive, result, stats = crawl(
        tmp_path, pages, f"sitemap={INDEX}", "since=2024-03-01", "until=2024-03-31"
    )
    urls = crawled(result)
    assert NEWS_MAP in urls and GZ_MAP in urls
    assert OLD_MAP not in urls  # its lastmod says nothing in it changed since `since`
    assert sorted(u for u in urls if "/a/" in u) == sorted(u for u, w in wanted.items() if w)
    assert sorted(posts_by_url(archive)) == sorted(u for u, w in wanted.items() if w)
    assert stats["newsarchive/discovery/sitemap_pages"] == 3
    assert stats["newsarchive/discovery/out_of_range"] == 4
    assert all(p.parts[0] == "example_com" for p, _, _ in posts_by_url(archive).values())


def test_sitemap_without_since_until_takes_every_entry(tmp_path: Path):
    pages, wanted = sitemap_site()
    archive, _, stats = crawl(tmp_path, pages, f"sitemap={NEWS_MAP},{GZ_MAP}")
    assert sorted(posts_by_url(archive)) == sorted(wanted)
    assert stats["newsarchive/discovery/sitemap_pages"] == 2


# -- listing pages + allow ---------------------------------------------------------------------

LISTING = f"{SITE}/news/"
ALLOWED = [f"{SITE}/news/2024/03/01/ferry.html", f"{SITE}/news/2024/03/02/market.html"]


def test_start_urls_follow_the_links_allow_matches(tmp_path: Path):
    links = [
        "/news/2024/03/01/ferry.html",
        f"{SITE}/news/2024/03/02/market.html#comments",
        "/news/",
        "/about",
        "/news/tags/ferry",
        "https://elsewhere.example/news/2024/03/03/other.html",
        "mailto:desk@example.com",
    ]
    listing = "".join(f"<a href='{href}'>链接</a>" for href in links)
    pages = {
        LISTING: (200, {"Content-Type": HTML}, f"<html><body>{listing}</body></html>".encode())
    }
    for n, url in enumerate(ALLOWED):
        page = article_page(f"新闻{n}", meta_date=f"2024-03-0{n + 1}T08:00:00+08:00")
        pages[url] = (200, {"Content-Type": HTML}, page)
    pages[f"{SITE}/about"] = (
        200,
        {"Content-Type": HTML},
        article_page("关于", text_date="2024-01-01"),
    )
    pages.update(robots("www.example.com"))
    archive, result, stats = crawl(
        tmp_path, pages, f"start_urls={LISTING}", r"allow=example\.com/news/\d{4}/"
    )
    assert sorted(posts_by_url(archive)) == ALLOWED
    urls = crawled(result)
    assert f"{SITE}/about" not in urls and f"{SITE}/news/tags/ferry" not in urls
    assert not [u for u in urls if "elsewhere" in u]
    assert stats["newsarchive/discovery/listing_pages"] == 1


# -- arguments ---------------------------------------------------------------------------------


def test_a_crawl_without_start_points_fails_with_a_clear_message(tmp_path: Path):
    _, result, _ = crawl(tmp_path, {}, check=False)
    assert result.returncode != 0
    assert USAGE in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, USAGE),
        ({"allow": "x"}, USAGE),
        ({"start_urls": "https://example.com/"}, "needs allow=REGEX"),
        ({"start_urls": "https://example.com/", "allow": "news/("}, "is no regular expression"),
    ],
)
def test_missing_or_bad_arguments_are_usage_errors(arguments: dict, message: str):
    with pytest.raises(UsageError, match=re.escape(message)):
        GenericNewsSpider(**arguments)


def test_scrapy_list_shows_news():
    result = run_crawl([sys.executable, "-m", "scrapy", "list"])
    assert result.returncode == 0, result.stderr
    assert "news" in result.stdout.split()


# -- the pieces ----------------------------------------------------------------------------------


@pytest.fixture
def spider():
    """A spider made here; the generic sources it registers are forgotten afterwards."""
    known = dict(SOURCES)
    yield lambda **kwargs: GenericNewsSpider.from_crawler(get_crawler(GenericNewsSpider), **kwargs)
    SOURCES.clear()
    SOURCES.update(known)


def test_feed_item_links_of_rss_atom_and_rdf():
    rdf = (
        b"<?xml version='1.0'?><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
        b"xmlns='http://purl.org/rss/1.0/'><channel rdf:about='https://r.example/'>"
        b"<link>https://r.example/</link></channel><item rdf:about='https://r.example/1'>"
        b"<link>https://r.example/1</link></item></rdf:RDF>"
    )
    assert feed_item_links(XmlResponse("https://r.example/rdf", body=rdf)) == [
        "https://r.example/1"
    ]
    assert feed_item_links(XmlResponse(ATOM, body=atom_feed())) == [TEA]
    links = feed_item_links(XmlResponse(FEED, body=rss_feed()))
    assert links[1] == MARKET and len(links) == 4


def test_news_sitemap_entries_carry_their_publication_date():
    body = urlset([("https://x.example/1", "2024-03-05T10:00:00+08:00", "2024-03-06")])
    assert list(NewsSitemap(body)) == [
        {
            "loc": "https://x.example/1",
            "lastmod": "2024-03-06",
            "news": "",
            "publication_date": "2024-03-05T10:00:00+08:00",
        }
    ]


def test_robots_txt_leads_to_its_sitemaps(spider):
    robots_txt = f"User-agent: *\nDisallow: /private/\nSitemap: {INDEX}\n".encode()
    response = Response(f"{SITE}/robots.txt", body=robots_txt)
    assert [r.url for r in spider(sitemap=f"{SITE}/robots.txt").parse_sitemap(response)] == [INDEX]


def test_one_site_one_source_and_outlets_keep_theirs(spider):
    news = spider(feed=FEED)
    assert news.source_for(HARBOUR) is news.source_for(MARKET)
    assert news.source_for(HARBOUR).name == "news_example_com"
    assert news.source_for("https://example.com/x").name == "example_com"
    assert news.source_for("https://sub.example.com/x").name == "sub_example_com"
    assert news.source_for(ZAOBAO_URL).name == "zaobao"
    assert get_source("news_example_com") is news.source_for(HARBOUR)  # what the pipeline uses
