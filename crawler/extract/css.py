"""CSS selection with compiled selectors cached: compiling a selector costs more than running it,
and the same few dozen selectors run on every page."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement


@functools.lru_cache(maxsize=1024)
def compiled(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def select(element: HtmlElement, selector: str) -> list[HtmlElement]:
    """``element.cssselect(selector)``, with the compiled selector reused."""
    return compiled(selector)(element)


def innermost(root: HtmlElement, tags: tuple[str, ...]) -> Iterator[HtmlElement]:
    """The elements of `root` (itself included) with one of `tags` that hold no other one: the
    paragraphs of a body, whatever boxes wrap them."""
    for el in root.iter(*tags):
        if next(el.iterdescendants(*tags), None) is None:
            yield el
