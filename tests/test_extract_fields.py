"""Single fields of extraction on small pages written here: bylines, dates, titles."""

from __future__ import annotations

import pytest

from crawler.extract import extract_article

URL = "https://www.zaobao.com/realtime/china/story20240102-1234567"
BODY = "<p>" + "这是一段足够长的正文，用来确认文章被识别。" * 3 + "</p>"


def page(head: str = "", byline: str = "", title: str = "标题") -> bytes:
    return (
        f"<html><head><meta charset='utf-8'>{head}</head><body>"
        f"<h1 class='article-title'>{title}</h1>"
        f"<div class='author-info'><span>{byline}</span></div>"
        f"<article id='article-body' class='article-body'>{BODY}</article></body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("作者：廖慧婷", ["廖慧婷"]),
        ("文森", ["文森"]),
        ("文／王五", ["王五"]),
        ("记者 张三、李四", ["张三", "李四"]),
        ("By John Smith", ["John Smith"]),
        ("联合早报", []),
    ],
)
def test_bylines_lose_their_label_but_never_a_name(byline, expected):
    assert extract_article(page(byline=byline), URL).bylines == expected


@pytest.mark.parametrize(
    ("head", "expected", "where"),
    [
        (
            '<meta property="article:published_time" content="2024-01-02T10:00:00Z">',
            "2024-01-02T18:00:00+08:00",
            "meta",
        ),
        (
            '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2024-01-02 09:30",}</script>',
            "2024-01-02T09:30:00+08:00",
            "jsonld",
        ),
        (
            '<script>var _data={pubdate:"2024-01-02 07:05:09"}</script>',
            "2024-01-02T07:05:09+08:00",
            "page",
        ),
        (
            '<meta property="og:image" content="https://static.zaobao.com/images/20210209/x.jpg">',
            "2024-01-02T00:00:00+08:00",
            "url",
        ),
    ],
)
def test_publish_time_carries_the_outlet_timezone_and_never_comes_from_an_image(
    head, expected, where
):
    article = extract_article(page(head=head), URL)
    assert article.published.isoformat() == expected
    assert article.date_source == where


@pytest.mark.parametrize("title", ['央行: "降息"', "中美关系 - 新阶段", "标题：副标题：再一层"])
def test_titles_are_never_cut_at_colons_or_dashes(title):
    assert extract_article(page(title=title), URL).title == title
