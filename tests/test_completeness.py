"""Paywalls and teasers: an article the page does not hold in full is marked incomplete (with a
reason) instead of being archived as if it were whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import extract_article
from crawler.extract.completeness import tokens

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no shared corpus at {CORPUS}")

URL = "https://news.example.com/2024/03/01/story-1.html"
ZAOBAO_URL = "https://www.zaobao.com.sg/realtime/china/story20240301-8200001"
TEASER = "<p>新加坡政府周一宣布，将在明年推出新的住房补贴计划，帮助首次购屋的年轻家庭。</p>"
FULL_TEXT = TEASER + "".join(
    f"<p>第{n}段：国家发展部长在记者会上说，这项计划的开支约为五亿元，预计会有两万个家庭受惠。</p>"
    for n in range(8)
)


def page(body: str, jsonld: dict | None = None, head: str = "") -> bytes:
    ld = (
        f"<script type='application/ld+json'>{json.dumps(jsonld, ensure_ascii=False)}</script>"
        if jsonld
        else ""
    )
    return (
        "<html lang='zh'><head><meta charset='utf-8'><title>住房补贴计划</title>"
        f"<meta property='article:published_time' content='2024-03-01T08:00:00+08:00'>{ld}{head}"
        f"</head><body><h1>住房补贴计划</h1><article>{body}</article></body></html>"
    ).encode()


def news(**fields) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "住房补贴计划",
    } | (fields)


def test_a_free_article_is_complete():
    article = extract_article(page(FULL_TEXT, news(isAccessibleForFree=True)), URL)
    assert article.complete and article.completeness_reason is None


@pytest.mark.parametrize("flag", [False, "False", "false"])
def test_declared_not_free_is_incomplete(flag):
    article = extract_article(page(TEASER, news(isAccessibleForFree=flag)), URL)
    assert not article.complete
    assert article.completeness_reason == "not-free"


def test_not_free_in_a_gated_part_is_incomplete():
    ld = news(
        hasPart={
            "@type": "WebPageElement",
            "isAccessibleForFree": "False",
            "cssSelector": ".paywall",
        }
    )
    article = extract_article(page(TEASER, ld), URL)
    assert article.completeness_reason == "not-free"


def test_a_metered_page_that_holds_its_gated_part_is_complete():
    """Declared not free, but the part named by hasPart.cssSelector is on the page in full."""
    ld = news(
        isAccessibleForFree=False,
        hasPart=[
            {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".paywall"}
        ],
    )
    article = extract_article(page(f"<div class='paywall'>{FULL_TEXT}</div>", ld), URL)
    assert article.complete


def test_microdata_not_free_is_incomplete():
    head = "<meta itemprop='isAccessibleForFree' content='false'>"
    assert extract_article(page(TEASER, head=head), URL).completeness_reason == "not-free"


@pytest.mark.parametrize(
    "notice",
    [
        "本文为订户专享，请订阅后阅读全文。",
        "訂閱後閱讀全文",
        "订阅后阅读全文",
        "This article is for subscribers only",
    ],
)
def test_a_subscriber_notice_makes_a_teaser(notice):
    article = extract_article(page(TEASER + f"<div class='promo'>{notice}</div>"), URL)
    assert not article.complete
    assert article.completeness_reason == "teaser-marker"


def test_a_notice_inside_a_script_is_no_marker():
    script = "<script>var msg = '订阅后阅读全文';</script>"
    assert extract_article(page(FULL_TEXT + script), URL).complete


def test_zaobao_teaser_overlay_is_read_before_it_is_cut_out():
    """zaobao's junk rules remove `.overlay-microtransaction`; the mark is read first."""
    body = (
        "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>早报订户文章</title>"
        "<meta property='article:published_time' content='2024-03-01T08:00:00+08:00'></head>"
        f"<body><h1 class='article-title'>早报订户文章</h1><article class='article-body'>{TEASER}"
        "<div class='overlay-microtransaction'><p>订阅联合早报，阅读更多</p></div></article>"
        "</body></html>"
    ).encode()
    article = extract_article(body, ZAOBAO_URL)
    assert article.source == "zaobao"
    assert "订阅" not in article.body
    assert not article.complete and article.completeness_reason == "teaser-marker"


def test_a_body_much_shorter_than_the_declared_article_body():
    declared = "。".join(["国家发展部长在记者会上说明这项计划的细节"] * 30)
    article = extract_article(page(TEASER, news(articleBody=declared)), URL)
    assert article.completeness_reason == "shorter-than-declared"
    whole = extract_article(page(FULL_TEXT, news(articleBody=declared[:300])), URL)
    assert whole.complete


def test_a_body_much_shorter_than_the_declared_word_count():
    article = extract_article(page(TEASER, news(wordCount=800)), URL)
    assert article.completeness_reason == "shorter-than-declared"
    assert extract_article(page(FULL_TEXT, news(wordCount="300")), URL).complete


def test_tokens_count_cjk_characters_and_latin_words():
    assert tokens("新加坡 announced 2 new grants.") == 3 + 4


# -- real pages -------------------------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize(
    ("name", "complete", "reason"),
    [
        ("aeb/aeb_042bb7b5fedab6ea.html", False, "not-free"),  # wsj.com: a teaser
        ("aeb/aeb_7ab16ade32386ece.html", False, "not-free"),  # wsj.com: a teaser
        ("aeb/aeb_3c6d3381ef52ca26.html", True, None),  # declares itself free
        ("aeb/aeb_04a6711caa7c6875.html", True, None),  # nytimes: metered, holds its text
        ("dragnet/dragnet_145.html", False, "missing-pages"),  # BBC Future: "Next >" to /2
        ("readability_zh/readability_qq.html", True, None),
    ],
)
def test_real_pages(name, complete, reason):
    path = CORPUS / "eval" / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the corpus")
    article = extract_article(path.read_bytes(), "")
    assert (article.complete, article.completeness_reason) == (complete, reason)
