"""Hostile pages: a stray NUL, binary data, no title, nesting 100,000 elements deep. Each is
extracted, or skipped with its own reason; never a traceback, never "only 0 characters"."""

from __future__ import annotations

import pytest

from crawler.extract import NotAnArticle, extract_article
from crawler.extract.sniff import binary_kind

GENERIC_URL = "https://news.example.com/2024/01/02/story.html"
ZAOBAO_URL = "https://www.zaobao.com/realtime/china/story20240102-1234567"
PARAGRAPH = "这是一段足够长的正文，用来确认文章被识别，并且包含足够多的文字。" * 4
SECOND = "第二段落讲述了事情的经过，记者在现场看到了许多人，他们都很关心结果。" * 4


def zaobao_page(body: str = f"<p>{PARAGRAPH}</p><p>{SECOND}</p>", title: str = "头条新闻") -> str:
    return (
        "<html><head><meta charset='utf-8'><title>页面标题</title></head><body>"
        f"<h1 class='article-title'>{title}</h1>"
        f"<article id='article-body' class='article-body'>{body}</article></body></html>"
    )


# -- binary or text: sniffed like a browser ----------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        zaobao_page(f"<p>{PARAGRAPH}\x00</p><p>{SECOND}</p>"),
        "\x00" + zaobao_page(),
        zaobao_page(f"<p>{PARAGRAPH}</p><p>{SECOND}\x00\x01\x02\x03</p>"),
        zaobao_page().replace("<h1", "<h1 data-x='\x00'"),
    ],
    ids=["nul-in-body", "nul-first", "controls", "nul-in-attribute"],
)
def test_a_good_article_with_a_stray_nul_is_extracted_without_it(page: str):
    article = extract_article(page.encode(), ZAOBAO_URL)
    assert article.title == "头条新闻"
    assert f"{PARAGRAPH}\n\n{SECOND}" == article.body
    assert "\x00" not in article.body and "\ufffd" not in article.body


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
BINARIES = {
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\n" * 20,
    "png": PNG,
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4,
    "gif": b"GIF89a\x10\x00\x10\x00" + bytes(range(256)),
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"<html>" * 100,
    "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"<html>" * 100,
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(range(256)),
    "mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(range(256)),
    "binary": bytes(range(256)) * 16,  # no magic number, but half of it control bytes
}


@pytest.mark.parametrize("kind", BINARIES)
def test_binary_data_is_skipped_by_its_magic_number_or_its_control_bytes(kind: str):
    assert binary_kind(BINARIES[kind]) == kind
    with pytest.raises(NotAnArticle) as caught:
        extract_article(BINARIES[kind], GENERIC_URL)
    assert caught.value.reason == "binary"
    assert kind in caught.value.detail


@pytest.mark.parametrize(
    "text",
    [
        zaobao_page(f"<p>{PARAGRAPH}\x00</p>").encode(),
        "\ufeff<html>\x00</html>".encode("utf-16"),
        b"BMW sales rose <b>3%</b>" + b" " * 40,  # starts like a BMP, is text
        b"<html>" + b"\x00" * 10 + b"a" * 500,
    ],
    ids=["utf8-one-nul", "utf16-bom", "bm-text", "few-nuls"],
)
def test_text_with_a_few_control_bytes_is_not_binary(text: bytes):
    assert binary_kind(text) is None


# -- the title -----------------------------------------------------------------------------------


def generic_page(head: str, body: str) -> str:
    return (
        f"<html><head><meta charset='utf-8'>{head}</head><body>{body}"
        f"<article><p>{PARAGRAPH}</p><p>{SECOND}</p></article></body></html>"
    )


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        ("<title>页面标题</title>", "<h1>\x00\u200b </h1>", "页面标题"),
        ("<meta property='og:title' content='社交标题'>", "<h1>\x01</h1>", "社交标题"),
        ("<title>\x00</title>", "<h2>二级标题</h2>", "二级标题"),
        ("<title> \u200b\x7f </title>", "<h3>\x08三级标题</h3>", "三级标题"),
        ("<meta property='og:title' content='\x00\x1f'><title>\x1b</title>", "<h1>头条</h1>",
         "头条"),
    ],
    ids=["title-tag", "og-title", "h2", "h3", "h1"],
)  # fmt: skip
def test_a_title_of_invisible_characters_gives_way_to_the_next_source(head, body, expected):
    page = generic_page(head, body).encode()
    assert extract_article(page, GENERIC_URL).title == expected


@pytest.mark.parametrize("title", ["", "\x00", "\u200b\u200b", "\x01 \x7f\x9f", " \t\n"])
def test_an_outlet_page_with_no_visible_title_anywhere_is_skipped_as_no_title(title: str):
    page = zaobao_page(title=title).replace("<title>页面标题</title>", f"<title>{title}</title>")
    with pytest.raises(NotAnArticle) as caught:
        extract_article(page.encode(), ZAOBAO_URL)
    assert caught.value.reason == "no-title"


# -- deep nesting ----------------------------------------------------------------------------------


def nested(tag: str, depth: int, inner: str, close: bool = True) -> str:
    closing = f"</{tag}>" * depth if close else ""
    return f"<{tag}>" * depth + inner + closing


PARAGRAPHS = f"<p>{PARAGRAPH}</p><p>{SECOND}</p>"
DEEP = {
    "div-300": nested("div", 300, PARAGRAPHS),
    "div-100000": nested("div", 100_000, PARAGRAPHS),
    "span-100000": nested("span", 100_000, PARAGRAPHS),
    "unclosed-font-5000": nested("font", 5000, PARAGRAPHS, close=False),
    "unclosed-b-i-50000": nested("b><i", 50_000, PARAGRAPHS, close=False),
    "table-3000": nested("table><tr><td", 3000, PARAGRAPHS, close=False),
    "heading-100000": nested("h2", 100_000, PARAGRAPHS),
}


@pytest.mark.parametrize("url", [GENERIC_URL, ZAOBAO_URL], ids=["generic", "zaobao"])
@pytest.mark.parametrize("shape", DEEP)
def test_a_page_nested_deeper_than_the_parser_goes_is_extracted_anyway(shape: str, url: str):
    # the body markup of the outlet around the deep part, so both rule sets find the article
    page = zaobao_page(body=DEEP[shape])
    article = extract_article(page.encode(), url)
    assert article.title == "头条新闻"
    text = article.body.replace("*", "").replace("|", "").replace("\n", "").replace(" ", "")
    assert PARAGRAPH + SECOND in text


def test_a_deep_box_before_the_body_markup_leaves_the_outlet_rules_intact():
    # a menu nested 100,000 deep before the article: the parser gave up before the body
    menu = nested("div", 100_000, "<a href='/'>首页</a>")
    page = zaobao_page().replace("<h1", menu + "<h1")
    article = extract_article(page.encode(), ZAOBAO_URL)
    assert article.body == f"{PARAGRAPH}\n\n{SECOND}"


# -- URLs that are no URLs -------------------------------------------------------------------------

BAD_URLS = [
    "http://[x",
    "https://[::1/a",
    "https://news.example.com:99999999/a.jpg",
    "javascript:void(0)",
]


@pytest.mark.parametrize("bad", BAD_URLS)
def test_an_image_or_page_url_that_is_no_url_is_left_out(bad: str):
    page = zaobao_page(
        body=f"<figure><img src='{bad}'><figcaption>图片说明</figcaption></figure>"
        f"<p>{PARAGRAPH}</p><p>{SECOND}</p>"
    ).replace(
        "<title>",
        f"<meta property='og:image' content='{bad}'><meta property='og:url' content='{bad}'>"
        f"<link rel='canonical' href='{bad}'><title>",
    )
    for url in (GENERIC_URL, ZAOBAO_URL, ""):
        article = extract_article(page.encode(), url)
        assert article.image is None
        assert PARAGRAPH in article.body


@pytest.mark.parametrize("bad", BAD_URLS)
def test_a_next_page_link_that_is_no_url_is_no_next_page(bad: str):
    page = zaobao_page(body=f"<p>{PARAGRAPH}</p><p>{SECOND}</p><a href='{bad}'>下一页</a>")
    article = extract_article(page.encode(), ZAOBAO_URL)
    assert article.complete
