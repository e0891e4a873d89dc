"""The readers every outlet module shares (crawler/sources/base.py) and the one splitter of
writers' names (crawler/sources/roles.py `writer_names`), on markup and lines of our own."""

from __future__ import annotations

import pytest
from lxml.html import document_fromstring

from crawler.sources.base import (
    MAX_ID,
    PRINTED_DATE,
    PRINTED_DATE_TIME,
    SAFE_ID,
    capped_id,
    edit_meta,
    first_paragraphs,
    first_text,
    labelled,
    printed_date,
    string_fields,
    texts,
)
from crawler.sources.roles import writer_names


def doc(body: str, head: str = ""):
    return document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


PAGE = doc(
    '<p class="time"> </p><p class="time">2023-11-17\n 15:13</p>'
    '<ul class="related"><li><p class="time">2020-01-01 08:00</p></li></ul>'
    '<div class="byline">作者：  张三</div>'
)


@pytest.mark.parametrize(
    ("selectors", "first_match", "expected"),
    [
        ((".byline",), False, "作者： 张三"),  # white space folded
        ((".time",), False, "2023-11-17 15:13"),  # an empty element is passed over
        ((".time",), True, ""),  # only the first match counts: it is empty
        ((".missing", ".byline"), False, "作者： 张三"),  # selectors in order
        ((".missing", ".byline"), True, "作者： 张三"),
        ((".missing",), False, ""),
    ],
)
def test_first_text(selectors, first_match, expected):
    assert first_text(PAGE, selectors, first_match=first_match) == expected


def test_texts_keeps_every_match_in_page_order():
    assert texts(PAGE, ".time") == ["", "2023-11-17 15:13", "2020-01-01 08:00"]
    assert texts(PAGE, ".missing") == []


def test_first_paragraphs_gives_each_bodys_first_paragraph_with_text():
    page = doc(
        '<div class="body"><p> </p><p>新华社北京11月17日电（记者 张三）</p><p>正文</p></div>'
        '<div class="body"><p>【文/李四】</p></div><div class="body"><p></p></div>'
        '<div id="other"><p>其他</p></div>'
    )
    found = list(first_paragraphs(page, (".body", "#other")))
    assert found == ["新华社北京11月17日电（记者 张三）", "【文/李四】", "其他"]
    assert next(first_paragraphs(page, (".missing",)), "") == ""


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["2023-11-17 15:13", "来源：  中国日报网 ", "来源：新华社"], "中国日报网"),
        (["图片来源：视觉中国", "来源:新华社"], ""),  # the label starts the line, with ``：``
        ([], ""),
    ],
)
def test_labelled(lines, expected):
    assert labelled(lines, "来源") == expected


@pytest.mark.parametrize(
    ("lines", "pattern", "expected"),
    [
        (["来源：新华社", "2023-11-17 15:13"], PRINTED_DATE_TIME, "2023-11-17 15:13"),
        (["发布于 2023-11-17  9:05:01 北京"], PRINTED_DATE_TIME, "2023-11-17  9:05:01"),
        (["2023-11-17", "2023-11-18 10:00"], PRINTED_DATE_TIME, "2023-11-18 10:00"),
        (["2023-11-17", "2023-11-18 10:00"], PRINTED_DATE, "2023-11-17"),
        (["石佳/中国青年报"], PRINTED_DATE, None),
        ([], PRINTED_DATE_TIME, None),
    ],
)
def test_printed_date(lines, pattern, expected):
    assert printed_date(iter(lines), pattern) == expected


def test_edit_meta_rewrites_only_the_named_tags_it_changes():
    page = doc(
        "",
        '<meta name="description" content="点击进入>> 正文"><meta name="keywords" content="a,b">'
        '<meta name="Keywords"><meta property="og:description" content="点击进入>> 正文">',
    )
    edit_meta(page, ("description", "Keywords"), lambda text: text.removeprefix("点击进入>> "))
    assert page.xpath("//meta[@name='description']/@content") == ["正文"]
    assert page.xpath("//meta[@property='og:description']/@content") == ["点击进入>> 正文"]
    assert page.xpath("//meta[@name='Keywords']")[0].get("content") is None  # unchanged


def test_string_fields_takes_each_fields_first_string():
    record = {"name": "", "headline": "标题", "pubTime": 1700000000, "publishTime": "2023-11-17"}
    names = {
        "title": ("title", "name", "headline"),
        "published": ("pubTime", "publishTime"),
        "section": ("section",),
    }
    # ``name`` is the first string of the title's names: empty, so no title
    assert string_fields(record, names) == {"published": "2023-11-17"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20231117-" + "a" * 100, "20231117-" + "a" * (MAX_ID - 9)),
        ("20231117-" + "a" * (MAX_ID - 10) + "-b", "20231117-" + "a" * (MAX_ID - 10)),
        ("20231117-short-slug", "20231117-short-slug"),
    ],
)
def test_capped_id_is_a_safe_id(text, expected):
    assert capped_id(text) == expected
    assert SAFE_ID.fullmatch(capped_id(text))


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("本报记者 张三 本报通讯员 李四", ["张三", "李四"]),
        ("中国日报记者 王五 通讯员 赵六", ["王五", "赵六"]),
        ("澎湃新闻见习记者 张三 实习生 李四", ["张三", "李四"]),
        ("环球时报驻德国特约记者 青木", ["青木"]),
        ("作者：王五", ["王五"]),
        ("特约撰稿人 张三", ["张三"]),
        ("记者 ：张三", ["张三"]),
        ("石佳/中国青年报", ["石佳", "中国青年报"]),
        ("张三、李四，王五", ["张三", "李四", "王五"]),
        # a name before a role, after a separator, is no newsroom (the old readers lost 张三)
        ("记者张三、通讯员李四", ["张三", "李四"]),
        ("（张三）", ["张三"]),
        ("作者：张三 2023-11-17 15:13", ["张三"]),
        ("", []),
    ],
)
def test_writer_names(line, names):
    assert writer_names(line) == names
