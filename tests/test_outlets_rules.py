"""Outlet rules checked on lines and pages written here: CNA datelines, the headline repeated
over the body, production credits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from crawler.extract import extract_article
from crawler.extract.body import drop_repeated_title
from crawler.sources.cna import dateline_reporters
from crawler.sources.credits import credit_items, trailing_credits
from crawler.store.post import front_matter, parse_post, render_post

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.parametrize(
    ("line", "reporters"),
    [
        ("（中央社記者邱俊欽桃園19日電）桃園市平鎮區一家輪胎行", ["邱俊欽"]),
        ("（中央社記者張謙香港15日電）香港政府", ["張謙"]),  # a two-character name
        ("（中央社記者江今葉華盛頓9日專電）美國", ["江今葉"]),
        ("（中央社記者陳家倫、何宏儒台北19日電）行政院", ["陳家倫", "何宏儒"]),
        ("（中央社記者林芳如台南10日電）", ["林芳如"]),
        ("（中央社記者王大明霧峰3日電）", ["王大明"]),  # a place not in the list: 3 characters
        ("（中央社台北19日電）行政院", []),  # the agency's own story
        ("（中央社華盛頓18日綜合外電報導）", []),
        ("台北市政府今天宣布", None),  # no dateline
    ],
)
def test_cna_dateline_names_the_reporters(line: str, reporters: list[str] | None):
    assert dateline_reporters(line) == reporters


TITLE = "长江边的渡船老人，三十年只收一元钱"
STORY = "在湖北一个江边小镇，七十岁的老船工每天往返两岸十几趟。"


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        (f"{TITLE}\n\n{STORY}", STORY),
        (f"**{TITLE}**\n\n{STORY}", STORY),
        (f"## {TITLE}\n\n{STORY}", STORY),
        (f"长江边的渡船老人， 三十年只收一元钱\n\n{STORY}", STORY),  # spacing aside
        (f"{STORY}\n\n{TITLE}", f"{STORY}\n\n{TITLE}"),  # not the first paragraph
        (f"{TITLE}：记者手记\n\n{STORY}", f"{TITLE}：记者手记\n\n{STORY}"),  # more than it
        (f"# {TITLE}\n\n**{TITLE}**\n\n{STORY}", STORY),  # the <h1> of a page read whole, too
        (TITLE, TITLE),  # nothing else: the body is not emptied
    ],
)
def test_a_first_paragraph_repeating_the_headline_is_dropped(body: str, kept: str):
    assert drop_repeated_title(body, TITLE) == kept


@pytest.mark.parametrize(
    "url",
    [
        "https://www.bbc.com/zhongwen/articles/c9v1d2e3f4go/simp",  # an outlet's rules
        "https://news.example.org/2024/05/12/ferry.html",  # a site without a module
    ],
)
def test_every_outlet_drops_the_headline_repeated_over_the_body(url: str):
    story = "".join(f"<p>{STORY}第{n}段。</p>" for n in range(1, 6))
    page = (
        "<html><head><meta property='og:type' content='article'>"
        f"<meta property='article:published_time' content='2024-05-12T10:30:00+08:00'>"
        f"<title>{TITLE}</title></head><body><main><article><h1>{TITLE}</h1>"
        f"<p><b>{TITLE}</b></p>{story}</article></main></body></html>"
    )
    article = extract_article(page.encode(), url)
    assert article.title == TITLE
    assert article.body.startswith(STORY), article.body
    assert TITLE not in article.body


CREDITS_PAGE = FIXTURES / "xinhuanet" / "xinhuanet_credits.html"
CREDITS_URL = "https://www.news.cn/sports/20240312/7d2f4e36a8b4c0d1e2f3a4b55c1e0a7b/c.html"


def test_news_cn_credits_go_to_front_matter_not_the_body():
    article = extract_article(CREDITS_PAGE.read_bytes(), CREDITS_URL)
    assert article.credits == [
        "策划：周宗敏",  # one paragraph, two roles
        "监制：陈凯星",
        "统筹：王敏、曹韵",
        "记者：林晓、周明远",  # two lines of one paragraph (<br>)
        "视觉：赵一鸣",  # ``视觉｜赵一鸣``
        "编辑：孙莉",
        "新华社国内部出品",
    ]
    assert article.body.endswith("让冰雪运动从“小众”走向“大众”。")
    meta, body = parse_post(render_post(article, datetime(2024, 3, 12, 12, tzinfo=UTC)))
    assert meta["credits"] == article.credits
    assert "策划" not in body and "出品" not in body


def test_a_story_without_credits_writes_no_credits_key():
    page = FIXTURES / "xinhuanet" / "xinhuanet.html"
    url = "https://www.news.cn/local/20240312/5c1e0a7b9d2f4e36a8b4c0d1e2f3a4b5/c.html"
    article = extract_article(page.read_bytes(), url)
    assert article.credits == []
    assert "credits" not in front_matter(article, datetime(2024, 3, 12, 12, tzinfo=UTC))


@pytest.mark.parametrize(
    ("line", "items"),
    [
        ("策划：周宗敏　监制：陈凯星", ["策划：周宗敏", "监制：陈凯星"]),
        ("新华社记者：赵六", ["新华社记者：赵六"]),
        ("视频编辑 / 孙七", ["视频编辑：孙七"]),
        ("新华网联合出品", ["新华网联合出品"]),
        ("记者：您觉得冰雪运动的前景如何？", None),  # an interview's question
        ("据记者了解，今年冰场数量翻了一番。", None),
        ("编辑部的故事", None),
    ],
)
def test_credit_lines_are_told_from_story_lines(line: str, items: list[str] | None):
    assert credit_items(line) == items


def test_only_the_credits_that_end_the_body_are_taken():
    body = lxml.html.fragment_fromstring(
        "<div><p>记者：林晓</p><p>冰场里，孩子们排队等着上课。</p>"
        "<p>策划：周宗敏</p><p><img src='x.jpg'></p><p>新华社国内部出品</p></div>"
    )
    assert trailing_credits(body) == ["策划：周宗敏", "新华社国内部出品"]
    assert [p.text_content() for p in body.iter("p")] == [
        "记者：林晓",
        "冰场里，孩子们排队等着上课。",
        "",
    ]
