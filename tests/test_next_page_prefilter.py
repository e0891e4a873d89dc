"""The quick look before the "next page" parse: it may say "maybe" too often, never "no" when
the full parse would find a next page."""

from __future__ import annotations

import random
from pathlib import Path

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


# -- the quick look against the parse, on pages made at random from the pieces links are made of
HREFS = [
    NEXT, "story_2.html", "/news/2024/story.html?page=2", "story.html?x=1&amp;page=2",
    "story&#95;2.html", "story.html?page&#61;2", "/news/2024/story/2", "/other", "#top",
    "javascript:;", "/news/2024/story_3.html", "/news/2024/story-more.html",
]  # fmt: skip
TEXTS = [
    "下一页", "下<b>一</b>页", "&#19979;&#19968;&#39029;", " Next  Page ", "NEXT", "n<i>ext</i>",
    "下页", "下頁", "2", "更多", "天下", "阅读", "<img src=x_2.jpg>", "a<b", "下一页&gt;&gt;",
]  # fmt: skip
ATTRIBUTES = ['rel="next"', "rel=next", 'title="a>b"', "title='下一页'", 'class="n"', ""]


def random_page(seed: int) -> str:
    rnd = random.Random(seed)
    links = []
    for _ in range(rnd.randint(1, 6)):
        tag = rnd.choice(["a", "a", "a", "A", "link"])
        attributes = " ".join(rnd.sample(ATTRIBUTES, rnd.randint(0, 2)))
        quote = rnd.choice(['"', "'", ""])
        href = rnd.choice(HREFS)
        link = f"<{tag} {attributes} href={quote}{href}{quote}>"
        if tag != "link":
            link += rnd.choice(TEXTS) + rnd.choice([f"</{tag}>", "</a >", ""])
        links.append(link)
    return page(" ".join(links))


@pytest.mark.parametrize("seed", range(400))
def test_the_quick_look_never_hides_what_the_parse_finds(seed):
    text = random_page(seed)
    if next_page_url(lxml.html.document_fromstring(text), URL) is not None:
        assert may_have_next_page(text), text


def test_real_pages_the_quick_look_passes_over_have_no_next_page():
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pages"
    pages = sorted(corpus.glob("*/*.html"))
    if not pages:
        pytest.skip(f"no saved pages under {corpus}")
    for path in pages:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not may_have_next_page(text):
            doc = lxml.html.document_fromstring(text)
            for url in (URL, "https://www.example.com/a/b/c.html"):
                assert next_page_url(doc, url) is None, path
