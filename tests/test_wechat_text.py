"""WeChat posts republished on news pages (thepaper.cn 澎湃号, issue 13): the app's interface
text out of the body on every outlet, 原标题 as ``original_title``, and loose text runs kept as
paragraphs. The fixture tests/fixtures/thepaper/thepaper_pengpaihao.html is written by us in the
shape of that markup (no real 澎湃号 page is in the shared corpus)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from lxml.html import fragment_fromstring

from crawler.extract import extract_article
from crawler.extract.body import find_body, to_markdown
from crawler.extract.fields import take_original_title
from crawler.extract.ui_text import is_ui_text, remove_ui_text
from crawler.sources import SOURCES

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PENGPAIHAO = FIXTURES / "thepaper" / "thepaper_pengpaihao.html"
PENGPAIHAO_URL = "https://www.thepaper.cn/newsDetail_forward_28012345"
UI_LINES = ("继续滑动看下一个", "轻触阅读原文", "向上滑动看下一个", "微信扫一扫关注该公众号")
#: the interface text as a WeChat embed leaves it in a body: the account's name between two lines
UI_HTML = (
    "<p>继续滑动看下一个</p><p>某某公众号</p><p>轻触阅读原文</p><p>向上滑动看下一个</p>"
    "<div><p>微信扫一扫<br>关注该公众号</p></div><p>赞，轻点两下取消赞</p>"
)


def _paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if p.strip()]


@pytest.mark.parametrize(
    ("text", "ui"),
    [
        ("继续滑动看下一个", True),
        ("轻触阅读原文", True),
        ("向上滑动看下一个", True),
        ("微信扫一扫 关注该公众号", True),
        ("赞，轻点两下取消赞 在看，轻点两下取消在看", True),
        ("视频 小程序 赞 ，轻点两下取消赞", True),
        ("分享", False),  # alone, it may be a story's word
        ("阅读原文 在看 分享", False),
        ("他说：“继续滑动看下一个，这就是现在的阅读习惯。”", False),
        ("某某公众号", False),
    ],
)
def test_interface_strings_are_told_from_text(text: str, ui: bool):
    assert is_ui_text(text) is ui


def test_the_account_name_between_two_interface_lines_goes_too():
    body = fragment_fromstring("<p>正文的最后一段。</p>" + UI_HTML, create_parent="div")
    remove_ui_text(body)
    assert body.text_content() == "正文的最后一段。"


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        # the account's card, then the "next post" bar: the name goes
        ("<p>某某公众号</p><p>继续滑动看下一个</p><p>轻触阅读原文</p>", ""),
        ("<p>某某公众号</p><p>向上滑动看下一个</p><p>微信扫一扫关注该公众号</p>", ""),
        # the story's own last lines stay
        ("<p>（完）</p><p>继续滑动看下一个</p><p>轻触阅读原文</p>", "（完）"),
        ("<p>编辑：张三</p><p>继续滑动看下一个</p><p>轻触阅读原文</p>", "编辑：张三"),
        ("<p>某某公众号</p><p>继续滑动看下一个</p>", "某某公众号"),  # one line: not a card
    ],
)
def test_the_account_name_before_the_next_post_bar_goes(html: str, kept: str):
    body = fragment_fromstring("<p>正文的最后一段。</p>" + html, create_parent="div")
    remove_ui_text(body)
    assert body.text_content() == "正文的最后一段。" + kept


def test_a_short_line_between_story_paragraphs_stays():
    html = "<p>继续滑动看下一个</p><p>小标题</p><p>正文又一段，不是界面文字。</p>"
    body = fragment_fromstring(html, create_parent="div")
    remove_ui_text(body)
    assert "小标题" in body.text_content()


def test_pengpaihao_page_next_js():
    article = extract_article(PENGPAIHAO.read_bytes(), PENGPAIHAO_URL)
    assert article.original_title == "老城菜市场，藏着一座城市的烟火气"
    assert article.bylines == ["城市漫游者"]
    paragraphs = _paragraphs(article.body)
    assert len(paragraphs) == 7, paragraphs
    assert paragraphs[0].startswith("清晨六点") and paragraphs[1].startswith("他在这里摆摊")
    for text in (*UI_LINES, "城市漫游者", "原标题", "在看"):
        assert text not in article.body


def _next_data_content() -> str:
    html = PENGPAIHAO.read_text(encoding="utf-8")
    data = re.search(r'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', html)
    story = json.loads(data.group(1))["props"]["pageProps"]["detailData"]["contentDetail"]
    return story["content"]


def test_pengpaihao_page_server_rendered():
    """The same post in the pre-2022 template (``.news_txt``)."""
    page = (
        "<html><head><meta charset='utf-8'><title>老城菜市场里的烟火气</title></head><body>"
        "<h1 class='news_title'>老城菜市场里的烟火气</h1>"
        "<div class='news_about'><p>城市漫游者</p><p>2024-07-12 09:41</p></div>"
        f"<div class='news_txt'>{_next_data_content()}</div></body></html>"
    ).encode()
    article = extract_article(page, PENGPAIHAO_URL)
    assert article.original_title == "老城菜市场，藏着一座城市的烟火气"
    assert len(_paragraphs(article.body)) == 7
    for text in (*UI_LINES, "城市漫游者", "原标题"):
        assert text not in article.body


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<div>第一段文字。<br>第二段文字。</div>", ["第一段文字。", "第二段文字。"]),
        (
            "<div>第一段文字。<br><br>第二段<b>文字</b>。</div>",
            ["第一段文字。", "第二段**文字**。"],
        ),
        (
            "<section>前面的散文字。<p>中间的段落。</p>后面的散文字。</section>",
            ["前面的散文字。", "中间的段落。", "后面的散文字。"],
        ),
        (
            "<div><section><span>独立的一行。</span></section><p>段落一。</p><p>段落二。</p></div>",
            ["独立的一行。", "段落一。", "段落二。"],
        ),
        ("<div><p>一段<br>两行</p><p>又一段。</p></div>", ["一段", "两行", "又一段。"]),
    ],
)
def test_loose_text_runs_keep_their_paragraphs(html: str, expected: list[str]):
    body = fragment_fromstring(html, create_parent="div")
    assert _paragraphs(to_markdown(body)) == expected


@pytest.mark.parametrize(
    ("body", "expected_body", "title"),
    [
        ("原标题：《老城菜市场》\n\n正文。", "正文。", "老城菜市场"),
        ("原标题:快讯！某事\n\n正文。", "正文。", "快讯！某事"),
        (
            "正文。\n\n原标题：不在开头太远处也取\n\n又一段。",
            "正文。\n\n又一段。",
            "不在开头太远处也取",
        ),
        ("正文。\n\n（原题为《故事自己的一行》）", "正文。\n\n（原题为《故事自己的一行》）", None),
        ("原标题：只有这一行", "原标题：只有这一行", None),  # then it is all there is
    ],
)
def test_original_title_leaves_the_body(body: str, expected_body: str, title: str | None):
    assert take_original_title(body) == (expected_body, title)


def _fixture_pages() -> list[pytest.param]:
    pages = []
    for name in sorted(SOURCES):
        for expected in sorted((FIXTURES / name).glob("*.expected.json")):
            case = json.loads(expected.read_text(encoding="utf-8"))
            page = expected.with_name(expected.name.replace(".expected.json", ".html"))
            if "not_article" not in case and page.is_file():
                pages.append(pytest.param(name, page, case["url"], id=f"{name}/{page.stem}"))
    return pages


@pytest.mark.parametrize(("name", "page", "url"), _fixture_pages())
def test_every_outlet_drops_interface_text(name: str, page: Path, url: str):
    """The interface text put into each outlet's body, on whichever path its body takes (its
    body markup, or the HTML its page data holds), never reaches the article."""
    source = SOURCES[name]

    def page_data_with_ui(doc):
        found = source.page_data(doc) if source.page_data else {}
        if found.get("body_html"):
            found["body_html"] += UI_HTML
        else:
            body = find_body(doc, source)
            for el in fragment_fromstring(UI_HTML, create_parent="div"):
                body.append(el)
        return found

    outlet = dataclasses.replace(source, page_data=page_data_with_ui)
    article = extract_article(page.read_bytes(), url, source=outlet)
    for text in (*UI_LINES, "某某公众号", "关注该公众号", "轻点两下"):
        assert text not in article.body, text
