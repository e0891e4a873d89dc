"""Who a page credits, and as what (issue 13): 来源/稿源 is the agency, 作者/记者 the bylines,
责任编辑/责编 the editors, on every outlet, read by one parser (crawler/sources/roles.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.extract import extract_article
from crawler.sources import SOURCES
from crawler.sources.roles import Roles, dateline_agency, looks_like_organisation, parse_roles

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BODY = "<p>" + "这是一段足够长的正文，用来确认文章被识别。" * 4 + "</p>"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("来源：新华社", Roles(agency=["新华社"])),
        ("来源:新华网", Roles(agency=["新华网"])),
        ("稿源： 中新网", Roles(agency=["中新网"])),
        ("2019年06月15日08:18  来源：人民网-文化频道", Roles(agency=["人民网"])),
        ("作者：王五", Roles(bylines=["王五"])),
        ("记者 张三、李四", Roles(bylines=["张三", "李四"])),
        ("本报记者张三 本报通讯员 李四", Roles(bylines=["张三", "李四"])),
        ("新华社记者唐霁", Roles(bylines=["唐霁"])),
        ("澎湃新闻见习记者 张三 实习生 李四", Roles(bylines=["张三", "李四"])),
        ("文/观察者网专栏作者 王文", Roles(bylines=["王文"])),
        ("编译：赵六", Roles(bylines=["赵六"])),
        ("【责任编辑：张樵苏】", Roles(editors=["张樵苏"])),
        ("（责编：汤诗瑶、丁涛）", Roles(editors=["汤诗瑶", "丁涛"])),
        ("(编辑: 严玉洁 王辉)", Roles(editors=["严玉洁", "王辉"])),
        ("责任编辑 张珺", Roles(editors=["张珺"])),
        ("摄影：郑一", Roles(credits=["摄影：郑一"])),
        (
            "来源：环球时报 作者：张三 责任编辑：李四",
            Roles(bylines=["张三"], agency=["环球时报"], editors=["李四"]),
        ),
        ("作者:张三 发布时间：2020-01-01 10:00", Roles(bylines=["张三"])),
        ("图片来源：视觉中国", Roles()),  # a picture's credit, not the story's source
        ("文森", Roles()),  # a name, not 文 + a name
        ("石佳/中国青年报", Roles()),  # no label: the caller reads it
    ],
)
def test_one_parser_reads_every_role(line: str, expected: Roles):
    assert parse_roles(line) == expected


@pytest.mark.parametrize(
    ("name", "newsroom"),
    [("新华社", True), ("中国青年报", True), ("环球网", True), ("张三", False), ("石佳", False)],
)
def test_a_newsroom_named_among_writers_is_told_apart(name: str, newsroom: bool):
    assert looks_like_organisation(name) is newsroom


@pytest.mark.parametrize(
    ("text", "agency"),
    [
        ("新华社北京11月17日电 记者17日从国家卫生健康委获悉", "新华社"),
        ("新华社巴黎12月9日电（记者唐霁）法国9日再次爆发", "新华社"),
        ("中新网3月1日电 据报道", "中新网"),
        ("（中央社記者邱俊欽桃園19日電）桃園市", "中央社"),
        ("记者17日从国家卫生健康委获悉，新华社北京11月17日电", None),  # not at the start
        ("新华社记者近日走访了", None),  # no dateline
    ],
)
def test_a_dateline_names_the_agency(text: str, agency: str | None):
    assert dateline_agency(text) == agency


def _people_page(source_line: str, author: str = "", first: str = "") -> bytes:
    return (
        "<html><head><meta charset='utf-8'><meta name='author' content='104363'></head><body>"
        "<div class='text_title'><h1>标题一则</h1>"
        f"<p class='author'>{author}</p>"
        f"<div class='box01'><div class='fl'>2024年03月01日08:18 {source_line}</div></div></div>"
        f"<div id='rwb_zw' class='box_con'>{first}{BODY}<div class='edit'>(责编：汤诗瑶、丁涛)</div>"
        "</div></body></html>"
    ).encode()


PEOPLE_URL = "http://world.people.com.cn/n1/2024/0301/c1002-40000000.html"


@pytest.mark.parametrize(
    ("source_line", "author", "bylines", "agency"),
    [
        ("来源：新华网", "", [], "新华网"),  # issue 13: came out as bylines ['新华网']
        ("来源：人民网－人民日报", "本报记者 张三", ["张三"], "人民日报"),
        ("来源：人民网-国际频道", "", [], "人民网"),
    ],
)
def test_people_source_line_is_the_agency_not_a_byline(source_line, author, bylines, agency):
    article = extract_article(_people_page(source_line, author), PEOPLE_URL)
    assert article.bylines == bylines
    assert article.agency == agency
    assert article.editors == ["汤诗瑶", "丁涛"]
    assert "责编" not in article.body


@pytest.mark.parametrize(
    ("source_line", "agency"),
    [
        ("来源：人民网-国际频道", "新华社"),  # the site itself: the dateline says more
        ("来源：中新网", "中新网"),  # the page's 来源 stands
        ("", "新华社"),
    ],
)
def test_a_dateline_names_the_agency_when_the_page_names_only_itself(source_line, agency):
    first = "<p>新华社北京3月1日电 记者1日从有关部门获悉，这是一段新闻的开头。</p>"
    article = extract_article(_people_page(source_line, first=first), PEOPLE_URL)
    assert article.agency == agency


def test_a_site_without_rules_reads_labelled_credit_lines():
    page = (
        "<html><head><meta charset='utf-8'><title>标题</title>"
        "<meta property='og:type' content='article'>"
        "<meta property='article:published_time' content='2024-03-01T08:00:00+08:00'></head>"
        "<body><h1>标题</h1><div class='info'>2024-03-01 来源：中新网 作者：王五</div>"
        f"<article>{BODY * 3}<p>【责任编辑：李四】</p><p>图片来源：视觉中国</p></article>"
        "</body></html>"
    ).encode()
    article = extract_article(page, "http://news.example.test/a/1.html")
    assert (article.bylines, article.agency, article.editors) == (["王五"], "中新网", ["李四"])


def _fixture_pages() -> list[pytest.param]:
    pages = []
    for name in sorted(SOURCES):
        for expected in sorted((FIXTURES / name).glob("*.expected.json")):
            case = json.loads(expected.read_text(encoding="utf-8"))
            page = expected.with_name(expected.name.replace(".expected.json", ".html"))
            if "not_article" not in case and page.is_file():
                pages.append(pytest.param(page, case["url"], id=f"{name}/{page.stem}"))
    return pages


@pytest.mark.parametrize(("page", "url"), _fixture_pages())
def test_every_outlet_keeps_editors_and_agency_out_of_the_bylines(page: Path, url: str):
    """An editor line anywhere outside the story is read on every outlet's page, and no
    outlet credits an editor or its agency as a writer."""
    html = page.read_bytes()
    charset = "gb18030" if re.search(rb"charset=[\"']?gb", html, re.I) else "utf-8"
    credit = "<div class='x-credit'>责任编辑：测试编辑</div></body>".encode(charset)
    html = html.replace(b"</body>", credit, 1)
    article = extract_article(html, url)
    assert "测试编辑" in article.editors, article.editors
    assert not set(article.bylines) & {*article.editors, article.agency}, article.bylines
    assert article.source not in article.bylines
    assert all(not looks_like_organisation(n) for n in article.bylines), article.bylines
