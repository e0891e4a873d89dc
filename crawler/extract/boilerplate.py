"""Whole-page reads (a page without body markup): the block that holds the article's text.

Old portals, blogs and forums lay a page out with tables and boxes: menus, a sidebar, the
article, a list of replies, a footer. trafilatura, handed such a page, often keeps the whole
layout table. The article is then the box holding most of the page's own prose (text that is
not link text), when one box clearly does. And when that box is one of several alike (same tag
and class path, each in a parent of its own) -- the posts of a blog's archive page, the posts
of a forum thread -- the page's article is the first of them: the later ones are older posts
or replies.
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml.html import HtmlElement

#: the boxes text is counted in (a <p> or <br> inside one is part of its text)
_BOXES = frozenset(
    ("td", "th", "div", "article", "section", "main", "body", "blockquote", "li", "dd", "center")
)
#: the article's box holds at least this many characters of its own prose ...
MIN_BLOCK_CHARS = 100
#: ... and this many times the prose of any other box (posts alike to it not counted)
MIN_DOMINANCE = 3.0
#: a box alike to the article's box counts as a post of its own from this much prose up
MIN_POST_CHARS = 100
#: ... and it takes this many such boxes to make a list of posts
MIN_POSTS = 3
#: cells alike counted together as a data table from this many up
MIN_TABLE_CELLS = 5
_SPACE = re.compile(r"\s+")


def _box(el: HtmlElement | None) -> HtmlElement | None:
    while el is not None and el.tag not in _BOXES:
        el = el.getparent()
    return el


def _in_link(el: HtmlElement | None) -> bool:
    while el is not None:
        if el.tag == "a":
            return True
        el = el.getparent()
    return False


def own_prose(root: HtmlElement) -> dict[HtmlElement, int]:
    """Characters of non-link text (whitespace left out) each box holds itself, not in a box
    inside it."""
    counts: dict[HtmlElement, int] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):  # comments, processing instructions
            continue
        for text, holder in ((el.text, el), (el.tail, el.getparent())):
            size = len(_SPACE.sub("", text or ""))
            if size and holder is not None and not _in_link(holder):
                box = _box(holder)
                if box is not None:
                    counts[box] = counts.get(box, 0) + size
    return counts


def _signature(el: HtmlElement) -> tuple[str, ...]:
    """The tag and class path from the root: boxes alike in a page's layout share it."""
    path = [f"{a.tag}.{a.get('class', '')}" for a in el.iterancestors()]
    return (*reversed(path), f"{el.tag}.{el.get('class', '')}")


def main_block(root: HtmlElement) -> HtmlElement | None:
    """The box holding the page's article (the first post of several alike), or None when no
    box clearly holds most of the page's prose."""
    counts = own_prose(root)
    if not counts:
        return None
    best = max(counts, key=counts.__getitem__)
    if counts[best] < MIN_BLOCK_CHARS:
        return None
    signature = _signature(best)
    alike = [b for b, n in counts.items() if n >= MIN_POST_CHARS and _signature(b) == signature]
    parents = [b.getparent() for b in alike]
    if len(alike) >= 2 and all(p is parents[0] for p in parents):  # paragraphs of one text
        counts[parents[0]] = counts.get(parents[0], 0) + sum(counts[b] for b in alike)
        best, alike = parents[0], [parents[0]]
    elif len(alike) < MIN_POSTS or len(set(parents)) < len(alike):
        alike = [best]
    # the article, or the posts and what they hold (a post's own table; a short post)
    if len(alike) > 1:
        alike_boxes = [box for box in root.iter(best.tag) if _signature(box) == signature]
        inside = {el for box in alike_boxes for el in box.iter()}
    else:
        inside = set(best.iter())
    if counts[best] < MIN_DOMINANCE * _largest_other(counts, inside):
        return None
    if len(alike) > 1:  # posts: the page's own is the first
        posts = set(alike)
        return next(el for el in root.iter() if el in posts)
    return best


def _largest_other(counts: dict[HtmlElement, int], inside: set[HtmlElement]) -> int:
    """The most prose another part of the page holds: a box, or all the cells alike of a table
    (a data table beside the text is as much the article as the text)."""
    largest, cells = 0, defaultdict(list)
    for box, n in counts.items():
        if box in inside:
            continue
        largest = max(largest, n)
        if box.tag in ("td", "th"):
            cells[_signature(box)].append(n)
    tables = [sum(sizes) for sizes in cells.values() if len(sizes) >= MIN_TABLE_CELLS]
    return max(largest, *tables, 0)


#: inside the main block, a box this much link text is a list of links (related articles, "send
#: to a friend | print"), not the article's: the block's own prose is the article ...
MAX_INNER_LINK_SHARE = 0.5
#: ... and so is a box of several links that are this much of its text (titles, each with its date)
MIN_LINK_LIST_LINKS = 3
MAX_LINK_LIST_SHARE = 0.4
_INNER_BOXES = ("table", "ul", "ol", "dl", "div", "td")


def remove_inner_link_lists(block: HtmlElement) -> None:
    """Drop the boxes inside the main block whose text is half or more link text (two fifths
    for a box of several links)."""
    for el in list(block.iterdescendants(*_INNER_BOXES)):
        if el.getparent() is None:
            continue
        text = len(_SPACE.sub("", el.text_content()))
        anchors = [len(_SPACE.sub("", a.text_content())) for a in el.iter("a")]
        links = sum(anchors)
        share = MAX_LINK_LIST_SHARE if len(anchors) >= MIN_LINK_LIST_LINKS else MAX_INNER_LINK_SHARE
        if text and links >= share * text:
            el.drop_tree()
