"""Article fields read from a page's markup and metadata: title, who is credited (bylines,
agency, editors), section, keywords, lead image, language. The outlet's selectors come first,
then the page's data, JSON-LD and ``<meta>`` tags.

Who is credited is read with one parser for every outlet (crawler/sources/roles.py): 来源/稿源
is the agency, 作者/记者/编译 the bylines, 责任编辑/责编/编辑 the editors."""

from __future__ import annotations

import re
from typing import Literal

from lxml.html import HtmlElement

from crawler.extract.css import select
from crawler.extract.links import absolute_url
from crawler.extract.metadata import clean_text, keywords_of, ld_text, ld_texts, meta, names_of
from crawler.sources.base import PageData, Source
from crawler.sources.roles import Roles, agency_name, looks_like_organisation, parse_roles

#: "作者：", "记者 ", "文／", "By ": a bare 文 or by counts only with a separator (文森 is a name)
_BYLINE_LABEL = re.compile(
    r"^\s*(?:(?:作者|记者|撰文|责任编辑|编辑)\s*[:：/／|]?|(?:文|by)\s*[:：/／|]|by\s+)\s*", re.I
)
#: the first heading of any level: the headline of a page that has no <h1> and no <title>
_HEADINGS = ("h1, h2, h3, h4, h5, h6",)
#: a JSON-LD Language object names its BCP 47 tag `alternateName` (its `name` is "Chinese")
_LANGUAGE_KEYS = ("alternateName", "@value", "name")
_BYLINE_SPLIT = re.compile(r"[、,，/／;；]|\s+和\s+|\s+and\s+|\s{2,}")
#: text nodes that may hold a labelled credit line (来源：..., 责任编辑：...)
_CREDIT_TEXT = "//text()[contains(., '来源') or contains(., '稿源') or contains(., '编') or contains(., '作者')]"
#: a credit line is short: longer text naming 来源 is a sentence
MAX_CREDIT_LINE = 80


class PageFields:
    """The fields of one page that come straight from its markup (subclassed by the extraction,
    which sets `doc`, `url`, `source`, `page` and `ld`)."""

    doc: HtmlElement
    url: str
    source: Source
    page: PageData
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

    def credited(self, body: HtmlElement | None = None) -> Roles:
        """Who the page credits: the outlet's page data first (a key it sets is final, even
        empty), then its byline elements and the page's author metadata, each read by the role
        parser, then labelled credit lines anywhere on the page (``来源：新华社``, ``【责任编辑：
        张三】``; inside the article `body` only at the start of a line)."""
        labelled = Roles()
        given = "bylines" in self.page
        raw = [clean_text(el.text_content()) for el in self._select(self.source.byline_selectors)]
        raw = raw[:1]
        if given:
            raw = ld_texts(self.page.get("bylines"))
        elif not raw:
            raw = names_of(self.ld.get("author")) + [meta(self.doc, "author") or ""]
        names = []
        for text in (clean_text(r) for r in raw):
            roles = parse_roles(text)
            labelled = labelled.merge(roles)
            if not roles:  # no label: the names as they are (``石佳/中国青年报``)
                text = _BYLINE_LABEL.sub("", text)
                names += [clean_text(_BYLINE_LABEL.sub("", n)) for n in _BYLINE_SPLIT.split(text)]
        names = [n for n in names if n and n != self.source.display_name]
        # a newsroom named where the writers are (``石佳/中国青年报``, ``新华社``) is the agency
        newsrooms = [n for n in names if looks_like_organisation(n)]
        scanned = self._credit_lines(body)
        found = Roles(
            bylines=unique(n for n in names + labelled.bylines if n not in newsrooms)
            or [n for n in scanned.bylines if n != self.source.display_name and not given],
            agency=_given(self.page, "agency") or labelled.agency or newsrooms or scanned.agency,
            editors=_given(self.page, "editors") or labelled.editors or scanned.editors,
            credits=unique(labelled.credits + scanned.credits),
        )
        found.agency = unique(agency_name(a) for a in found.agency if agency_name(a))
        return found

    def bylines(self) -> list[str]:
        """The writers only (see `credited`)."""
        return self.credited().bylines

    def _credit_lines(self, body: HtmlElement | None) -> Roles:
        """The roles of every short element with a labelled credit line; inside `body` only
        the lines that start with their label (a sentence of the story may say 来源)."""
        found = Roles()
        seen: set[HtmlElement] = set()
        for node in self.doc.xpath(_CREDIT_TEXT):
            el = node.getparent()
            if el is not None and getattr(node, "is_tail", False):
                el = el.getparent()
            if el is None or el in seen:
                continue
            seen.add(el)
            line = clean_text(el.text_content())
            if not line or len(line) > MAX_CREDIT_LINE:
                continue
            if body is not None and _inside(el, body) and not _starts_with_label(line):
                continue
            found = found.merge(parse_roles(line))
        return found

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


#: the title the story had where it first appeared, on a line of its own at the top of the body
_ORIGINAL_TITLE = re.compile(r"^\s*[\\*_]*原标题\s*[:：]\s*(?P<title>.+?)[\\*_]*\s*$")
#: how many paragraphs from the top the 原标题 line may stand
_ORIGINAL_TITLE_WITHIN = 3


def take_original_title(markdown: str) -> tuple[str, str | None]:
    """The body without its ``原标题：《…》`` line, and that title (without the 《》)."""
    paragraphs = markdown.split("\n\n")
    for n, paragraph in enumerate(paragraphs[:_ORIGINAL_TITLE_WITHIN]):
        m = _ORIGINAL_TITLE.match(paragraph)
        if m and len(paragraphs) > 1:
            title = clean_text(m.group("title"))
            if title.startswith("《") and title.endswith("》"):
                title = title[1:-1]
            rest = paragraphs[:n] + paragraphs[n + 1 :]
            return "\n\n".join(rest), clean_text(title) or None
    return markdown, None


def _given(page: PageData, key: Literal["agency", "editors"]) -> list[str]:
    return [clean_text(v) for v in ld_texts(page.get(key)) if clean_text(v)]


def _inside(el: HtmlElement, ancestor: HtmlElement) -> bool:
    return any(a is ancestor for a in el.iterancestors()) or el is ancestor


_LINE_START_LABEL = re.compile(r"^[\s【\[（(]*(?:来源|稿源|责任编辑|责编|编辑|作者|记者|摄影|编译)")


def _starts_with_label(line: str) -> bool:
    return bool(_LINE_START_LABEL.match(line))


def unique(values) -> list[str]:
    return list(dict.fromkeys(values))
