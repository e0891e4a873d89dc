"""CSS selection with compiled selectors cached: compiling a selector costs more than running it,
and the same few dozen selectors run on every page."""

from __future__ import annotations

import functools

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement


@functools.lru_cache(maxsize=1024)
def compiled(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def select(element: HtmlElement, selector: str) -> list[HtmlElement]:
    """``element.cssselect(selector)``, with the compiled selector reused."""
    return compiled(selector)(element)
