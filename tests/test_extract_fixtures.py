"""Extraction checked against our own fixture pages.

Every ``tests/fixtures/<outlet>/<name>.expected.json`` is one test: the page ``<name>.html`` next
to it is extracted with the URL the file gives, and each field the file names is checked. A new
outlet or a new page era needs only files, no code. Keys of an expected file:

- ``url`` (required): the URL to extract with; ``headers``: HTTP headers to pass;
- ``not_article``: the NotAnArticle reason expected instead of an article; or
- ``canonical_url`` (-> ``Article.url``), ``published`` (ISO 8601 with offset), and any plain
  Article field (``id``, ``source``, ``title``, ``bylines``, ``section``, ``keywords``, ``image``,
  ``image_caption``, ``description``, ``lang``, ``date_source``, ``publication``): equal;
- ``paragraphs``: the number of paragraphs of the body;
- ``paragraph_starts``: the body's paragraphs, in order, start with these;
- ``must_contain`` / ``must_not_contain``: snippets that must (not) be in the body (and, for
  ``must_not_contain``, not in the title either).

One case per file (tests/replay_site.py reads the same files); a page that needs checking under
more URLs gets a test of its own below.

The fixture pages are ours: invented article text, markup shaped like each era of the site.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest

from crawler.extract import NotAnArticle, extract_article

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED = sorted(FIXTURES.glob("*/*.expected.json"))
#: fixture files that are inputs of other tests and need no expected file
NOT_PAGES = {".xml", ".json"}

PLAIN_FIELDS = {
    "id",
    "source",
    "title",
    "bylines",
    "agency",
    "editors",
    "original_title",
    "section",
    "keywords",
    "image",
    "image_caption",
    "description",
    "lang",
    "date_source",
    "publication",
}
CHECK_KEYS = {"canonical_url", "published", "paragraphs", "paragraph_starts"}
CHECK_KEYS |= {"must_contain", "must_not_contain"}
CASE_KEYS = PLAIN_FIELDS | CHECK_KEYS | {"url", "headers", "not_article"}

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?>")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def page_of(expected: Path) -> Path:
    name = expected.name.removesuffix(".expected.json")
    pages = [
        p
        for p in expected.parent.glob(name + ".*")
        if p != expected and p.suffix in (".html", ".htm")
    ]
    assert len(pages) == 1, f"{expected.name}: expected one page {name}.html, found {pages}"
    return pages[0]


def case_of(expected: Path) -> dict:
    case = json.loads(expected.read_text(encoding="utf-8"))
    unknown = set(case) - CASE_KEYS
    assert not unknown, f"{expected.name}: unknown keys {sorted(unknown)}"
    assert "url" in case, f"{expected.name}: the url to extract with is missing"
    return case


def paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if p.strip()]


def check_invariants(article) -> None:
    """What holds for every article, whatever the page."""
    assert article.published.tzinfo is not None
    assert article.url.startswith("https://")
    if article.source == "zaobao":
        assert article.url.startswith("https://www.zaobao.com/")
        assert article.published.utcoffset() == timedelta(hours=8)
    assert article.title == article.title.strip() and "\n" not in article.title
    assert not _ZERO_WIDTH.search(article.title + article.body)
    assert not _TAG.search(article.body), f"HTML tag in body: {_TAG.search(article.body)}"
    assert "\n\n\n" not in article.body and article.body == article.body.strip()
    for paragraph in paragraphs(article.body):
        if not paragraph.startswith("|"):  # a Markdown table keeps its line breaks
            assert "\n" not in paragraph, f"a paragraph split over lines: {paragraph!r}"


def check_case(page: Path, case: dict) -> None:
    where = f"{page.name} @ {case['url']}"
    body = page.read_bytes()
    if "not_article" in case:
        with pytest.raises(NotAnArticle) as caught:
            extract_article(body, case["url"], case.get("headers"))
        assert caught.value.reason == case["not_article"], where
        return
    article = extract_article(body, case["url"], case.get("headers"))
    check_invariants(article)
    for key in sorted(PLAIN_FIELDS & set(case)):
        assert getattr(article, key) == case[key], f"{where}: {key}"
    if "canonical_url" in case:
        assert article.url == case["canonical_url"], where
    if "published" in case:
        assert article.published.isoformat() == case["published"], where
    found = paragraphs(article.body)
    if "paragraphs" in case:
        assert len(found) == case["paragraphs"], f"{where}: paragraphs {found}"
    for i, start in enumerate(case.get("paragraph_starts", [])):
        assert i < len(found), f"{where}: no paragraph {i + 1} (starting {start!r})"
        assert found[i].startswith(start), f"{where}: paragraph {i + 1} is {found[i]!r}"
    for snippet in case.get("must_contain", []):
        assert snippet in article.body, f"{where}: {snippet!r} missing from the body"
    for snippet in case.get("must_not_contain", []):
        assert snippet not in article.body, f"{where}: {snippet!r} in the body"
        assert snippet not in article.title, f"{where}: {snippet!r} in the title"


@pytest.mark.parametrize(
    "expected", EXPECTED, ids=[f"{p.parent.name}/{p.name.split('.')[0]}" for p in EXPECTED]
)
def test_fixture(expected: Path):
    check_case(page_of(expected), case_of(expected))


def test_every_fixture_page_has_expectations():
    pages = [p for p in FIXTURES.glob("*/*") if p.is_file() and p.suffix not in NOT_PAGES]
    assert pages, f"no fixture pages under {FIXTURES}"
    missing = [p.name for p in pages if not p.with_name(p.stem + ".expected.json").exists()]
    assert not missing, f"fixture pages without an .expected.json: {missing}"


# -- helpers for the tests below --------------------------------------------------------------

ZAOBAO = FIXTURES / "zaobao"
ERA2021 = ZAOBAO / "era2021_article_body.html"
ERA2021_URL = "https://www.zaobao.com/realtime/china/story20210615-1157733"
ERA2021_PARAGRAPHS = 5


def _era2021() -> bytes:
    return ERA2021.read_bytes()


# -- what is no page at all -------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


@pytest.mark.parametrize("data", [PNG, JPEG], ids=["png", "jpeg"])
def test_binary_bytes_are_no_article(data: bytes):
    with pytest.raises(NotAnArticle) as caught:
        extract_article(data, ERA2021_URL)
    assert caught.value.reason == "binary"


@pytest.mark.parametrize(
    "ctype", ["image/jpeg", "image/png", "application/pdf", "application/octet-stream"]
)
def test_non_html_content_type_is_no_article(ctype: str):
    # even a real article page is refused when the server says it is something else
    with pytest.raises(NotAnArticle) as caught:
        extract_article(_era2021(), ERA2021_URL, {"Content-Type": ctype})
    assert caught.value.reason == "not-html"


def test_image_content_type_wins_over_the_bytes():
    with pytest.raises(NotAnArticle) as caught:
        extract_article(JPEG, ERA2021_URL, {"content-type": b"image/jpeg"})
    assert caught.value.reason == "not-html"


@pytest.mark.parametrize("data", [b"", b"  \r\n\t "], ids=["empty", "blank"])
def test_empty_response_is_no_article(data: bytes):
    with pytest.raises(NotAnArticle) as caught:
        extract_article(data, ERA2021_URL, {"Content-Type": "text/html; charset=utf-8"})
    assert caught.value.reason == "empty"


# -- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/html; charset=gb2312"},
        {"content-type": "text/html;charset=GB2312"},
        {"Content-Type": b"text/html; charset=gb2312"},
    ],
    ids=["header", "lowercase-header", "bytes-value"],
)
def test_gb18030_page_decoded_with_the_charset_of_the_header(headers: dict):
    text = _era2021().decode("utf-8")
    undeclared = re.sub(r"<meta charset=\"UTF-8\">\s*", "", text, flags=re.I)
    assert "charset" not in undeclared.lower().split("</head>")[0]
    data = undeclared.encode("gb18030")
    reference = extract_article(_era2021(), ERA2021_URL)
    article = extract_article(data, ERA2021_URL, headers)
    assert article.title == "央行：“降息”不是唯一选择"
    assert article.body == reference.body
    assert article.bylines == ["陈思远"]
    assert article.keywords == reference.keywords
    assert article.text_hash == reference.text_hash


# -- damaged pages -----------------------------------------------------------------------------


def test_truncated_page_still_extracts():
    data = _era2021()
    cut = data.index("一家国有银行的首席经济学家".encode()) + 20  # mid-paragraph, mid-character
    article = extract_article(data[:cut], ERA2021_URL)
    assert article.title == "央行：“降息”不是唯一选择"
    assert article.published.isoformat() == "2021-06-15T11:42:08+08:00"
    found = paragraphs(article.body)
    assert len(found) >= 3
    assert found[0].startswith("（早报讯）中国人民银行一名副行长")
    assert found[2].startswith("市场此前普遍预期")
    assert "dfp" not in article.body and "googletag" not in article.body
    check_invariants(article)


def test_unclosed_and_stray_tags_still_extract():
    text = _era2021().decode("utf-8")
    broken = re.sub(r"</p>|</article>|</body>|</html>", "", text)  # never closed
    broken = broken.replace("<article ", "</div></span></td></p><article ", 1)  # stray
    broken = broken.replace("“稳字当头”", "<b>“稳字当头”", 1)  # an inline tag left open
    article = extract_article(broken.encode("utf-8"), ERA2021_URL)
    assert article.title == "央行：“降息”不是唯一选择"
    assert article.bylines == ["陈思远"]
    found = paragraphs(article.body)
    assert len(found) == ERA2021_PARAGRAPHS, found
    assert found[-1].startswith("数据显示，5月份新增人民币贷款")
    for residue in ("dfp", "subscribe.sph", "freemium", "订阅", "\u200b"):
        assert residue not in article.body
    check_invariants(article)


def test_page_cut_before_the_body_is_empty_or_no_article():
    data = _era2021()
    cut = data.index(b'<article class="article-body"')
    with pytest.raises(NotAnArticle) as caught:
        extract_article(data[:cut], ERA2021_URL)
    # not the menus, byline and caption that are all the rest of the page holds
    assert caught.value.reason == "no-article"


# -- pages that are no article -----------------------------------------------------------------

LISTING = ZAOBAO / "listing_realtime_china.html"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.zaobao.com.sg/realtime/china/story20240611-4000011",
        "https://www.zaobao.com/realtime/china/story20240611-4000011?ref=listing",
    ],
)
def test_listing_served_at_an_article_url_is_no_article(url: str):
    with pytest.raises(NotAnArticle) as caught:
        extract_article(LISTING.read_bytes(), url)
    assert caught.value.reason == "no-article"


@pytest.mark.parametrize(
    "url", ["https://www.zaobao.com.sg/realtime/china?page=2", "https://www.zaobao.com.sg/"]
)
def test_listing_at_a_listing_url_is_no_article_url(url: str):
    with pytest.raises(NotAnArticle) as caught:
        extract_article(LISTING.read_bytes(), url)
    assert caught.value.reason == "not-article-url"


# -- one article, many URLs --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.zaobao.com.sg/realtime/china/story20210615-1157733",
        "http://zaobao.com/realtime/china/story20210615-1157733/",
        "https://www.zaobao.com/realtime/china/story20210615-1157733?utm_source=rss#top",
        "https://www.zaobao.com/realtime/china/story20210615-1157733?utm_source=zbcom&utm_medium=share#comments",
    ],
)
def test_every_edition_and_form_of_the_url_gives_one_article(url: str):
    reference = extract_article(_era2021(), ERA2021_URL)
    article = extract_article(_era2021(), url)
    assert article.url == ERA2021_URL
    assert article.id == reference.id
    assert article.text_hash == reference.text_hash


# -- the title, whatever it holds and wherever it comes from ----------------------------------

HOSTILE = ZAOBAO / "hostile_title.html"
HOSTILE_URL = "https://www.zaobao.com/news/china/story20210903-1189456"
HOSTILE_TITLE = "评论: #楼市 --- \"救市\"还是'托底'？{{ 政策 }} 与 {% 预期 %}"


def _without(data: bytes, xpaths: list[str]) -> bytes:
    doc = lxml.html.document_fromstring(data.decode("utf-8"))
    for xpath in xpaths:
        for el in doc.xpath(xpath):
            el.drop_tree()
    return lxml.html.tostring(doc, encoding="utf-8", doctype="<!DOCTYPE html>")


@pytest.mark.parametrize(
    "removed",
    [
        [],
        ["//h1[contains(@class, 'article-title')]"],
        [
            "//h1[contains(@class, 'article-title')]",
            "//script[@type='application/ld+json']",
        ],
    ],
    ids=["h1", "jsonld-headline", "og-title"],
)
def test_hostile_title_from_every_source(removed: list[str]):
    article = extract_article(_without(HOSTILE.read_bytes(), removed), HOSTILE_URL)
    assert article.title == HOSTILE_TITLE


# -- current zaobao.com: the paragraph order hidden in data-s ---------------------------------

CURRENT_COM = ZAOBAO / "current_com.html"
CURRENT_COM_URL = "https://www.zaobao.com/news/china/story20240521-3615828"


def test_data_s_order_restored_around_an_element_without_a_key():
    # an empty ad slot of a kind the junk rules do not know sits among the keyed paragraphs
    text = CURRENT_COM.read_text(encoding="utf-8")
    second = text.index('<p data-s="a9P')
    text = text[:second] + '<div class="imu-slot" data-slot="imu1"></div>' + text[second:]
    article = extract_article(text.encode("utf-8"), CURRENT_COM_URL)
    found = paragraphs(article.body)
    assert len(found) == 6
    assert found[0].startswith("（早报讯）广东省广州和深圳两市")
    assert found[1].startswith("据《南方日报》报道")
    assert found[5].startswith("分析人士认为")


def test_paragraphs_without_keys_keep_the_markup_order():
    text = re.sub(r' data-s="[^"]*"', "", CURRENT_COM.read_text(encoding="utf-8"))
    article = extract_article(text.encode("utf-8"), CURRENT_COM_URL)
    found = paragraphs(article.body)
    assert found[0].startswith("广州市交通运输局表示")  # the first <p> of the markup


# -- current zaobao.com.sg: everything from the hydration data --------------------------------

CURRENT_SG = ZAOBAO / "current_sg.html"
CURRENT_SG_URL = "https://www.zaobao.com.sg/news/singapore/story20241105-5012345"


def test_sg_page_without_jsonld_reads_the_hydration_record():
    data = _without(CURRENT_SG.read_bytes(), ["//script[@type='application/ld+json']"])
    article = extract_article(data, CURRENT_SG_URL)
    assert article.title == "组屋区增设社区冰箱 居民自发捐赠蔬果"
    assert article.published.isoformat() == "2024-11-05T18:32:00+08:00"
    assert article.date_source == "page"
    assert len(paragraphs(article.body)) == 5
    assert "dfp" not in article.body
