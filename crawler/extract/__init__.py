"""Extraction: (bytes, headers, url, source) -> Article. Pure: no Scrapy, no I/O.

The spider, ``newsarchive extract`` and re-extraction from WARC all call `extract_article`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
from htmldate import find_date
from lxml.html import HtmlElement

from crawler.extract.article import Article, NotAnArticle
from crawler.extract.body import body_from_html, find_body, remove_junk, to_markdown
from crawler.extract.decode import decode_html
from crawler.extract.metadata import (
    ARTICLE_TYPES,
    clean_text,
    jsonld_article,
    keywords_of,
    meta,
    names_of,
    parse_date,
)
from crawler.sources import source_for_url
from crawler.sources.base import Source
from crawler.sources.generic import generic_source

#: an article body shorter than this (in characters of text) is no article
MIN_BODY_CHARS = 10
#: a page with no article markup or metadata needs this much text to count as an article
MIN_GENERIC_CHARS = 200
#: a paragraph this long reads as prose, not as a menu item, a byline or a button
MIN_PROSE_PARAGRAPH = 40
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
#: "作者：", "记者 ", "文／", "By ": a bare 文 or by counts only with a separator (文森 is a name)
_BYLINE_LABEL = re.compile(
    r"^\s*(?:(?:作者|记者|撰文|责任编辑|编辑)\s*[:：/／|]?|(?:文|by)\s*[:：/／|]|by\s+)\s*", re.I
)
_BYLINE_SPLIT = re.compile(r"[、,，/／;；]|\s+和\s+|\s+and\s+|\s{2,}")
_URL_DATE = re.compile(r"(20\d{2})(\d{2})(\d{2})")


def extract_article(
    body: bytes,
    url: str,
    headers: dict | None = None,
    source: Source | None = None,
) -> Article:
    """The clean article in a page, or NotAnArticle with the reason it is none."""
    text = decode_html(body, headers)
    try:
        doc = lxml.html.document_fromstring(text)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise NotAnArticle("unparseable", str(exc)) from exc
    source = source or source_for_url(url) or source_for_url(_page_url(doc) or "")
    source = source or generic_source(_page_url(doc) or url)
    return _Extraction(doc, url, source).article()


def _page_url(doc: HtmlElement) -> str | None:
    for xpath in ("//meta[@property='og:url']/@content", "//link[@rel='canonical']/@href"):
        for value in doc.xpath(xpath):
            if value.strip().startswith("http"):
                return value.strip()
    return None


class _Extraction:
    """One page being read; each method finds one field."""

    def __init__(self, doc: HtmlElement, url: str, source: Source):
        self.doc = doc
        self.url = url
        self.source = source
        self.page = source.page_data(doc) if source.page_data else {}
        self.ld = jsonld_article(doc)
        self.warnings: list[str] = []

    def article(self) -> Article:
        url, article_id = self.identity()
        published, date_source = self.published(article_id)
        body = self.body()
        title = self.title()
        if not title:
            raise NotAnArticle("no-title", "no headline, og:title or <title>")
        image, caption = self.lead_image()
        return Article(
            source=self.source.name,
            id=article_id,
            url=url,
            title=title,
            published=published,
            body=body,
            publication=self.source.display_name,
            bylines=self.bylines(),
            section=self.section(),
            keywords=self.keywords(),
            image=image,
            image_caption=caption,
            description=meta(self.doc, "og:description", "description"),
            lang=self._lang(),
            date_source=date_source,
            warnings=self.warnings,
        )

    # -- identity ---------------------------------------------------------------------------
    def identity(self) -> tuple[str, str]:
        """(canonical URL, stable id); the fetched URL wins over what the page claims."""
        for candidate in (self.url, _page_url(self.doc)):
            if candidate and self.source.canonical_url(candidate):
                url = self.source.canonical_url(candidate)
                article_id = self.source.article_id(candidate)
                if not _SAFE_ID.fullmatch(article_id):
                    article_id = "u" + hashlib.sha1(url.encode()).hexdigest()[:15]
                return url, article_id
        if not self.url and not _page_url(self.doc):  # a saved page that does not say its URL
            digest = hashlib.sha1(self.doc.text_content().encode("utf-8")).hexdigest()
            return "", "u" + digest[:15]
        raise NotAnArticle("not-article-url", f"{self.url} is no article URL of {self.source.name}")

    # -- fields -----------------------------------------------------------------------------
    def title(self) -> str:
        candidates = [self._first_text(self.source.title_selectors)]
        candidates += [self.page.get("title"), self.ld.get("headline"), self.ld.get("name")]
        candidates += [meta(self.doc, "og:title", "twitter:title"), self._first_text(("h1",))]
        candidates += [self.doc.findtext(".//title")]
        for value in candidates:
            if isinstance(value, str) and clean_text(value):
                return clean_text(value)
        return ""

    def published(self, article_id: str) -> tuple[datetime, str]:
        tz = self.source.tz
        for value, where in (
            (self.ld.get("datePublished"), "jsonld"),
            (meta(self.doc, "article:published_time", "datePublished", "pubdate"), "meta"),
            (self.page.get("published"), "page"),
            (self.ld.get("dateCreated"), "jsonld"),
            (next(iter(self.doc.xpath("//time/@datetime")), None), "time"),
        ):
            found = parse_date(value if isinstance(value, str) else None, tz)
            if found:
                return found, where
        m = _URL_DATE.search(article_id) or _URL_DATE.search(urlsplit(self.url).path)
        if m:
            self.warnings.append("no publish time on the page; date taken from the URL")
            return parse_date("-".join(m.groups()), tz), "url"
        found = parse_date(find_date(self.doc, original_date=True, outputformat="%Y-%m-%d"), tz)
        if found:
            self.warnings.append("no publish time in the page's metadata; date guessed by htmldate")
            return found, "htmldate"
        raise NotAnArticle("no-date", "no publish time on the page or in the URL")

    def bylines(self) -> list[str]:
        raw: list[str] = list(self.page.get("bylines", []))
        if not raw:
            raw = [self._strip_label(el) for el in self._select(self.source.byline_selectors)]
            raw = raw[:1]
        if not raw:
            raw = names_of(self.ld.get("author")) + [meta(self.doc, "author") or ""]
        raw = [_BYLINE_LABEL.sub("", clean_text(r)) for r in raw]
        names = [clean_text(_BYLINE_LABEL.sub("", n)) for r in raw for n in _BYLINE_SPLIT.split(r)]
        return _unique(n for n in names if n and n != self.source.display_name)

    def section(self) -> str | None:
        value = self._first_text(self.source.section_selectors) or self.page.get("section")
        value = value or self.ld.get("articleSection") or meta(self.doc, "article:section")
        if isinstance(value, list):
            value = value[0] if value else None
        return clean_text(value) or None

    def keywords(self) -> list[str]:
        words = [
            clean_text(el.text_content()) for el in self._select(self.source.keyword_selectors)
        ]
        words += keywords_of(self.ld.get("keywords")) + list(self.page.get("keywords", []))
        words += keywords_of(meta(self.doc, "keywords", "news_keywords"))
        return _unique(clean_text(w) for w in words if clean_text(w))

    def lead_image(self) -> tuple[str | None, str | None]:
        for box in self._select(self.source.lead_image_selectors):
            img = next(box.iter("img"), None)
            if img is None:
                continue
            src = img.get("data-src") or img.get("src")
            caption = box.findtext(".//figcaption") or img.get("data-title") or img.get("alt")
            if not caption:
                caption = clean_text(box.text_content())
            return urljoin(self.url, src) if src else None, clean_text(caption) or None
        image = meta(self.doc, "og:image")
        return (urljoin(self.url, image) if image else None), None

    def body(self) -> str:
        if self.page.get("body_html"):
            element = body_from_html(self.page["body_html"])
        else:
            element = find_body(self.doc, self.source)
        whole_page = element is None
        if whole_page:
            if self.source.strict and not self._looks_like_article():
                raise NotAnArticle("no-article", "no article body and no article metadata")
            element = self.doc
        remove_junk(element, self.source)
        if self.source.fix_body:
            self.source.fix_body(element)
        markdown = to_markdown(element, whole_page)
        length = len(clean_text(markdown))
        if whole_page and not self._looks_like_article() and length < MIN_GENERIC_CHARS:
            raise NotAnArticle("no-article", f"only {length} characters of text on the page")
        # an outlet whose body markup is known but missing (a page cut short before its body):
        # what trafilatura finds on the rest of the page is menus, the byline and a caption
        if whole_page and self.source.strict and _prose_chars(markdown) < MIN_GENERIC_CHARS:
            raise NotAnArticle("no-article", "no body markup and no prose on the page")
        if length < MIN_BODY_CHARS:
            raise NotAnArticle("empty-body", f"{length} characters of text")
        return markdown

    # -- helpers ----------------------------------------------------------------------------
    def _looks_like_article(self) -> bool:
        return bool(self.ld) or (meta(self.doc, "og:type") or "").lower() == "article"

    def _lang(self) -> str | None:
        lang = self.doc.get("lang") or self.ld.get("inLanguage") or meta(self.doc, "og:locale")
        if isinstance(lang, str) and clean_text(lang):
            return clean_text(lang).replace("_", "-")
        return self.source.lang

    def _select(self, selectors: tuple[str, ...]) -> list[HtmlElement]:
        for selector in selectors:
            found = self.doc.cssselect(selector)
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


def _prose_chars(markdown: str) -> int:
    """Characters of text in paragraphs long enough to be prose."""
    lengths = (len(clean_text(p)) for p in markdown.split("\n\n"))
    return sum(n for n in lengths if n >= MIN_PROSE_PARAGRAPH)


def _unique(values) -> list[str]:
    return list(dict.fromkeys(values))


__all__ = ["ARTICLE_TYPES", "Article", "NotAnArticle", "extract_article"]
