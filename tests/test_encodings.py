"""Decoding: GB2312/GBK/GB18030/Big5 and UTF-8 pages with no, a wrong, or a right charset
declaration, and an HTTP header that disagrees with the page, all come out as the text we wrote.

Our own text, encoded by us in each encoding; plus real pages from the shared corpus that carry
no usable declaration (or a wrong one).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.extract import extract_article
from crawler.extract.decode import decode_html, detect_encoding, normalise_charset

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
_HAN = re.compile(r"[\u4e00-\u9fff]")
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no shared corpus at {CORPUS}")

SIMPLIFIED = (
    "国务委员兼外长王毅在北京以视频方式出席首次阿富汗邻国外长会。王毅表示，今天的阿富汗站在历史的"
    "十字路口，各方应该抓住局势由乱及治的关键窗口期，对形势发展变化施加正面、积极影响。"
)
TRADITIONAL = (
    "國務委員兼外長王毅在北京以視頻方式出席首次阿富汗鄰國外長會。王毅表示，今天的阿富汗站在歷史的"
    "十字路口，各方應該抓住局勢由亂及治的關鍵窗口期，對形勢發展變化施加正面、積極影響。"
)
#: a GBK character outside GB2312 (镕) and a GB18030 four-byte one (㐀): labelled gb2312 anyway
GBK_ONLY = "朱镕基谈到㐀字。" + SIMPLIFIED


def page(text: str, charset: str | None, title: str | None = None) -> str:
    title = title or text[:8]
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if charset
        else ""
    )
    return (
        f"<html><head>{meta}<title>{title}</title>"
        "<meta property='article:published_time' content='2024-03-01T08:00:00+08:00'></head>"
        f"<body><article><h1>{title}</h1><p>{text}</p><p>{text}</p></article></body></html>"
    )


CASES = [
    # (text, encoding of the bytes, <meta> charset, HTTP header charset)
    (SIMPLIFIED, "gb2312", "gb2312", None),
    (SIMPLIFIED, "gb2312", None, None),
    (SIMPLIFIED, "gbk", "gbk", None),
    (GBK_ONLY, "gb18030", "gb2312", None),
    (GBK_ONLY, "gb18030", None, None),
    (SIMPLIFIED, "gb18030", "utf-8", None),  # declares utf-8, is not valid UTF-8
    (SIMPLIFIED, "gbk", None, "utf-8"),  # the header is wrong
    (SIMPLIFIED, "gbk", "gbk", "iso-8859-1"),  # the header's single-byte charset is wrong
    (TRADITIONAL, "big5", "big5", None),
    (TRADITIONAL, "big5", None, None),
    (TRADITIONAL, "big5", "gb2312", None),  # declares gb2312, is Big5
    (TRADITIONAL, "big5", None, "gbk"),
    (SIMPLIFIED, "gb2312", "big5", None),  # declares Big5, is GB2312
    (SIMPLIFIED, "gb2312", "gb2312", "big5"),  # header and meta disagree: the bytes decide
    (TRADITIONAL, "big5", "big5", "gb2312"),
    (SIMPLIFIED, "utf-8", "gb2312", None),  # declares gb2312, is UTF-8
    (TRADITIONAL, "utf-8", None, "big5"),
    (SIMPLIFIED, "utf-8", None, None),
    (TRADITIONAL, "gb18030", "gbk", None),  # traditional text in a GB encoding is fine too
]


def _case_id(case) -> str:
    text, encoding, meta, header = case
    script = {SIMPLIFIED: "simp", TRADITIONAL: "trad"}.get(text, "gbk-only")
    return f"{script}-as-{encoding}-meta:{meta}-header:{header}"


@pytest.mark.parametrize(("text", "encoding", "meta", "header"), CASES, ids=map(_case_id, CASES))
def test_decoding_gives_the_text_back(text, encoding, meta, header):
    body = page(text, meta).encode(encoding)
    headers = {"Content-Type": f"text/html; charset={header}"} if header else None
    decoded = decode_html(body, headers)
    assert text in decoded
    article = extract_article(body, "https://example.com/news/1.html", headers)
    assert article.title == text[:8]
    assert text in article.body


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("x-gbk", "gb18030"),
        ("cp936", "gb18030"),
        ("GB18030", "gb18030"),
        ("big5", "big5hkscs"),
        ("Big5-HKSCS", "big5hkscs"),
        ("UTF8", "utf-8"),
        ("no-such-charset", None),
    ],
)
def test_charset_labels(label, codec):
    assert normalise_charset(label) == codec


def test_a_byte_order_mark_wins():
    body = b"\xef\xbb\xbf" + page(SIMPLIFIED, "gb2312").encode("utf-8")
    assert detect_encoding(body, "text/html; charset=gbk") == "utf-8"
    assert decode_html(body).count(SIMPLIFIED) == 2


def test_a_utf8_page_cut_mid_character_is_still_utf8():
    body = page(SIMPLIFIED * 3, None).encode("utf-8")
    cut = body[: body.index("十".encode()) + 1]  # one byte of a three-byte character
    assert detect_encoding(cut) == "utf-8"


def test_stray_bytes_do_not_turn_a_gbk_page_into_something_else():
    body = page(SIMPLIFIED * 5, "gb2312").encode("gbk")
    body = body.replace("王毅".encode("gbk"), b"\x80\xff", 1)  # invalid in GBK
    assert detect_encoding(body) == "gb18030"
    assert "对形势发展变化施加正面" in decode_html(body)


def test_ascii_pages_follow_their_declaration():
    body = b"<html><head><meta charset='windows-1252'></head><body>Plain text.</body></html>"
    assert detect_encoding(body) == "cp1252"


def test_a_latin1_page_is_not_taken_for_chinese():
    body = page(
        "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, d\u00e9j\u00e0 vu.", "iso-8859-1", "Caf\u00e9"
    )
    assert "Café crème brûlée" in decode_html(body.encode("latin-1"))


def test_an_xml_declaration_does_not_stop_the_parser():
    body = ('<?xml version="1.0" encoding="gb2312"?>' + page(SIMPLIFIED, "gb2312")).encode("gbk")
    assert SIMPLIFIED in extract_article(body, "https://example.com/a.html").body


# -- real pages -------------------------------------------------------------------------------


@needs_corpus
def test_real_people_page_declaring_gb2312_but_utf8():
    path = CORPUS / "pages" / "people" / "gne_people_1.html"
    if not path.is_file():
        pytest.skip(f"{path.name} is not in the corpus")
    raw = path.read_bytes()
    assert b"charset=GB2312" in raw[:300]
    assert detect_encoding(raw) == "utf-8"
    article = extract_article(raw, "")
    assert article.title == "女儿出嫁，郑板桥画了几笔兰花当嫁妆"
    assert "人民网" in decode_html(raw)
    assert "å" not in article.title and "\ufffd" not in article.title


def _cwced_pages() -> list[Path]:
    return sorted((CORPUS / "eval" / "cwced_zh").glob("*.json"))


@needs_corpus
@pytest.mark.parametrize("meta_path", _cwced_pages(), ids=lambda p: p.stem[:8])
def test_real_cwced_pages_decode_without_their_charset_hint(meta_path: Path):
    """Pages of c. 2005 Chinese sites, most GB2312/GBK with no usable declaration: read from
    the raw bytes alone, the gold text's characters are all there."""
    gold = json.loads(meta_path.read_text(encoding="utf-8"))
    raw = meta_path.with_suffix(".html").read_bytes()
    expected = gold.get("html_encoding")
    found = detect_encoding(raw)
    if expected:
        assert normalise_charset(expected) == found
    text = decode_html(raw)
    gold_han = set(_HAN.findall(gold["text"]))
    missing = gold_han - set(_HAN.findall(text))
    assert len(missing) <= 0.02 * len(gold_han), f"{found}: {''.join(sorted(missing))[:80]}"
