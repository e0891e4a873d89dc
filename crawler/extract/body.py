"""The article body: cut the junk out of the page, isolate the body, turn it into Markdown."""

from __future__ import annotations

import re

import trafilatura
from lxml.html import HtmlElement, fragment_fromstring, tostring

from crawler.extract.css import innermost, select
from crawler.extract.inline_marks import remove_marks, unmark_scripts
from crawler.extract.loose_text import wrap_loose_text
from crawler.extract.metadata import clean_text
from crawler.extract.prune import drop_all
from crawler.extract.ui_text import remove_ui_text
from crawler.sources.base import Source

#: removed from every page, whatever the outlet
COMMON_JUNK = ("script", "style", "noscript", "template", "iframe", "button", "svg")
#: a <form> holding less text than this is a search box or a login, not a page-wide ASP.NET form
#: wrapping the article
MAX_FORM_CHARS = 200

_INVISIBLE = re.compile("^[\\s\u200b\u200c\u200d\u2060\ufeff\u00ad]*$")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "pre", "figcaption", "div")


def drop(el: HtmlElement) -> None:
    """Remove `el` but keep the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is not None:
        el.drop_tree()


def remove_junk(root: HtmlElement, source: Source) -> None:
    """Ads, promos, share bars, watermarks and promotion paragraphs, removed in place (each kind
    at once: `drop_all`, linear however many there are)."""
    drop_all(
        el for selector in COMMON_JUNK + source.junk_selectors for el in select(root, selector)
    )
    drop_all(el for el in root.iter("form") if len(clean_text(el.text_content())) < MAX_FORM_CHARS)
    # the invisible watermark: an element holding nothing but zero-width characters
    drop_all(
        el
        for el in root.iter("span", "div", "p", "i")
        if (text := el.text_content()) and _ZERO_WIDTH.search(text) and _INVISIBLE.match(text)
    )
    remove_ui_text(root)
    remove_marks(root)
    if source.junk_text:
        junk = re.compile("|".join(source.junk_text))
        blocks = root.iter("p", "div", "section", "aside", "li", "h2", "h3", "h4")
        drop_all(el for el in blocks if junk.search(clean_text(el.text_content())))


#: boxes that are mostly links (menus, related-article lists, reply lists) on a whole page
_LINK_BOXES = ("ul", "ol", "dl", "table", "td", "div", "p", "li", "nav", "section", "aside")
MAX_LINK_SHARE = 0.8
MIN_LINK_BOX_CHARS = 20
#: ... and that hold little text besides (a box with a paragraph of its own is kept)
MAX_UNLINKED_CHARS = 200


def remove_link_boxes(root: HtmlElement) -> None:
    """Drop the boxes whose text is mostly link text: what a whole page has besides its
    article (an article's paragraphs are not made of links)."""
    for el in list(root.iter(*_LINK_BOXES)):
        if el.getparent() is None:
            continue
        text = len(clean_text(el.text_content()))
        if text < MIN_LINK_BOX_CHARS:
            continue
        links = sum(len(clean_text(a.text_content())) for a in el.iter("a"))
        if links >= MAX_LINK_SHARE * text and text - links < MAX_UNLINKED_CHARS:
            drop(el)


def find_body(doc: HtmlElement, source: Source) -> HtmlElement | None:
    """The first element matching the outlet's body selectors that holds text."""
    for selector in source.body_selectors:
        for el in select(doc, selector):
            if clean_text(el.text_content()):
                return el
    return None


def body_from_html(html: str) -> HtmlElement:
    """A body element built from an HTML string found in the page's data (hydration JSON)."""
    return fragment_fromstring(html or "<p></p>", create_parent="div")


def to_markdown(element: HtmlElement, whole_page: bool = False) -> str:
    """Markdown paragraphs from an isolated, cleaned body element (or from a whole page, where
    trafilatura's own main-content detection has to find the article)."""
    if not whole_page:  # text runs beside blocks or between <br>s: a paragraph each
        wrap_loose_text(element)
    html = tostring(element, encoding="unicode")
    if not whole_page:
        html = "<html><body><article>" + html + "</article></body></html>"
    text = trafilatura.extract(
        html,
        # the outlet's rules already isolated the body: trafilatura's fallback extractors
        # (readability, jusText) would only search it again (benchmarks/extraction.py: no loss)
        fast=not whole_page,
        output_format="markdown",
        favor_recall=True,
        include_comments=False,
        include_images=False,
        include_tables=True,
        deduplicate=False,
    )
    text = unmark_scripts(text or "")
    if whole_page:  # no markup of the outlet's to check against: trafilatura's choice stands
        return trim_boilerplate(normalise_paragraphs(text or ""))
    if not text or len(clean_text(text)) < 0.5 * len(clean_text(element.text_content())):
        return normalise_paragraphs(_paragraphs(element))
    text = normalise_paragraphs(text)
    if _merges_blocks(text, element):
        return normalise_paragraphs(_paragraphs(element))
    return text


#: a site's footer line: copyright, licence numbers, report hotlines
_FOOTER_LINE = re.compile(
    r"ICP[备證证]|版[权權]所有|All Rights Reserved|Copyright|©|[举舉][报報](?:电话|電話|邮箱|郵箱)|"
    r"违法和不良信息|許可證|许可证编号|公网安备|公網安備",
    re.I,
)
#: separators of a menu line ("首页 | 国内 | 国际", "Home - News - Sport")
_MENU_SEPARATORS = re.compile(r"\s*(?:\\?\||·|•|\s-\s|/|\s{2,})\s*")
_MENU_ITEM_CHARS = 8


def _is_boilerplate(paragraph: str) -> bool:
    """A footer line, or a menu: several short items and separators, no sentence."""
    text = clean_text(plain_text(paragraph)).strip("|* ")
    if not text:
        return True
    if _FOOTER_LINE.search(text) and len(text) < 300:
        return True
    if paragraph.lstrip().startswith("|"):  # a table is content
        return False
    items = [i for i in _MENU_SEPARATORS.split(text) if i.strip("|* ")]
    return len(items) >= 3 and all(len(i) <= _MENU_ITEM_CHARS for i in items)


def trim_boilerplate(markdown: str) -> str:
    """A whole page's text without the menus and footer lines before and after the article
    (lines in between are left: they may be the article's own)."""
    paragraphs = markdown.split("\n\n")
    start, end = 0, len(paragraphs)
    while start < end and _is_boilerplate(paragraphs[start]):
        start += 1
    while end > start and _is_boilerplate(paragraphs[end - 1]):
        end -= 1
    return "\n\n".join(paragraphs[start:end])


def _blocks(element: HtmlElement) -> list[str]:
    """The text of each innermost block (a block holding no other block)."""
    return [clean_text(el.text_content()) for el in innermost(element, _BLOCKS)]


def _paragraphs(element: HtmlElement) -> str:
    """Fallback when trafilatura keeps too little: the text of each innermost block."""
    out = _blocks(element) or [clean_text(element.text_content())]
    return "\n\n".join(out)


def _merges_blocks(markdown: str, element: HtmlElement) -> bool:
    """Whether trafilatura ran two or more blocks of the body together into one paragraph.

    It does so when a ``<figcaption>`` stands outside any ``<figure>`` before the paragraphs
    (2021 zaobao bodies): every paragraph then comes out on one line, joined by spaces.
    """
    blocks = {b for b in _blocks(element) if len(b) >= 4}
    for paragraph in markdown.split("\n\n"):
        paragraph = clean_text(paragraph)
        if sum(1 for b in blocks if b != paragraph and b in paragraph) >= 2:
            return True
    return False


#: a line of nothing but closing punctuation: the end of the line before it (split off by an
#: inline element the extractor took for a block)
_CLOSING_ONLY = re.compile(r"[。，、；：！？）」』”’》〉】…,.;:!?)\]]+")


def normalise_paragraphs(text: str) -> str:
    """One blank line between paragraphs, no zero-width characters, no empty paragraphs, no
    paragraph of closing punctuation alone (it goes back to the end of the one before)."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", _ZERO_WIDTH.sub("", text)):
        lines = [line.rstrip() for line in block.strip().splitlines() if line.strip()]
        if lines and lines[0].startswith("|"):  # a Markdown table stays one block
            paragraphs.append("\n".join(lines))
            continue
        for line in lines:
            line = line.strip()
            if paragraphs and _CLOSING_ONLY.fullmatch(line) and not paragraphs[-1].startswith("|"):
                paragraphs[-1] += line
            else:
                paragraphs.append(line)
    return "\n\n".join(paragraphs)


def plain_text(markdown: str) -> str:
    """The body without Markdown markup (for `--format text` and the text hash)."""
    text = re.sub(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+\.\s+)", "", markdown, flags=re.M)
    text = re.sub(r"(\*\*|__|\*|_|`)(.+?)\1", r"\2", text)
    return text


_SPACE = re.compile(r"\s+")


def drop_repeated_title(markdown: str, title: str) -> str:
    """The body without the first paragraphs that only repeat the headline (BBC video pages
    print it over the player; a whole page read has its ``<h1>``), when more of the body
    follows."""
    headline = _SPACE.sub("", title)
    while headline:
        first, _, rest = markdown.partition("\n\n")
        if not rest.strip() or _SPACE.sub("", plain_text(first)) != headline:
            break
        markdown = rest.lstrip("\n")
    return markdown
