"""Outlet rules that read a line of text, checked on lines written here."""

from __future__ import annotations

import pytest

from crawler.extract import extract_article
from crawler.extract.body import drop_repeated_title
from crawler.sources.cna import dateline_reporters


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
