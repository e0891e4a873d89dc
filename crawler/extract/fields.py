"""Article fields read from a page's markup and metadata: title, bylines, section, keywords,
lead image, language. The outlet's selectors come first, then the page's data, JSON-LD and
``<meta>`` tags."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.extract.css import select
from crawler.extract.links import absolute_url
from crawler.extract.metadata import clean_text, keywords_of, ld_text, ld_texts, meta, names_of
from crawler.sources.base import Source

#: "作者：", "记者 ", "文／", "By ": a bare 文 or by counts only with a separator (文森 is a name)
_BYLINE_LABEL = re.compile(
    r"^\s*(?:(?:作者|记者|撰文|责任编辑|编辑)\s*[:：/／|]?|(?:文|by)\s*[:：/／|]|by\s+)\s*", re.I
)
#: the first heading of any level: the headline of a page that has no <h1> and no <title>
_HEADINGS = ("h1, h2, h3, h4, h5, h6",)
#: a JSON-LD Language object names its BCP 47 tag `alternateName` (its `name` is "Chinese")
_LANGUAGE_KEYS = ("alternateName", "@value", "name")
_BYLINE_SPLIT = re.compile(r"[、,，/／;；]|\s+和\s+|\s+and\s+|\s{2,}")


class PageFields:
    """The fields of one page that come straight from its markup (subclassed by the extraction,
    which sets `doc`, `url`, `source`, `page` and `ld`)."""

    doc: HtmlElement
    url: str
    source: Source
    page: dict
    ld: dict

    def title(self) -> str:
        candidates = [self._first_text(self.source.title_selectors)]
        candidates += [ld_text(self.page.get("title"))]
        candidates += [ld_text(self.ld.get("headline")), ld_text(self.ld.get("name"))]
        candidates += [meta(self.doc, "og:title", "twitter:title"), self._first_text(("h1",))]
        candidates += [self.doc.findtext(".//title"), self._first_text(_HEADINGS)]
        for value in candidates:
            if isinstance(value, str) and clean_text(value):
                return clean_text(value)
        return ""

    def bylines(self) -> list[str]:
        raw: list[str] = ld_texts(self.page.get("bylines"))
        if not raw:
            raw = [self._strip_label(el) for el in self._select(self.source.byline_selectors)]
            raw = raw[:1]
        if not raw:
            raw = names_of(self.ld.get("author")) + [meta(self.doc, "author") or ""]
        raw = [_BYLINE_LABEL.sub("", clean_text(r)) for r in raw]
        names = [clean_text(_BYLINE_LABEL.sub("", n)) for r in raw for n in _BYLINE_SPLIT.split(r)]
        return unique(n for n in names if n and n != self.source.display_name)

    def section(self) -> str | None:
        value = self._first_text(self.source.section_selectors)
        value = value or ld_text(self.page.get("section")) or ld_text(self.ld.get("articleSection"))
        return clean_text(value or meta(self.doc, "article:section")) or None

    def keywords(self) -> list[str]:
        words = [
            clean_text(el.text_content()) for el in self._select(self.source.keyword_selectors)
        ]
        words += keywords_of(self.ld.get("keywords")) + ld_texts(self.page.get("keywords"))
        words += keywords_of(meta(self.doc, "keywords", "news_keywords"))
        return unique(clean_text(w) for w in words if clean_text(w))

    def lead_image(self) -> tuple[str | None, str | None]:
        for box in self._select(self.source.lead_image_selectors):
            img = next(box.iter("img"), None)
            if img is None:
                continue
            src = img.get("data-src") or img.get("src")
            caption = box.findtext(".//figcaption") or img.get("data-title") or img.get("alt")
            if not caption:
                caption = clean_text(box.text_content())
            return absolute_url(self.url, src) if src else None, clean_text(caption) or None
        image = meta(self.doc, "og:image")
        return (absolute_url(self.url, image) if image else None), None

    def _lang(self) -> str | None:
        lang = self.doc.get("lang") or ld_text(self.ld.get("inLanguage"), _LANGUAGE_KEYS)
        lang = lang or meta(self.doc, "og:locale")
        if isinstance(lang, str) and clean_text(lang):
            return clean_text(lang).replace("_", "-")
        return self.source.lang

    def _select(self, selectors: tuple[str, ...]) -> list[HtmlElement]:
        for selector in selectors:
            found = select(self.doc, selector)
            if found:
                return found
        return []

    def _first_text(self, selectors: tuple[str, ...]) -> str:
        for el in self._select(selectors):
            if clean_text(el.text_content()):
                return clean_text(el.text_content())
        return ""

    @staticmethod
    def _strip_label(el: HtmlElement) -> str:
        return _BYLINE_LABEL.sub("", clean_text(el.text_content()))


def unique(values) -> list[str]:
    return list(dict.fromkeys(values))
