"""Whole-page reads: paragraphs in the markup of the text read, above the first one read (an
encyclopedia's summary box), go first; nothing from the page's frame, nothing twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.html import document_fromstring

from crawler.extract import extract_article
from crawler.extract.lead import missing_lead

URL = "https://wiki.example.org/item/tanya"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BAIKE = CORPUS / "eval" / "trafilatura_zh" / "traf_baike_baidu_com_tanya.html"
SECTION = "她在新加坡出生长大，后来到台湾发展，成为著名的歌手和音乐制作人，发行了多张专辑。"


def page(before: str, body_class: str = "para") -> str:
    sections = "".join(
        f"<h2>第{n}节</h2><div class='{body_class}'>{SECTION}第{n}段还有更多内容。</div>"
        for n in range(1, 6)
    )
    return (
        "<html><head><title>蔡健雅</title></head><body><nav><a href='/'>首页</a></nav>"
        f"<div class='top'>{before}</div><div class='main'>{sections}</div></body></html>"
    )


SUMMARY = "蔡健雅，1975年1月28日出生于新加坡，华语流行乐女歌手、音乐制作人、词曲创作人。"


def markdown_of_sections() -> str:
    return "\n\n".join(f"{SECTION}第{n}段还有更多内容。" for n in range(1, 6))


@pytest.mark.parametrize(
    ("before", "body_class", "expected"),
    [
        pytest.param(f"<div class='para'>{SUMMARY}</div>", "para", [SUMMARY], id="summary-box"),
        pytest.param(f"<aside><div class='para'>{SUMMARY}</div></aside>", "para", [], id="aside"),
        pytest.param(f"<div class='lead'>{SUMMARY}</div>", "para", [], id="other-markup"),
        pytest.param(f"<div>{SUMMARY}</div>", "", [], id="no-class-no-signature"),
        pytest.param(
            f"<div class='para'>{SECTION}第1段还有更多内容。</div>", "para", [], id="already-read"
        ),
    ],
)
def test_paragraphs_in_the_markup_read_and_above_it_go_first(before, body_class, expected):
    doc = document_fromstring(page(before, body_class))
    assert missing_lead(doc, markdown_of_sections()) == expected


def test_markdown_markup_does_not_make_a_paragraph_look_unread():
    doc = document_fromstring(page(f"<div class='para'>{SUMMARY}</div>"))
    read = markdown_of_sections() + "\n\n" + SUMMARY.replace("蔡健雅", "**蔡健雅**")
    assert missing_lead(doc, read) == []


def test_an_encyclopedia_entry_keeps_its_summary():
    if not BAIKE.exists():
        pytest.skip(f"corpus page missing: {BAIKE}")
    body = extract_article(BAIKE.read_bytes(), "https://baike.baidu.com/item/tanya").body
    first = body.split("\n\n")[0]
    assert first.startswith("蔡健雅（Tanya Chua），1975年1月28日出生于新加坡")
    assert body.count("1975年1月28日出生于新加坡") == 1
