"""The extraction orchestrator: (bytes, headers, url, source) -> Article. Pure: no Scrapy, no I/O.

`extract_article` reads one page (and the later pages of a multi-page article) with the outlet's
rules; each field's reader lives in its own module of this package. A URL's facts (story id,
date) are the Source's (crawler/sources/base.py): there is one answer to what a URL says.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime

from htmldate import find_date
from lxml.html import HtmlElement

from crawler.extract.article import Article, NotAnArticle
from crawler.extract.body import (
    body_from_html,
    drop_repeated_title,
    find_body,
    plain_text,
    remove_junk,
    remove_link_boxes,
    to_markdown,
)
from crawler.extract.boilerplate import main_block, remove_inner_link_lists
from crawler.extract.completeness import PageSignals, completeness, page_signals
from crawler.extract.decode import decode_html
from crawler.extract.fields import PageFields, take_original_title
from crawler.extract.figures import body_images
from crawler.extract.lead import missing_lead
from crawler.extract.links import absolute_url
from crawler.extract.metadata import (
    clean_text,
    jsonld_article,
    ld_text,
    meta,
    parse_date,
    utc_now,
)
from crawler.extract.pages import join_pages, next_page_url, remove_pagination
from crawler.extract.parse import parse_html
from crawler.extract.script import detect_script
from crawler.sources import source_for_url
from crawler.sources.base import PageData, Source
from crawler.sources.generic import generic_source
from crawler.sources.roles import dateline_agency

#: an article body shorter than this (in characters of text) is no article
MIN_BODY_CHARS = 10
#: a page with no article markup or metadata needs this much text to count as an article
MIN_GENERIC_CHARS = 200
#: a paragraph this long reads as prose, not as a menu item, a byline or a button
MIN_PROSE_PARAGRAPH = 40
_WORD_CHAR = re.compile(r"\w")


def extract_article(
    body: bytes,
    url: str,
    headers: dict | None = None,
    source: Source | None = None,
    pages: Sequence[bytes] = (),
    fetched: datetime | None = None,
) -> Article:
    """The clean article in a page, or NotAnArticle with the reason it is none.

    `body` is the raw response (bytes: the charset is read from them, the header being only a
    hint); `pages` the raw later pages of a multi-page article, in order (page 2, 3, ...): their
    bodies are joined to the first page's. `fetched`, when known, stands in for the publish
    time of a page of an outlet without rules that states none.
    """
    doc = _parse(body, headers)
    more, unreadable = [], []
    for number, page in enumerate(pages, start=2):
        try:
            more.append(_parse(page, headers))
        except NotAnArticle as exc:  # a later page that is no HTML: the rest still counts
            unreadable.append(f"page {number} of the article is unreadable ({exc.reason})")
    source = source or source_for_url(url) or _outlet_of_saved_page(doc, url)
    source = source or generic_source(_page_url(doc) or url)
    try:
        extraction = _Extraction(doc, url, source, more, headers, fetched)
        extraction.warnings.extend(unreadable)
        return extraction.article()
    except RecursionError:  # a tree deep enough for some reader of it to recurse too far
        raise NotAnArticle("too-deep", "elements nested too deep to read") from None


def _parse(body: bytes, headers: dict | None) -> HtmlElement:
    return parse_html(decode_html(body, headers))


def _outlet_of_saved_page(doc: HtmlElement, url: str) -> Source | None:
    """A page without its URL (a saved file): the outlet its own URL names, when that is one of
    the outlet's article URLs; otherwise the generic rules read it."""
    page_url = "" if url else _page_url(doc) or ""
    outlet = source_for_url(page_url)
    return outlet if outlet and outlet.article_id(page_url) else None


def _page_url(doc: HtmlElement) -> str | None:
    for xpath in ("//meta[@property='og:url']/@content", "//link[@rel='canonical']/@href"):
        for value in doc.xpath(xpath):
            if value.strip().startswith("http") and absolute_url("", value):
                return value.strip()
    return None


class _Extraction(PageFields):
    """One page being read; each method finds one field."""

    def __init__(
        self,
        doc: HtmlElement,
        url: str,
        source: Source,
        more: list[HtmlElement] | None = None,
        headers: dict | None = None,
        fetched: datetime | None = None,
    ):
        self.doc = doc
        self.url = url
        self.source = source
        self.more = more or []
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.fetched = fetched
        self.warnings: list[str] = []
        self.page = self._page_data(doc)
        self.ld = jsonld_article(doc)
        self.signals = PageSignals()
        self.credits: list[str] = []  # filled by the body's pages (Source.take_credits)
        self.body_fallback = False  # set when the first page's body is read from the whole page
        self.images: list[dict[str, str]] = []  # the pictures in the body's pages

    def article(self) -> Article:
        url, article_id = self.identity()
        published, date_source = self.published(url)
        title = self.title()  # before the body: a whole-page body is cut out of the page itself
        signals = self.signals = page_signals(self.doc, self.ld)
        missing_pages = self._more_pages_linked()
        # before the body: its cleaning removes the editor lines (责任编辑：...) from the page
        credited = self.credited(
            None if self.page.get("body_html") else find_body(self.doc, self.source)
        )
        body, original_title = take_original_title(drop_repeated_title(self.body(), title))
        title = title or self._title_from_body(body)
        if not title:  # nothing but invisible characters where the title would be
            raise NotAnArticle("no-title", "no headline, og:title, <title> or heading with text")
        image, caption = self.lead_image()
        complete, reason = completeness(signals, plain_text(body))
        if complete and missing_pages:
            complete, reason = False, "missing-pages"
        lang = self._lang()
        return Article(
            source=self.source.name,
            id=article_id,
            url=url,
            title=title,
            published=published,
            body=body,
            publication=self.source.display_name,
            bylines=credited.bylines,
            agency=self._agency(credited.agency, body),
            editors=credited.editors,
            original_title=original_title,
            credits=list(dict.fromkeys(self.credits + credited.credits)),
            section=self.section(),
            keywords=self.keywords(),
            image=image,
            image_caption=caption,
            images=[i for i in self.images if i["url"] != image],
            description=meta(self.doc, "og:description", "description"),
            lang=lang,
            script=detect_script(f"{title}\n{body}", lang),
            complete=complete,
            completeness_reason=reason,
            pages=1 + len(self.more),
            date_source=date_source,
            body_fallback=self.body_fallback,
            warnings=self.warnings,
        )

    # -- identity ---------------------------------------------------------------------------
    def identity(self) -> tuple[str, str]:
        """(canonical URL, stable id); the fetched URL wins over what the page claims."""
        for candidate in (self.url, _page_url(self.doc)):
            if candidate and self.source.canonical_url(candidate):
                # the Source's id is already fit to name a post file (``u`` + hash otherwise)
                return self.source.canonical_url(candidate), self.source.article_id(candidate)
        if not self.url and not _page_url(self.doc):  # a saved page that does not say its URL
            digest = hashlib.sha1(self.doc.text_content().encode("utf-8")).hexdigest()
            return "", "u" + digest[:15]
        raise NotAnArticle("not-article-url", f"{self.url} is no article URL of {self.source.name}")

    # -- fields -----------------------------------------------------------------------------
    def published(self, url: str) -> tuple[datetime, str]:
        """When the article at (canonical) `url` was published, and where that was read."""
        tz = self.source.tz
        for value, where in (
            (ld_text(self.ld.get("datePublished")), "jsonld"),
            (meta(self.doc, "article:published_time", "datePublished", "pubdate"), "meta"),
            (ld_text(self.page.get("published")), "page"),
            (ld_text(self.ld.get("dateCreated")), "jsonld"),
            (next(iter(self.doc.xpath("//time/@datetime")), None), "time"),
        ):
            found = parse_date(value if isinstance(value, str) else None, tz)
            if found:
                return found, where
        day = self.source.url_date(url)
        found = parse_date(day.isoformat(), tz) if day else None
        if found:
            self.warnings.append("no publish time on the page; date taken from the URL")
            return found, "url"
        found = parse_date(find_date(self.doc, original_date=True, outputformat="%Y-%m-%d"), tz)
        if found:
            self.warnings.append("no publish time in the page's metadata; date guessed by htmldate")
            return found, "htmldate"
        if self.source.strict:  # a known outlet's article always states its date
            raise NotAnArticle("no-date", "no publish time on the page or in the URL")
        return self._fallback_date()

    def _fallback_date(self) -> tuple[datetime, str]:
        """A page of an outlet without rules that states no date at all: the server's
        Last-Modified or Date header, else the fetch time (else now: a saved file)."""
        for name in ("last-modified", "date"):
            try:
                found = parsedate_to_datetime(str(self.headers.get(name, "")))
            except (TypeError, ValueError):
                continue
            if found and found.tzinfo:
                self.warnings.append(f"no publish time anywhere; the HTTP {name} header stands in")
                return found.astimezone(self.source.tz), "header"
        self.warnings.append("no publish time anywhere; the fetch time stands in")
        return (self.fetched or utc_now()).astimezone(self.source.tz), "fetched"

    def body(self) -> str:
        markdown = self._page_body(self.doc, self.page)
        bodies = [markdown]
        for number, doc in enumerate(self.more, start=2):
            page = self._page_data(doc)
            try:
                bodies.append(self._page_body(doc, page))
            except NotAnArticle as exc:
                self.warnings.append(f"page {number} of the article has no body ({exc.reason})")
        return join_pages(bodies) if len(bodies) > 1 else markdown

    def _page_body(self, doc: HtmlElement, page: PageData) -> str:
        """The body of one page of the article, as Markdown."""
        if page.get("body_html"):
            element = body_from_html(page["body_html"])
        else:
            element = find_body(doc, self.source)
        whole_page = element is None
        if whole_page and doc is self.doc:
            self.body_fallback = self.source.strict
        if whole_page:
            if self.source.strict and not self._looks_like_article():
                raise NotAnArticle("no-article", "no article body and no article metadata")
            element = doc
        remove_junk(element, self.source)
        if whole_page:
            remove_link_boxes(element)
        remove_pagination(element)
        if self.source.fix_body:
            self.source.fix_body(element)
        if self.source.take_credits and not whole_page:
            self.credits.extend(self.source.take_credits(element))
        if not whole_page:
            self.images.extend(body_images(element, self.url or ""))
        markdown = to_markdown(element, whole_page)
        length = len(clean_text(markdown))
        if whole_page and not self._looks_like_article() and length < MIN_GENERIC_CHARS:
            raise NotAnArticle("no-article", f"only {length} characters of text on the page")
        # an outlet whose body markup is known but missing (a page cut short before its body):
        # what trafilatura finds on the rest of the page is menus, the byline and a caption
        if whole_page and self.source.strict and _prose_chars(markdown) < MIN_GENERIC_CHARS:
            raise NotAnArticle("no-article", "no body markup and no prose on the page")
        if whole_page:  # the page holds enough text for an article: is all of it the article?
            markdown = _narrowed(element, markdown)
            if lead := missing_lead(doc, markdown):  # paragraphs above the part read
                markdown = "\n\n".join([*lead, markdown])
            length = len(clean_text(markdown))
        if length < MIN_BODY_CHARS:
            raise NotAnArticle("empty-body", f"{length} characters of text")
        return markdown

    def _agency(self, named: list[str], body: str) -> str | None:
        """The 来源 the page names; a dateline's agency (``新华社北京11月17日电``) instead when
        the page names none or only the site itself."""
        agency = next(iter(named), None)
        if agency is None or agency.startswith(self.source.display_name):
            return dateline_agency(plain_text(body)) or agency
        return agency

    # -- helpers ----------------------------------------------------------------------------
    def _page_data(self, doc: HtmlElement) -> PageData:
        """The outlet's page data (hydration JSON, JS variables); a page whose data has a shape
        the outlet's hook does not expect is read without it."""
        if not self.source.page_data:
            return {}
        try:
            data = self.source.page_data(doc)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
            self.warnings.append(f"page data unreadable ({type(exc).__name__}); read without it")
            return {}
        return data if isinstance(data, dict) else {}

    def _more_pages_linked(self) -> bool:
        """Whether the last page at hand links to a further page of the article (a multi-page
        article fetched in part). Each page's URL is the link the page before it gives."""
        url = self.url or _page_url(self.doc) or ""
        for doc in [self.doc, *self.more][:-1]:
            url = next_page_url(doc, url) or ""
        return bool(url and next_page_url(self.more[-1] if self.more else self.doc, url))

    def _title_from_body(self, body: str) -> str:
        """No title anywhere on the page of an outlet without rules: the body's first line."""
        if self.source.strict:
            raise NotAnArticle("no-title", "no headline, og:title or <title>")
        first = clean_text(plain_text(body.split("\n\n", 1)[0]))
        self.warnings.append("no title on the page; the body's first line stands in")
        return first[:60] + ("…" if len(first) > 60 else "")

    def _looks_like_article(self) -> bool:
        """Article metadata, or a paywall's notice (a teaser is short, but an article)."""
        if self.ld or self.signals.not_free or self.signals.teaser_marker:
            return True
        if meta(self.doc, "article:published_time"):
            return True
        return (meta(self.doc, "og:type") or "").lower() == "article"


#: a whole page's text this many times longer than its main block's holds more than the article
NARROW_RATIO = 1.5


def _narrowed(page: HtmlElement, markdown: str) -> str:
    """A whole page's text, or its main block's (boilerplate.py) when trafilatura kept much
    more than that block: the menus, replies and later posts of a table-laid page."""
    block = main_block(page)
    if block is None:
        return markdown
    if _text_size(markdown) <= NARROW_RATIO * _text_size(to_markdown(block)):
        return markdown
    block = copy.deepcopy(block)  # the block's own: the page stays whole
    remove_inner_link_lists(block)
    narrow = to_markdown(block)
    return narrow if len(clean_text(narrow)) >= MIN_BODY_CHARS else markdown


def _text_size(markdown: str) -> int:
    """Letters, digits and CJK characters of a text (no markup, spaces or punctuation)."""
    return len(_WORD_CHAR.findall(plain_text(markdown)))


def _prose_chars(markdown: str) -> int:
    """Characters of text in paragraphs long enough to be prose."""
    lengths = (len(clean_text(p)) for p in markdown.split("\n\n"))
    return sum(n for n in lengths if n >= MIN_PROSE_PARAGRAPH)
