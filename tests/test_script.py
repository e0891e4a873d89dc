"""Script tagging: simplified (zh-Hans) or traditional (zh-Hant), from the text itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html
import pytest

from crawler.extract import extract_article
from crawler.extract.script import SIMPLIFIED, TRADITIONAL, detect_script, script_counts

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no shared corpus at {CORPUS}")

OURS_SIMPLIFIED = (
    "新加坡政府周一宣布，将在明年推出新的住房补贴计划，帮助首次购屋的年轻家庭。"
    "国家发展部长在记者会上说，这项计划的开支约为五亿元，预计会有两万个家庭受惠。"
)
OURS_TRADITIONAL = (
    "新加坡政府週一宣布，將在明年推出新的住房補貼計劃，幫助首次購屋的年輕家庭。"
    "國家發展部長在記者會上說，這項計劃的開支約為五億元，預計會有兩萬個家庭受惠。"
)


def test_our_simplified_text():
    assert detect_script(OURS_SIMPLIFIED) == SIMPLIFIED


def test_our_traditional_text():
    assert detect_script(OURS_TRADITIONAL) == TRADITIONAL


def test_counts_come_from_characters_that_differ():
    simplified, traditional = script_counts("国家发展")
    assert (simplified, traditional) == (2, 0)  # 国 家 发 展: 家 and 展 are shared by both
    assert script_counts("國家發展") == (0, 2)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Singapore announced a new housing grant on Monday.",
        "中文",  # too little to tell
        "人口大中小上下",  # characters both scripts share
        "東京で記者会見を開き、経済対策について説明しました。首相は来年の予算を発表します。",
    ],
)
def test_no_script_without_evidence(text):
    assert detect_script(text) is None


def test_the_declared_language_rules_out_japanese_and_korean():
    assert detect_script(OURS_TRADITIONAL, lang="ja") is None
    assert detect_script(OURS_TRADITIONAL, lang="zh-TW") == TRADITIONAL


def test_a_few_quoted_characters_of_the_other_script_do_not_flip_it():
    mixed = OURS_SIMPLIFIED * 3 + "（原文：「國家發展」）"
    assert detect_script(mixed) == SIMPLIFIED


@pytest.mark.parametrize(
    ("text", "script"), [(OURS_SIMPLIFIED, SIMPLIFIED), (OURS_TRADITIONAL, TRADITIONAL)]
)
def test_articles_carry_their_script(text, script):
    page = (
        f"<html lang='zh'><head><meta charset='utf-8'><title>{text[:10]}</title>"
        "<meta property='article:published_time' content='2024-03-01T08:00:00+08:00'></head>"
        f"<body><article><p>{text}</p></article></body></html>"
    ).encode()
    assert extract_article(page, "https://example.com/a/1.html").script == script


# -- real pages -------------------------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize(
    "name",
    ["bbc_zhongwen/bbc.co.uk_zhongwen_simp_2012_liangzhenying.html", "people/gne_people_1.html"],
)
def test_real_simplified_pages(name):
    path = CORPUS / "pages" / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the corpus")
    assert extract_article(path.read_bytes(), "").script == SIMPLIFIED


def _post_text(path: Path) -> str:
    body = path.read_text(encoding="utf-8").split("------", 1)[-1]
    return lxml.html.fromstring(f"<div>{body}</div>").text_content()


@needs_corpus
@pytest.mark.parametrize(
    ("prefix", "script"),
    [("cna_", TRADITIONAL), ("bbc_", SIMPLIFIED), ("voa_", SIMPLIFIED), ("rfa_", SIMPLIFIED)],
)
def test_real_posts_of_traditional_and_simplified_outlets(prefix, script):
    """cna.com.tw writes traditional; BBC 中文 /simp/, VOA and RFA Mandarin simplified."""
    posts = sorted((CORPUS / "jekyll_posts" / "other").glob(f"{prefix}*.md"))
    if not posts:
        pytest.skip(f"no {prefix}* posts in the corpus")
    assert [detect_script(_post_text(p)) for p in posts] == [script] * len(posts)


#: a gold text with fewer Han characters than this is a snippet too short to tell a script by
MIN_GOLD_HAN = 50
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _gold_text(meta_path: Path) -> str:
    gold = json.loads(meta_path.read_text(encoding="utf-8"))
    return gold.get("text") or " ".join(gold.get("with", []))


def _eval_pages() -> list[Path]:
    """The eval pages whose gold text is long enough to tell a script by (told by counting its
    Han characters, not by the code under test)."""
    pages = sorted((CORPUS / "eval").glob("*_zh/*.json"))
    return [p for p in pages if len(_HAN.findall(_gold_text(p))) >= MIN_GOLD_HAN]


@needs_corpus
@pytest.mark.parametrize("meta_path", _eval_pages(), ids=lambda p: p.stem[:16])
def test_real_eval_pages_agree_with_their_gold_text(meta_path: Path):
    """The script of what we extract from the raw bytes is the script of the gold text (the
    cwced pages hold both scripts; readability's and trafilatura's pages are simplified)."""
    expected = detect_script(_gold_text(meta_path))
    assert expected in (SIMPLIFIED, TRADITIONAL), f"{meta_path.name}: gold script {expected}"
    article = extract_article(meta_path.with_suffix(".html").read_bytes(), "")
    assert article.script == expected
