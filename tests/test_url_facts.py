"""What a URL says (its story id, its date) has one answer: the Source's (crawler/sources/base.py).

The spider reads a URL's date to keep within --since/--until; the extractor takes it as the
publish date of a page that states none. Both ask `Source.url_date`, so they cannot disagree.
"""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import crawler.extract
from crawler.extract import extract_article
from crawler.sources import SOURCES, source_for_url
from crawler.sources.generic import generic_source

ROOT = Path(__file__).resolve().parents[1]
FETCHED = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

#: a page of a site without rules that states no date anywhere (no digits at all)
UNDATED_PAGE = (
    "<html><head><title>港口夜景重新点亮</title></head><body><h1>港口夜景重新点亮</h1>"
    + "<p>港口的灯光在修缮之后重新点亮，附近的居民和游客在岸边驻足观看，摊贩也回到了街角。</p>" * 6
    + "</body></html>"
).encode()


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://www.zaobao.com.sg/realtime/china/story20211118-1215843", date(2021, 11, 18)),
        ("http://www.news.cn/fortune/2023-11/17/c_1129981476.htm", date(2023, 11, 17)),
        ("http://culture.people.com.cn/n1/2019/0615/c1013-31153719.html", date(2019, 6, 15)),
        ("https://news.sina.com.cn/c/2019-10-23/doc-iicezuev4202091.shtml", date(2019, 10, 23)),
        ("https://cn.chinadaily.com.cn/a/202405/09/WS663c1f2aa310df4030f51e7b.html", date(2024, 5, 9)),
        ("https://cn.nytimes.com/world/20210115/canada-meng-huawei-detention/", date(2021, 1, 15)),
        # CNA's id: the date, then a 4-digit serial
        ("https://www.cna.com.tw/news/acn/202101150053.aspx", date(2021, 1, 15)),
        ("https://www.cna.com.tw/news/firstnews/201903220121.aspx", date(2019, 3, 22)),
        # RFA's: month, day, year, time; the digits in the middle are no date
        ("https://www.rfa.org/mandarin/Xinwen/wul1228a-12272020230732.html", None),
        ("https://www.rfa.org/mandarin/yataibaodao/al-01062021053405.html", None),
        ("https://www.voachinese.com/a/5743901.html", None),
        # a site without rules: its date folders, not the number after them
        ("https://www.theverge.com/2019/11/19/20973355/noah-hawley-star-trek", date(2019, 11, 19)),
        ("https://twitter.com/someone/status/1323913419200864256", None),
    ],
)  # fmt: skip
def test_the_date_a_url_says(url: str, day: date | None):
    source = source_for_url(url) or generic_source(url)
    assert source.url_date(url) == day


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://news.example.com/2024/03/06/lights.html", date(2024, 3, 6)),
        ("https://culture.example.cn/n1/2019/0615/c1013-31153719.html", date(2019, 6, 15)),
        ("https://news.example.tw/news/acn/202101150053.aspx", date(2021, 1, 15)),
        ("https://example.com/2019/11/19/20973355/harbour", date(2019, 11, 19)),
    ],
)
def test_a_page_without_a_date_takes_the_one_its_url_says(url: str, day: date):
    article = extract_article(UNDATED_PAGE, url, fetched=FETCHED)
    assert generic_source(url).url_date(url) == day  # the same answer as the spider's
    assert (article.date_source, article.published.date()) == ("url", day)
    assert "no publish time on the page; date taken from the URL" in article.warnings


@pytest.mark.parametrize(
    "url",
    [
        # digits inside a longer number: 2020-23-07 is no date
        "https://example.org/mandarin/wul1228a-12272020230732.html",
        "https://example.org/news/2019/11/crash-191120070028895.html",
        # a URL whose query is part of its identity: its id is a hash (ud76105920331012),
        # whose hex digits are no date either
        "https://news.example.net/story?id=5744",
    ],
)
def test_digits_that_are_no_date_are_not_taken_for_one(url: str):
    article = extract_article(UNDATED_PAGE, url, fetched=FETCHED)
    assert (article.date_source, article.published) == ("fetched", FETCHED)


def test_the_id_of_an_article_is_its_sources():
    url = "https://www.zaobao.com.sg/realtime/china/story20210615-1157733?utm_source=x"
    page = (ROOT / "tests" / "fixtures" / "zaobao" / "era2021_article_body.html").read_bytes()
    article = extract_article(page, url)
    assert (article.id, article.url) == (
        SOURCES["zaobao"].article_id(url),
        SOURCES["zaobao"].canonical_url(url),
    )
    generic = "https://news.example.net/story?id=5744"
    assert extract_article(UNDATED_PAGE, generic, fetched=FETCHED).id == (
        generic_source(generic).article_id(generic)
    )


def test_the_extract_package_only_names_what_it_offers():
    """The orchestrator lives in extract/core.py; the package's __init__ only re-exports."""
    tree = ast.parse((ROOT / "crawler" / "extract" / "__init__.py").read_text(encoding="utf-8"))
    kinds = {type(node).__name__ for node in tree.body}
    assert kinds <= {"Expr", "ImportFrom", "Import", "Assign"}, kinds
    assert extract_article.__module__ == "crawler.extract.core"
    for name in crawler.extract.__all__:
        assert getattr(crawler.extract, name) is not None
