"""The pictures inside an article's body: their URLs and captions, in page order.

The body is archived as text (crawler/extract/body.py drops images), so the pictures it held
are collected here, from the same isolated body element, before it becomes Markdown: each
``<img>`` with an ``http(s)`` address (``data-src`` and friends win over ``src``, which lazy
loaders fill with a placeholder), its caption from the enclosing ``<figure>``'s
``<figcaption>``, else ``data-title``, ``alt`` or ``title``. A whole page (no body markup found)
gives none: its pictures are logos, ads and teasers as much as the article's.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extract.links import absolute_url
from crawler.extract.metadata import clean_text

#: where lazy loaders keep the real address, before ``src``
_SOURCE_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "src")
_CAPTION_ATTRIBUTES = ("data-title", "alt", "title")
#: at most this many pictures are read from one body (the download limit is a setting)
MAX_BODY_IMAGES = 100


def body_images(element: HtmlElement, base_url: str) -> list[dict[str, str]]:
    """``[{"url": ..., "caption": ...}]`` (caption only when there is one) of the pictures in
    `element`, each URL once, resolved against `base_url`."""
    found: dict[str, dict[str, str]] = {}
    for img in element.iter("img"):
        url = _image_url(img, base_url)
        if not url or url in found:
            continue
        entry = {"url": url}
        caption = _caption(img)
        if caption:
            entry["caption"] = caption
        found[url] = entry
        if len(found) >= MAX_BODY_IMAGES:
            break
    return list(found.values())


def _image_url(img: HtmlElement, base_url: str) -> str | None:
    for name in _SOURCE_ATTRIBUTES:
        value = (img.get(name) or "").strip()
        if not value or value.startswith("data:"):
            continue
        url = absolute_url(base_url, value) if base_url else value
        try:
            parts = urlsplit(url) if url else None
        except ValueError:  # "http://[x": no URL
            continue
        if parts and parts.scheme in ("http", "https") and parts.hostname:
            return url
    return None


def _caption(img: HtmlElement) -> str:
    figure = next((a for a in img.iterancestors("figure")), None)
    if figure is not None:
        caption = figure.find(".//figcaption")
        if caption is not None and clean_text(caption.text_content()):
            return clean_text(caption.text_content())
    for name in _CAPTION_ATTRIBUTES:
        if clean_text(img.get(name)):
            return clean_text(img.get(name))
    return ""
