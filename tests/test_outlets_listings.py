"""The outlets' spiders on their real listing pages in the shared reference corpus
(``../shared/corpus/pages/<outlet>/listing_*.html``, see its SOURCES.tsv), read in place.

For each page: how many articles the spider requests, a few it must request (links in anchors
and links only in the page's script data), and that every request is an article of the outlet
on the outlet's own hosts, one per story whatever the link's form (``?s=...``, ``#comment``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.spiders import outlets

PAGES = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pages"
LISTING_PAGE = "listing_*.htm*"

needs_corpus = pytest.mark.skipif(
    not PAGES.is_dir(), reason=f"the shared reference corpus is absent ({PAGES})"
)


def listing(path: str, url: str, count: int, links: list[str]) -> pytest.param:
    return pytest.param(path, url, count, links, id=Path(path).stem)


LISTINGS = [
    listing(
        "ifeng/listing_news.ifeng.com_2020-07.html",
        "https://news.ifeng.com/",
        # 56 stories: a few in anchors, most only in `var allData` (JSON, "https:\/\/...")
        56,
        [
            "https://news.ifeng.com/c/7yDFgLsIMUq",  # <a>: 见字如晤：书信往来间...
            "https://news.ifeng.com/c/7yDFjYdlNYW",  # allData only: 南下广东刚履新两个月...
            "https://news.ifeng.com/c/7yDLLDcRJ8S",  # allData only: 香港艺人确诊！...
        ],
    ),
    listing(
        "guancha/listing_home_2020-07.html",
        "https://www.guancha.cn/",
        # 227 stories (headline, [全文], comment count and ?s= links to each: one request) and
        # the footer's 加入我们 / 网站自律管理承诺书, which the site publishes as articles;
        # not the footer's 举报制度规范 (page 3 of a story), nor 风闻 posts on user.guancha.cn
        229,
        [
            "https://www.guancha.cn/politics/2020_07_18_558133.shtml",  # 见字如晤...
            "https://www.guancha.cn/internation/2020_07_18_558127.shtml",  # 英国威胁停止...
            "https://www.guancha.cn/DavidDayen/2020_07_18_558074.shtml",  # a columnist
        ],
    ),
]


def spider_for(outlet: str):
    cls = next(
        c
        for c in vars(outlets).values()
        if isinstance(c, type) and getattr(c, "name", None) == outlet
    )
    return cls.from_crawler(get_crawler(cls))


@needs_corpus
@pytest.mark.parametrize(("path", "url", "count", "links"), LISTINGS)
def test_spider_finds_the_articles_of_a_real_listing(path, url, count, links):
    page = PAGES / path
    if not page.is_file():
        pytest.skip(f"{path} is not in the corpus")
    spider = spider_for(path.split("/")[0])
    source = spider.source
    requests = list(spider.parse(HtmlResponse(url, body=page.read_bytes())))
    urls = [r.url for r in requests]
    assert all(r.callback == spider.parse_article for r in requests)
    foreign = [u for u in urls if not source.matches_host(urlsplit(u).hostname or "")]
    assert not foreign, f"links off the outlet's hosts: {foreign}"
    assert all(source.article_id(u) for u in urls)
    assert len({source.article_id(u) for u in urls}) == len(urls), "a story requested twice"
    canonical = {source.canonical_url(u) for u in urls}
    missing = [link for link in links if link not in canonical]
    assert not missing, f"article links not found: {missing}"
    assert len(urls) == count


@needs_corpus
def test_every_real_listing_page_has_a_case():
    covered = {p.values[0] for p in LISTINGS}
    pages = {f"{p.parent.name}/{p.name}" for p in PAGES.glob(f"*/{LISTING_PAGE}")}
    assert pages <= covered, f"real listing pages without a case: {sorted(pages - covered)}"
