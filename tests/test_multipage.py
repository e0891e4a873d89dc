"""Articles split over several pages: finding the next page, joining the pages, and a replayed
crawl of a three-page article that comes out as one post.

The split paragraph is the breakage seen in shared/seeds/000_*.txt ("王毅强调，我们" / "要对阿富汗
问题…"): a paragraph that ends without sentence-final punctuation goes on on the next page.
"""

from __future__ import annotations

import json

import pytest
import replay_site
from test_crawl_e2e import crawl

from crawler.extract import extract_article
from crawler.extract.pages import join_pages, next_page_url, page_of
from crawler.store.post import parse_post

ARTICLE = "https://www.zaobao.com.sg/realtime/china/story20240301-8100001"
HTML = "text/html; charset=utf-8"

PAGE_TEXTS = (
    ["国务委员兼外长王毅在北京以视频方式出席会议。", "王毅强调，我们"],
    ["要对阿富汗问题历史经纬作出客观评判。", "其中最重要的一是广泛包容，二是坚决打恐。期望"],
    ["塔利班能汲取历史经验，切实履行承诺，争取国际认可。", "与会各方积极评价会议达成的共识。"],
)


def _pager(n: int, pages: int) -> str:
    links = "".join(
        f'<a href="{ARTICLE}?page={k}">{k}</a>' if k != n else f"<span>{k}</span>"
        for k in range(1, pages + 1)
    )
    nxt = f'<a href="?page={n + 1}">下一页</a>' if n < pages else ""
    return f'<div class="pagination">{links}{nxt}</div>'


def article_page(n: int, pages: int = 3, *, url: str = ARTICLE) -> bytes:
    """Page `n` of our own multi-page zaobao-shaped article (pagination inside the body)."""
    paragraphs = "".join(f"<p>{p}</p>" for p in PAGE_TEXTS[n - 1])
    head = (
        "<meta property='article:published_time' content='2024-03-01T08:00:00+08:00'>"
        if n == 1
        else ""
    )
    return (
        f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>多页文章</title>{head}"
        f"<link rel='canonical' href='{url}'></head><body><h1>首次阿富汗邻国外长会</h1>"
        f"<article class='article-body'>{paragraphs}{_pager(n, pages)}</article>"
        f"<a href='https://www.zaobao.com.sg/realtime/china/story20240301-8100002'>下一篇</a>"
        "</body></html>"
    ).encode()


# -- finding the next page --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "base", "number"),
    [
        ("http://www.news.cn/world/2021-09/08/c_1127841234.htm", None, 1),
        ("http://www.news.cn/world/2021-09/08/c_1127841234_2.htm", None, 2),
        ("https://example.com/news?id=7&page=3", "https://example.com/news?id=7", 3),
        (f"{ARTICLE}?page=2", ARTICLE, 2),
    ],
)
def test_page_of(url, base, number):
    found_base, found_number = page_of(url)
    assert found_number == number
    assert found_base == (base or "http://www.news.cn/world/2021-09/08/c_1127841234.htm")


def test_next_page_by_url_pattern_and_by_label():
    page = (
        "<html><body><p>正文</p><a href='c_1127841234_2.htm'>2</a><a href='c_1127841234_3.htm'>3"
        "</a><a href='c_1127841235.htm'>下一篇</a><a href='/world/'>下一页</a></body></html>"
    )
    base = "http://www.news.cn/world/2021-09/08/c_1127841234"
    assert next_page_url(page, base + ".htm") == base + "_2.htm"
    assert next_page_url(page, base + "_2.htm") == base + "_3.htm"
    assert next_page_url(page, base + "_3.htm") is None  # the last page: only earlier pages
    labelled = "<html><body><a href='/a/123/p2'>下一页</a></body></html>"
    assert next_page_url(labelled, "https://x.org/a/123") == "https://x.org/a/123/p2"


@pytest.mark.parametrize(
    "html",
    [
        "<a href='/a/124'>下一页</a>",  # another article
        "<a href='/a/1234'>下一页</a>",  # shares the digits, not the path
        "<a href='https://other.example/a/123_2'>2</a>",  # another host
        "<a href='/a/list?page=2'>2</a>",  # a listing's pages
        "<a rel='next' href='/a/125'>Next</a>",
    ],
)
def test_links_that_are_no_page_of_the_article(html):
    assert next_page_url(f"<html><body>{html}</body></html>", "https://x.org/a/123") is None


# -- joining ----------------------------------------------------------------------------------


def test_a_paragraph_split_by_a_page_break_is_rejoined():
    joined = join_pages(["第一段。\n\n王毅强调，我们", "要对阿富汗问题作出评判。\n\n第三段。"])
    assert joined.split("\n\n") == [
        "第一段。",
        "王毅强调，我们要对阿富汗问题作出评判。",
        "第三段。",
    ]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("他说：", "一是帮助阿加强疫情防控。", 2),  # a colon ends an introduction
        ("这是一句完整的话。", "下一段。", 2),
        ("会议达成共识（完）", "下一段。", 2),
        ("The talks went on and", "on into the night.", 1),
        ("## 小标题", "正文。", 2),  # headings are never glued
        ("据报道，", "双方同意继续会谈。", 1),
    ],
)
def test_only_an_open_ending_carries_on(before, after, expected):
    assert len(join_pages([before, after]).split("\n\n")) == expected


def test_latin_halves_are_glued_with_a_space():
    assert join_pages(["It was the", "best of times."]) == "It was the best of times."


def test_empty_pages_are_skipped():
    assert join_pages(["第一段。", "", "第二段。"]) == "第一段。\n\n第二段。"


# -- extraction with pages --------------------------------------------------------------------


def test_extract_article_joins_pages_and_drops_the_pagination():
    article = extract_article(article_page(1), ARTICLE, pages=[article_page(2), article_page(3)])
    paragraphs = article.body.split("\n\n")
    assert "王毅强调，我们要对阿富汗问题历史经纬作出客观评判。" in paragraphs
    assert (
        "其中最重要的一是广泛包容，二是坚决打恐。期望塔利班能汲取历史经验，切实履行承诺，争取国际认可。"
        in (paragraphs)
    )
    assert len(paragraphs) == 4
    assert "下一页" not in article.body and "下一篇" not in article.body
    assert article.pages == 3
    assert article.complete


def test_an_article_missing_its_later_pages_is_incomplete():
    article = extract_article(article_page(1), ARTICLE)
    assert not article.complete
    assert article.completeness_reason == "missing-pages"
    partial = extract_article(article_page(1), ARTICLE, pages=[article_page(2)])
    assert partial.completeness_reason == "missing-pages"


def test_a_later_page_that_is_no_html_is_skipped_with_a_warning():
    article = extract_article(article_page(1, pages=1), ARTICLE, pages=[b"\x00\x01binary"])
    assert article.pages == 1
    assert any("page 2" in w for w in article.warnings)


# -- the spider: a replayed crawl -------------------------------------------------------------


def test_a_three_page_article_is_crawled_into_one_post(tmp_path):
    pages = {
        ARTICLE: (200, {"Content-Type": HTML}, article_page(1)),
        f"{ARTICLE}?page=2": (200, {"Content-Type": HTML}, article_page(2)),
        f"{ARTICLE}?page=3": (200, {"Content-Type": HTML}, article_page(3)),
        "https://www.zaobao.com.sg/robots.txt": (200, {"Content-Type": "text/plain"}, b""),
    }
    warc = replay_site.write_warc(tmp_path / "multipage.warc.gz", pages)
    result, stats = crawl(tmp_path, warc, "-a", f"start_urls={ARTICLE}")
    assert result.returncode == 0, result.stderr[-3000:]
    posts = sorted((tmp_path / "archive" / "_posts").rglob("*.md"))
    assert len(posts) == 1, result.stderr[-3000:]
    meta, body = parse_post(posts[0].read_text(encoding="utf-8"))
    assert meta["from"] == "https://www.zaobao.com/realtime/china/story20240301-8100001"
    assert "王毅强调，我们要对阿富汗问题历史经纬作出客观评判。" in body.split("\n\n")
    assert "期望塔利班能汲取历史经验" in body
    assert "下一页" not in body
    assert stats["newsarchive/new"] == 1
    assert stats["newsarchive/multipage/pages_followed"] == 2


def test_a_later_page_that_fails_leaves_the_article_incomplete(tmp_path):
    """Page 3 is not there (404): pages 1 and 2 still make the post, marked incomplete."""
    pages = {
        ARTICLE: (200, {"Content-Type": HTML}, article_page(1)),
        f"{ARTICLE}?page=2": (200, {"Content-Type": HTML}, article_page(2)),
        "https://www.zaobao.com.sg/robots.txt": (200, {"Content-Type": "text/plain"}, b""),
    }
    warc = replay_site.write_warc(tmp_path / "partial.warc.gz", pages)
    items = tmp_path / "items.jsonl"
    result, stats = crawl(tmp_path, warc, "-a", f"start_urls={ARTICLE}", "-o", str(items))
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats["newsarchive/multipage/page_failed/http-404"] == 1
    [item] = [json.loads(line) for line in items.read_text(encoding="utf-8").splitlines()]
    assert item["pages"] == 2
    assert (item["complete"], item["completeness_reason"]) == (False, "missing-pages")
    assert "王毅强调，我们要对阿富汗问题历史经纬作出客观评判。" in item["body"]
    assert stats["newsarchive/health/zaobao/incomplete"] == 1
