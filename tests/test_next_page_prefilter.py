"""The quick look before the "next page" parse: it may say "maybe" too often, never "no" when
the full parse would find a next page."""

from __future__ import annotations

import lxml.html
import pytest

from crawler.extract.pages import may_have_next_page, next_page_url

URL = "https://www.example.com/news/2024/story_1.html"
NEXT = "https://www.example.com/news/2024/story_2.html"


def page(links: str) -> str:
    return f"<html><body><article><p>正文在这里，以下是内容。</p></article>{links}</body></html>"


@pytest.mark.parametrize(
    "links",
    [
        pytest.param(f'<a href="{NEXT}">2</a>', id="numbered-path"),
        pytest.param('<a href="story.html?page=2">2</a>', id="numbered-query"),
        pytest.param('<a href="story.html?x=1&amp;page=2">more</a>', id="entity-in-href"),
        pytest.param('<link rel="next" href="/news/2024/story_2.html">', id="link-rel-next"),
        pytest.param('<a rel="nofollow next" href="/news/2024/more">go</a>', id="rel-list"),
        pytest.param('<a href="/news/2024/story/more">下<b>一</b>页</a>', id="label-split-by-tags"),
        pytest.param('<a href="/news/2024/story/more">&#19979;&#19968;&#39029;</a>', id="entities"),
        pytest.param('<a href="/news/2024/story/more"> Next  Page </a>', id="latin-label"),
        pytest.param('<a title="a>b" href="story_2.html">2</a>', id="quoted-gt"),
        pytest.param('<a href="/news/2024/story/more">下一页<div>', id="left-open"),
    ],
)
def test_the_quick_look_never_hides_a_next_page(links):
    text = page(links)
    assert may_have_next_page(text)
    full = next_page_url(lxml.html.document_fromstring(text), URL)
    assert next_page_url(text, URL) == full


@pytest.mark.parametrize(
    "links",
    [
        pytest.param('<a href="/news/2024/other.html">下载</a>', id="other-links"),
        pytest.param('<a href="/about">关于我们</a><link rel="stylesheet" href="s.css">', id="nav"),
        pytest.param("", id="no-links"),
    ],
)
def test_a_page_without_next_page_links_skips_the_parse(links):
    text = page(links)
    assert not may_have_next_page(text)
    assert next_page_url(text, URL) is None
    assert next_page_url(lxml.html.document_fromstring(text), URL) is None
