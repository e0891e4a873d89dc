"""Whole-page reads: paragraphs of the article left above the part that was read.

An encyclopedia entry puts its summary in a box of its own above the sections, written in the
same paragraph markup as the sections (``<div class="para">``); trafilatura, reading the whole
page, may keep only the sections. The paragraphs of the text read tell their markup (tag and
class); paragraphs in that same markup that come before the first one read, outside the page's
frame (header, nav, aside, footer), are the article's too.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml.html import HtmlElement

from crawler.extract.css import innermost
from crawler.extract.metadata import clean_text

#: a paragraph counts from this many characters
MIN_PARAGRAPH_CHARS = 20
#: the markup of the text read: shared by at least this many of its paragraphs ...
MIN_KEPT = 3
#: ... and by at least this share of them
MIN_KEPT_SHARE = 0.5
#: the first this many paragraphs with a class are looked at (a summary stands near the top; each
#: is searched for in the text read, so a page of a million paragraphs costs no more)
MAX_BLOCKS = 500
_BLOCKS = ("p", "div")
_FRAME = ("header", "footer", "nav", "aside", "a", "form", "li", "td")
#: compared: letters, digits and CJK only (no spaces, punctuation or Markdown markup)
_NOT_WORD = re.compile(r"[\W_]+")


def _bare(text: str) -> str:
    return _NOT_WORD.sub("", clean_text(text))


def _signature(el: HtmlElement) -> tuple[str, str] | None:
    cls = " ".join(sorted((el.get("class") or "").split()))
    return (el.tag, cls) if cls else None


def missing_lead(doc: HtmlElement, markdown: str) -> list[str]:
    """Paragraphs in the markup of the text read (`markdown`) that come before it and it lacks."""
    have = _bare(markdown)
    blocks = []
    for el in innermost(doc, _BLOCKS):  # paragraphs: blocks holding no other block
        text = clean_text(el.text_content())
        if len(text) >= MIN_PARAGRAPH_CHARS and (sig := _signature(el)):
            blocks.append((el, sig, text, _bare(text) in have))
            if len(blocks) >= MAX_BLOCKS:
                break
    kept = Counter(sig for _, sig, _, read in blocks if read)
    if not kept:
        return []
    sig, count = kept.most_common(1)[0]
    if count < MIN_KEPT or count < MIN_KEPT_SHARE * sum(kept.values()):
        return []
    lead = []
    for el, s, text, read in blocks:
        if s != sig:
            continue
        if read:
            break  # the first paragraph read: what comes after it is the reader's business
        if not any(a.tag in _FRAME for a in el.iterancestors()):
            lead.append(text)
    return lead
