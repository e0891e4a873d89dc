"""Outlets found through their feeds: `scrapy crawl <outlet>` over a replayed WARC.

Each case takes one real feed item as the seed-format archive kept it
(../shared/corpus/jekyll_posts/other/<outlet>_*.md: the front matter's title, ``from:`` link and
date, and the post body, which is the item's description) and serves it as the item of the
outlet's default feed; the outlet's fixture page (tests/fixtures/<outlet>/, our own text) is
served at the item's link. The crawl has to go feed -> article page -> post, and the post has
to hold the page's article, not the feed's description.
"""

from __future__ import annotations

import html
import json
import re
import sys
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urljoin

import frontmatter
import pytest
import replay_site
from conftest import CORPUS, FIXTURES, crawl_stats, post_files, run_crawl

from crawler.sources import SOURCES
from crawler.store.post import parse_post

POSTS = CORPUS / "jekyll_posts" / "other"
HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ROBOTS = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n")

#: outlet -> the seed-format post whose feed item is replayed
CASES = {
    "voa": "voa_2021-01-09_1.md",
    "rfa": "rfa_2021-01-08_2.md",
    "dw": "dw_2021-01-09_1.md",
    "rfi": "rfi_2021-01-15_1.md",
    "nytimes": "nytimes_2021-01-12_1.md",
    "cna": "cna_2021-01-09_2.md",
}
#: what the outlet's own feed adds to its links
LINK_SUFFIX = {"dw": "?maca=chi-rss-chi-all-1127-rdf"}
#: outlets whose feed is RSS 1.0 (RDF)
RDF = {"dw"}

#: BBC Chinese is bbc_zhongwen's (a page-based outlet with the BBC feeds among its start points);
#: its page here is a small one of ours in the shape of the 2021 site
BBC_POST = "bbc_2021-01-09_1.md"
BBC_PAGE = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">
<title>小城图书馆的夜间自习室 - BBC News 中文</title>
<meta property="og:type" content="article">
<script type="application/ld+json">{"@context":"http://schema.org","@type":"ReportageNewsArticle",
"headline":"小城图书馆的夜间自习室","datePublished":"2021-01-09T13:24:34.000Z",
"publisher":{"@type":"NewsMediaOrganization","name":"BBC News 中文"}}</script></head>
<body><header role="banner"><nav><a href="/zhongwen/simp">主页</a><a href="/zhongwen/simp/chinese_news">中国</a>
</nav></header><main role="main"><div><h1 id="content">小城图书馆的夜间自习室</h1></div>
<div><time datetime="2021-01-09">2021年1月9日</time></div>
<div dir="ltr"><p dir="ltr"><b>一座小城的公共图书馆把自习室的开放时间延长到午夜，来读书的人比预想的多。</b></p></div>
<div dir="ltr"><p dir="ltr">图书馆馆长说，最初只是想给备考的学生一个安静的地方，后来下班的年轻人也来了。</p></div>
<div dir="ltr"><p dir="ltr">自习室每晚大约有六十个座位，周末常常需要提前排队。</p></div>
<div dir="ltr"><p dir="ltr">馆方表示，将根据使用情况决定是否在其他分馆推广这一做法。</p></div>
</main><footer><p>© 2021 BBC.</p></footer></body></html>"""
BBC_EXPECTED = {
    "title": "小城图书馆的夜间自习室",
    "published": "2021-01-09T13:24:34+00:00",
    "paragraph_starts": ["一座小城的公共图书馆把自习室的开放时间延长到午夜"],
}


def feed_item(post_file: str) -> dict:
    """title, link, published and description of the feed item a seed-format post keeps."""
    path = POSTS / post_file
    if not path.exists():
        pytest.skip(f"the seed-format posts are not here: {POSTS} (../shared/corpus)")
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    description = post.content.split("\n------\n", 1)[-1].strip()
    published = post["date"]
    if isinstance(published, str):
        published = datetime.fromisoformat(published)
    return {
        "title": post["title"],
        "link": post["from"],
        "published": published,
        "description": description,
    }


def first_paragraph(description: str) -> str:
    """The first sentence of text of the feed's description (HTML)."""
    for paragraph in re.findall(r"<p[^>]*>(.*?)</p>", description, re.S):
        text = re.sub(r"<[^>]+>|\s+", "", html.unescape(paragraph))
        if len(text) >= 20:
            return text[:20]
    raise AssertionError("no paragraph of text in the feed description")


def rss(items: list[dict]) -> bytes:
    entries = "".join(
        f"<item><title>{html.escape(i['title'])}</title><link>{html.escape(i['link'])}</link>"
        f"<description>{html.escape(i['description'])}</description>"
        f"<pubDate>{format_datetime(i['published'])}</pubDate>"
        f"<guid isPermaLink='true'>{html.escape(i['link'])}</guid></item>"
        for i in items
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>feed</title>"
        f"<link>https://example.org/</link><description>news</description>{entries}"
        "</channel></rss>"
    ).encode()


def rdf(items: list[dict]) -> bytes:
    seq = "".join(f"<rdf:li rdf:resource='{html.escape(i['link'])}'/>" for i in items)
    entries = "".join(
        f"<item rdf:about='{html.escape(i['link'])}'><title>{html.escape(i['title'])}</title>"
        f"<link>{html.escape(i['link'])}</link>"
        f"<description>{html.escape(i['description'])}</description>"
        f"<dc:date>{i['published'].isoformat()}</dc:date></item>"
        for i in items
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
        "xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
        "<channel rdf:about='https://www.dw.com/zh/'><title>DW</title>"
        f"<link>https://www.dw.com/zh/</link><items><rdf:Seq>{seq}</rdf:Seq></items></channel>"
        f"{entries}</rdf:RDF>"
    ).encode()


def site(name: str, item: dict, page: bytes) -> tuple[dict, str]:
    """(pages, the URL the article is fetched at): every default start point of the outlet
    (the first feed carries the item, the others are empty), the page, robots.txt."""
    source = SOURCES[name]
    starts = source.start_urls
    main = next((u for u in starts if re.search(r"rss|feed|/api/", u)), starts[0])
    make = rdf if name in RDF else rss
    pages = {
        url: (200, {"Content-Type": RSS}, make([item] if url == main else [])) for url in starts
    }
    fetched = source.fetch_url(item["link"])
    pages[fetched] = (200, {"Content-Type": HTML}, page)
    for url in [*starts, fetched]:
        host = re.match(r"https?://[^/]+", url).group(0)
        pages[f"{host}/robots.txt"] = ROBOTS
    return pages, fetched


def linked_articles(name: str, item: dict) -> set[str]:
    """Ids of the other articles of the outlet the item's description links to (related
    stories): the spider follows every article link a feed mentions; they are not in the
    replay, so they answer 404."""
    source = SOURCES[name]
    ids = {
        source.article_id(urljoin(item["link"], u))
        for u in source.article_urls_in(item["description"])
    }
    return ids - {source.article_id(item["link"]), None}


def crawl(tmp_path: Path, name: str, pages: dict):
    warc = replay_site.write_warc(tmp_path / "site.warc.gz", pages)
    archive = tmp_path / "archive"
    cmd = [sys.executable, "-m", "scrapy", "crawl", name]
    for setting in (
        f"REPLAY_WARC={warc}",
        f"ARCHIVE_DIR={archive}",
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
        "AUTOTHROTTLE_ENABLED=False",
        "LOG_LEVEL=DEBUG",
        "RUN_MAX_ERROR_SHARE=0.9",  # the related stories linked from the item answer 404
    ):
        cmd += ["-s", setting]
    result = run_crawl(cmd)
    assert result.returncode == 0, result.stderr[-3000:]
    return archive, result.stderr, crawl_stats(result.stderr)


def check_post(archive: Path, log: str, name: str, item: dict, expected: dict) -> dict:
    posts = post_files(archive)
    assert len(posts) == 1, log[-3000:]
    assert posts[0].relative_to(archive / "_posts").parts[0] == name
    meta, body = parse_post(posts[0].read_text(encoding="utf-8"))
    assert meta["source"] == name
    assert meta["from"] == SOURCES[name].canonical_url(item["link"])
    assert meta["title"] == expected["title"] != item["title"]  # the page's, not the feed's
    assert meta["date"].isoformat() == expected["published"]
    for start in expected.get("paragraph_starts", [])[:2]:
        assert start in body
    assert first_paragraph(item["description"]) not in body  # not the feed's description
    return meta


@pytest.mark.parametrize("name", sorted(CASES))
def test_feed_item_is_archived_from_its_page(tmp_path: Path, name: str):
    item = feed_item(CASES[name])
    item["link"] += LINK_SUFFIX.get(name, "")
    fixture = FIXTURES / name / f"{name}.html"
    expected = json.loads(fixture.with_name(f"{name}.expected.json").read_text(encoding="utf-8"))
    pages, fetched = site(name, item, fixture.read_bytes())
    archive, log, stats = crawl(tmp_path, name, pages)
    meta = check_post(archive, log, name, item, expected)
    assert meta["id"] == expected["id"]
    assert f"Crawled (200) <GET {fetched}>" in log
    assert stats["newsarchive/discovery/feed_pages"] == len(SOURCES[name].start_urls)
    related = linked_articles(name, item)
    assert stats["newsarchive/discovery/article_links"] == 1 + len(related)
    assert stats["newsarchive/new"] == 1
    assert stats.get("newsarchive/failed", 0) == stats.get("newsarchive/failed/http-404", 0)
    assert stats.get("newsarchive/failed", 0) == len(related)


def test_bbc_feed_items_go_to_bbc_zhongwen(tmp_path: Path):
    source = SOURCES["bbc_zhongwen"]
    assert "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml" in source.start_urls
    assert "https://feeds.bbci.co.uk/zhongwen/trad/rss.xml" in source.start_urls
    item = feed_item(BBC_POST)
    pages, _ = site("bbc_zhongwen", item, BBC_PAGE.encode())
    archive, log, stats = crawl(tmp_path, "bbc_zhongwen", pages)
    check_post(archive, log, "bbc_zhongwen", item, BBC_EXPECTED)
    assert stats["newsarchive/new"] == 1


RFI_XI = "/cn/%E4%B8%AD%E5%9B%BD/20210115-%E4%B9%A0%E8%BF%91%E5%B9%B3-%E6%B1%82%E6%98%AF-%E8%AD%A6%E5%91%8A"


@pytest.mark.parametrize(
    ("name", "url", "article_id"),
    [
        ("voa", "https://www.voachinese.com/a/feds-arrest-20210119/5743901.html", "5743901"),
        ("voa", "https://www.voachinese.com/a/5743901.html?utm_source=rss", "5743901"),
        ("voa", "https://www.voachinese.com/z/1769", None),
        ("rfa", "https://www.rfa.org/mandarin/Xinwen/wul1228a-12272020230732.html", "wul1228a-12272020230732"),
        ("rfa", "https://www.rfa.org/mandarin/yataibaodao/al-01062021053405.html", "al-01062021053405"),
        ("rfa", "https://www.rfa.org/mandarin/zhengzhi/2025/06/16/taiwan-chen-zhihan/", "20250616-taiwan-chen-zhihan"),
        ("rfa", "https://www.rfa.org/mandarin/yataibaodao/gangtai", None),
        ("rfa", "https://www.rfa.org/english/china/2024/12/11/china-loosening/", None),
        ("dw", "https://www.dw.com/zh/%E9%87%91%E6%AD%A3%E6%81%A9/a-56194231", "a-56194231"),
        ("dw", "https://www.dw.com/zh-hant/x/a-56194232", "a-56194232"),
        ("dw", "https://www.dw.com/zh/x/av-56194231", None),
        ("dw", "https://www.dw.com/zh/%E5%9C%A8%E7%BA%BF%E6%8A%A5%E5%AF%BC/s-9058", None),
        ("rfi", f"http://www.rfi.fr/{RFI_XI}", "20210115-17f08ca92f0d"),
        ("rfi", f"https://www.rfi.fr{RFI_XI.lower()}?xtor=RSS", "20210115-17f08ca92f0d"),
        ("rfi", "https://www.rfi.fr/cn/中国/20210115-习近平-求是-警告", "20210115-17f08ca92f0d"),
        ("rfi", "http://www.rfi.fr//cn/%E4%BF%84%E7%BD%97%E6%96%AF", None),  # no section, no date
        ("nytimes", "https://cn.nytimes.com/world/20210115/canada-meng-huawei-detention/", "20210115-canada-meng-huawei-detention"),
        ("nytimes", "https://cn.nytimes.com/world/20210115/canada-meng-huawei-detention/zh-hant/", None),
        ("nytimes", "https://cn.nytimes.com/world/20210115/canada-meng-huawei-detention/dual/", None),
        ("nytimes", "https://cn.nytimes.com/rss/", None),
        ("cna", "https://www.cna.com.tw/news/acn/202101150053.aspx", "202101150053"),
        ("cna", "https://www.cna.com.tw/news/aipl/202101150053.aspx", "202101150053"),
        ("cna", "https://www.cna.com.tw/list/aipl.aspx", None),
    ],
)  # fmt: skip
def test_article_ids(name: str, url: str, article_id: str | None):
    assert SOURCES[name].article_id(url) == article_id


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_seed_link_of_the_outlet_is_an_article(name: str):
    """The ``from:`` links of all the seed-format posts of the outlet that have a section and
    a date (RFI's AFP-wire links of 2021 have neither)."""
    links = []
    for path in sorted(POSTS.glob(f"{name}_*.md")):
        link = frontmatter.loads(path.read_text(encoding="utf-8"))["from"]
        if name == "rfi" and not re.search(r"/\d{8}-", link):
            continue
        links.append(link)
    if not links:
        pytest.skip(f"the seed-format posts are not here: {POSTS} (../shared/corpus)")
    assert all(SOURCES[name].article_id(link) for link in links), links
