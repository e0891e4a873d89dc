"""Marks inside the text: reference numbers go, superscripts and subscripts stay as text (never
as ``<sup>`` markup a post would show escaped), script-run page controls go."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.extract import extract_article
from crawler.extract.body import normalise_paragraphs
from crawler.extract.inline_marks import unmark_scripts
from crawler.store.post import render_post

URL = "https://www.zaobao.com/realtime/china/story20240102-1234567"
OTHER_URL = "https://www.example.org/news/2024/01/02/story.html"
FILLER = "这是一段足够长的正文，用来确认文章被识别。" * 3
LEAD = "新加坡政府今天宣布了新的政策，卫生部长在记者会上说明了细节。"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BAIKE = CORPUS / "eval" / "trafilatura_zh" / "traf_baike_baidu_com_tanya.html"


def zaobao(paragraph: str) -> bytes:
    return (
        "<html><head><meta charset='utf-8'></head><body><h1 class='article-title'>标题</h1>"
        f"<article id='article-body' class='article-body'><p>{LEAD}{paragraph}</p><p>{FILLER}</p>"
        "</article></body></html>"
    ).encode()


def generic(paragraph: str) -> bytes:
    return (
        "<html><head><meta charset='utf-8'><title>标题</title>"
        "<meta property='article:published_time' content='2024-01-02T08:00:00+08:00'></head>"
        f"<body><nav><a href='/'>首页</a></nav><article><h1>标题</h1><p>{LEAD}{paragraph}</p>"
        f"<p>{FILLER}</p><p>{FILLER}</p></article></body></html>"
    ).encode()


CASES = [
    pytest.param("他说<sup>[13]</sup>，事情已经过去。", "他说，事情已经过去。", id="reference"),
    pytest.param(
        "获得最佳专辑奖<sup class='sup--normal'>\n[3-4]</sup><a class='sup-anchor' name='r'>"
        "&nbsp;</a>；其后发行专辑。",
        "获得最佳专辑奖；其后发行专辑。",
        id="reference-range-with-anchor",
    ),
    pytest.param("见注释<sup><a href='#n1'>［注1］</a></sup>。", "见注释。", id="fullwidth-note"),
    pytest.param("面积为100 m<sup>2</sup>。", "面积为100 m²。", id="superscript"),
    pytest.param("排放CO<sub>2</sub>增加。", "排放CO₂增加。", id="subscript"),
    pytest.param("他排名第1<sup>st</sup>位。", "他排名第1st位。", id="superscript-letters"),
    pytest.param(
        "正文内容<a href='javascript:;' class='edit-icon'>编辑</a>继续。",
        "正文内容继续。",
        id="script-control-link",
    ),
    pytest.param(
        "正文<a href='javascript:void(0)' onclick='show()'>张三</a>说了一些话，大家都听到了。",
        "正文张三说了一些话，大家都听到了。",
        id="script-link-with-words-kept",
    ),
]


@pytest.mark.parametrize("make", [zaobao, generic], ids=["outlet-body", "whole-page"])
@pytest.mark.parametrize(("paragraph", "expected"), CASES)
def test_marks_become_text_or_go(make, paragraph, expected):
    url = URL if make is zaobao else OTHER_URL
    article = extract_article(make(paragraph), url)
    first = article.body.split("\n\n")[0]
    assert first == LEAD + expected
    assert "<sup" not in article.body and "<sub" not in article.body
    assert "&lt;su" not in render_post(article, datetime.now(UTC))


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("a<sup>\\[13\\]</sup>b", "ab"),
        ("x<sup>2</sup> + y<sub>n</sub>", "x² + yn"),
        ("<sup>(1)</sup>", "⁽¹⁾"),
        ("no marks", "no marks"),
    ],
)
def test_trafilatura_markup_is_unmarked(markdown, expected):
    assert unmark_scripts(markdown) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("写歌\n\n。\n\n下一段", "写歌。\n\n下一段"),
        ("结束\n\n」。", "结束」。"),
        ("。\n\n开头", "。\n\n开头"),  # nothing before it to end
        ("| a | b |\n|---|---|\n\n。", "| a | b |\n|---|---|\n\n。"),  # a table is left whole
    ],
)
def test_a_line_of_closing_punctuation_ends_the_line_before(text, expected):
    assert normalise_paragraphs(text) == expected


def test_a_wiki_page_keeps_its_sentences_whole():
    if not BAIKE.exists():
        pytest.skip(f"corpus page missing: {BAIKE}")
    article = extract_article(BAIKE.read_bytes(), "https://baike.baidu.com/item/tanya")
    paragraphs = article.body.split("\n\n")
    assert "编辑" not in paragraphs
    assert not [p for p in paragraphs if p in {"。", "；", "，"}]
    assert "<sup" not in article.body and "[13]" not in article.body
    assert any(p.endswith("期间因受到乐团成员打击自学吉他并尝试写歌。") for p in paragraphs)
