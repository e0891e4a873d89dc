"""Markup -> element tree, also for pages nested deeper than the parser goes.

libxml2 stops building the tree at 256 open elements (``Excessive depth in document``) and drops
everything after that point: a page nested 100,000 ``<div>`` deep -- or an old page with
thousands of unclosed ``<font>`` tags -- comes out with no text at all. Such a page is parsed a
second time with its wrapper tags taken out (`flatten_markup`): its text stays, in paragraphs
where the wrappers were blocks. A page still too deep after that is no article (``too-deep``).
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.article import NotAnArticle

#: tags never taken out by `flatten_markup` (nor counted as nesting): those the parser never
#: nests (a <p> closes the open <p>), void ones, and those that hold the page's metadata
KEPT_TAGS = frozenset({
    "html", "head", "body", "title", "meta", "link", "base", "script", "style", "p", "br", "hr",
    "img", "input", "area", "col", "embed", "param", "source", "track", "wbr",
})  # fmt: skip
#: tags taken out that separate paragraphs
BLOCK_TAGS = frozenset({
    "div", "section", "article", "main", "aside", "header", "footer", "nav", "blockquote",
    "center", "form", "fieldset", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody",
    "tfoot", "tr", "td", "th", "caption", "figure", "figcaption", "details", "summary",
    "address", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
})  # fmt: skip
#: `flatten_markup` keeps the elements open at up to this depth (outer structure, such as
#: the article's body markup, stays) and takes out what is nested deeper
FLAT_DEPTH = 100
#: a start or end tag (attributes without < or >, at most a few KB: linear on any input)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,30})(?:[\s/][^<>]{0,4096})?>")
_BREAKS = re.compile(r"\x00(?:\s*\x00)*")


def parse_html(text: str) -> HtmlElement:
    """The page's tree (`text` holds no NUL: decode_html removed them); NotAnArticle when the
    page is not HTML or nested too deep even once flattened."""
    doc, too_deep = _parse(text)
    if too_deep:
        doc, too_deep = _parse(flatten_markup(text))
        if too_deep:
            raise NotAnArticle("too-deep", "elements nested deeper than the parser allows")
    return doc


def _parse(text: str) -> tuple[HtmlElement, bool]:
    parser = lxml.html.HTMLParser()
    try:
        doc = lxml.html.document_fromstring(text, parser=parser)
    except (ValueError, etree.ParserError) as exc:
        raise NotAnArticle("unparseable", str(exc)) from exc
    return doc, any("Excessive depth" in error.message for error in parser.error_log)


def flatten_markup(text: str, keep_depth: int = FLAT_DEPTH) -> str:
    """`text` with the tags nested deeper than `keep_depth` taken out (counted by start and end
    tags, `KEPT_TAGS` aside); block tags become paragraph breaks."""
    depth = 0

    def flatten(m: re.Match[str]) -> str:
        nonlocal depth
        name = m.group(2).lower()
        if name in KEPT_TAGS:
            return m.group(0)
        if m.group(1):  # an end tag closes the innermost open element
            depth = max(0, depth - 1)
            kept = depth < keep_depth
        else:
            depth += 1
            kept = depth <= keep_depth
        if kept:
            return m.group(0)
        return "\x00" if name in BLOCK_TAGS else ""

    return _BREAKS.sub("\n<p>", _TAG.sub(flatten, text))
