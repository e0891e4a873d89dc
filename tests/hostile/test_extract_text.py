"""Hostile text: lone surrogates, NULs and control characters in any field, and JSON-LD of any
shape, never break extraction, the text hash or the article's fields."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime

import pytest

from crawler.extract import Article, NotAnArticle, extract_article

GENERIC_URL = "https://news.example.com/2024/01/02/story.html"
ZAOBAO_URL = "https://www.zaobao.com/realtime/china/story20240102-1234567"
PARAGRAPH = "这是一段足够长的正文，用来确认文章被识别，并且包含足够多的文字。" * 4
SECOND = "第二段落讲述了事情的经过，记者在现场看到了许多人，他们都很关心结果。" * 4

#: what no field may hold: C0/C1 controls but newline and tab, surrogates
HOSTILE = [
    "lone \ud800 high surrogate",
    "lone \udfff low surrogate",
    "NUL\x00inside",
    "bell\x07 and escape\x1b",
    "C1\x85next\x9fline",
    "DEL\x7fchar",
    "noncharacter\ufffe\uffff",
    "\x00\x01\x02",  # nothing but controls
]


def forbidden(text: str) -> list[str]:
    """The characters of `text` no field may hold."""
    return [
        c
        for c in text
        if c not in "\n\t" and (unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff")
    ]


def all_text(article: Article) -> list[tuple[str, str]]:
    """(field, text) of every text field of `article`."""
    out = []
    for name, value in vars(article).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                out.append((name, item))
    return out


def assert_clean(article: Article) -> None:
    for name, text in all_text(article):
        assert not forbidden(text), (name, text)
        text.encode("utf-8")  # never a UnicodeEncodeError
    assert article.text_hash.startswith("sha256:")
    json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize(
    "field",
    ["title", "body", "publication", "section", "image_caption", "description", "lang"]
    + ["bylines", "keywords", "warnings"],
)
def test_every_text_field_of_an_article_is_normalised(field: str, hostile: str):
    value = [hostile, "ok"] if field in ("bylines", "keywords", "warnings") else hostile
    fields = dict(
        source="example_com",
        id="story",
        url=GENERIC_URL,
        title="标题",
        published=datetime(2024, 1, 2, tzinfo=UTC),
        body=PARAGRAPH,
        publication="example.com",
    )
    article = Article(**{**fields, field: value})
    assert_clean(article)
    # and when set later (a pipeline fixing a field up): the same normalisation
    setattr(article, field, value)
    assert_clean(article)


def test_body_keeps_its_paragraphs_and_tables_but_loses_what_controls_left_empty():
    body = "第一段\x00。\r\n\r\n\x01\x02\n\n| a | b |\n|---|---|\n\n第二\ud800段\t。"
    article = Article("s", "i", "u", "t", datetime(2024, 1, 2, tzinfo=UTC), body, "p")
    assert article.body == "第一段。\n\n| a | b |\n|---|---|\n\n第二段\t。"


def test_newlines_and_tabs_stay_in_fields_carriage_returns_become_newlines():
    title = "第一行\r\n第二行\t\x00完"
    article = Article("s", "i", "u", title, datetime(2024, 1, 2, tzinfo=UTC), "b", "p")
    assert article.title == "第一行\n第二行\t完"


def test_a_surrogate_pair_split_in_two_escapes_is_joined_not_dropped():
    article = Article("s", "i", "u", "笑\ud83d\ude00", datetime(2024, 1, 2, tzinfo=UTC), "b", "p")
    assert article.title == "笑\U0001f600"


def jsonld_page(ld: dict | list | str, title: str = "", url_meta: bool = False) -> bytes:
    block = ld if isinstance(ld, str) else json.dumps(ld, ensure_ascii=True)
    head = f"<title>{title}</title>" if title else ""
    return (
        f"<html><head><meta charset='utf-8'>{head}"
        f"<script type='application/ld+json'>{block}</script></head>"
        f"<body><article><p>{PARAGRAPH}</p><p>{SECOND}</p></article></body></html>"
    ).encode()


def article_ld(**fields) -> dict:
    return {"@context": "https://schema.org", "@type": "NewsArticle", **fields}


def test_lone_surrogate_in_a_jsonld_headline_gives_a_clean_title_and_hash():
    # the JSON escape "\ud800" decodes to a lone surrogate: UTF-8 cannot encode it
    page = jsonld_page(article_ld(headline="头条\ud800新闻", datePublished="2024-01-02T08:00:00Z"))
    article = extract_article(page, GENERIC_URL)
    assert article.title == "头条新闻"
    assert_clean(article)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("国际", "国际"),
        (["国际", "亚洲"], "国际"),
        ({"@type": "Thing", "name": "国际"}, "国际"),
        ({"@value": "国际", "@language": "zh"}, "国际"),
        ([{"name": "国际"}, {"name": "亚洲"}], "国际"),
        ([[], ["国际"]], "国际"),
        (42, "42"),
        (None, None),
        (True, None),
        ({}, None),
        ([], None),
        ({"@id": "https://example.com/sections/world"}, None),
    ],
    ids=lambda v: type(v).__name__,
)
def test_jsonld_article_section_of_any_shape(section, expected):
    page = jsonld_page(article_ld(headline="标题", articleSection=section))
    assert extract_article(page, GENERIC_URL).section == expected


@pytest.mark.parametrize(
    ("fields", "attribute", "expected"),
    [
        ({"headline": {"@value": "对象标题"}}, "title", "对象标题"),
        ({"headline": ["列表标题", "另一个"]}, "title", "列表标题"),
        ({"headline": None, "name": "名称标题"}, "title", "名称标题"),
        ({"headline": 2024}, "title", "2024"),
        ({"author": {"name": {"@value": "王五"}}}, "bylines", ["王五"]),
        ({"author": [{"name": "张三"}, "李四", None, 7]}, "bylines", ["张三", "李四", "7"]),
        ({"author": {"@type": "Person"}}, "bylines", []),
        ({"keywords": [{"name": "经济"}, "日本,失业率"]}, "keywords", ["经济", "日本", "失业率"]),
        ({"keywords": {"@value": "经济"}}, "keywords", ["经济"]),
        ({"keywords": 12}, "keywords", ["12"]),
        ({"inLanguage": {"@type": "Language", "name": "Chinese", "alternateName": "zh"}},
         "lang", "zh"),
        ({"inLanguage": ["zh-Hans"]}, "lang", "zh-Hans"),
        ({"datePublished": ["2024-01-02T08:00:00+08:00"]}, "date_source", "jsonld"),
        ({"datePublished": {"@value": "2024-01-02T08:00:00+08:00"}}, "date_source", "jsonld"),
        ({"datePublished": 20240102}, "date_source", "jsonld"),
        ({"wordCount": "²"}, "complete", True),
        ({"wordCount": {"@value": 5000}}, "complete", False),
        ({"articleBody": ["x" * 5000]}, "complete", False),
        ({"isAccessibleForFree": {"@value": False}}, "complete", False),
    ],
)  # fmt: skip
def test_jsonld_fields_of_any_shape(fields: dict, attribute: str, expected):
    page = jsonld_page(article_ld(**{"headline": "标题", **fields}))
    assert getattr(extract_article(page, GENERIC_URL), attribute) == expected


@pytest.mark.parametrize(
    "ld",
    [
        {"@graph": {"@type": "NewsArticle", "headline": "图标题"}},
        [[{"@type": "WebSite"}], [{"@type": ["NewsArticle", {"x": 1}], "headline": "图标题"}]],
        {"@type": "WebPage", "mainEntity": {"@type": "NewsArticle", "headline": "图标题"}},
        {"@type": "https://schema.org/NewsArticle", "headline": "图标题"},
        {"@type": {"name": "NewsArticle"}, "name": "图标题"},
        {"@type": 7, "headline": "图标题"},
        [None, 1, "x", True, {"@type": None}],
        "[" * 100_000 + "]" * 100_000,  # nested too deep for the JSON parser
        '{"@type": "NewsArticle", "headline": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"@type": "NewsArticle", ' + "'x': 1, " * 20_000 + "}",  # too large to mend
    ],
    ids=["graph-object", "nested-lists", "main-entity", "type-url", "type-object",
         "type-number", "junk-values", "deep-json", "deep-headline", "huge-broken"],
)  # fmt: skip
def test_jsonld_of_any_shape_never_breaks_extraction(ld):
    article = extract_article(jsonld_page(ld, title="页面标题"), GENERIC_URL)
    assert article.title in ("图标题", "页面标题")
    assert PARAGRAPH in article.body
    assert_clean(article)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_characters_in_the_markup_never_reach_a_field(hostile: str):
    page = (
        "<html><head><meta charset='utf-8'>"
        f"<title>页面{hostile}标题</title><meta name='keywords' content='经济,{hostile}'>"
        f"<meta property='og:description' content='摘要{hostile}'></head><body>"
        f"<h1 class='article-title'>头条{hostile}</h1>"
        f"<div class='author-info'><span>作者：王{hostile}五</span></div>"
        f"<article id='article-body' class='article-body'><p>{PARAGRAPH}{hostile}</p>"
        f"<p>{hostile}</p><p>{SECOND}</p></article></body></html>"
    )
    for url in (ZAOBAO_URL, GENERIC_URL):
        try:
            article = extract_article(page.encode("utf-8", "surrogatepass"), url)
        except NotAnArticle as exc:  # never anything but a reason
            pytest.fail(f"{url}: {exc}")
        assert_clean(article)
        assert article.title.startswith("头条") or article.title.startswith("页面")
