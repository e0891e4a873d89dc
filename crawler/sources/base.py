"""What the crawler knows about one outlet: where to start, what an article URL looks like,
what to cut out of its pages and where its fields live.

A source is plain data plus a few small hooks. The spider, the extractor and the store read it;
none of them knows any outlet by name.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta, timezone, tzinfo
from typing import TypedDict, cast
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.sources.urls import clean_url


@dataclass(frozen=True)
class Source:
    #: short ASCII name: spider name, folder under _posts/, catalog `source` column
    name: str
    #: the publication's display name (front matter `author`, first tag and category)
    display_name: str
    #: hosts this outlet serves articles from (an article link on another host is ignored)
    domains: tuple[str, ...]
    #: default start points: listing pages and feeds
    start_urls: tuple[str, ...]
    #: matches an article URL's path; must define the named group `id` (and may define
    #: `variant`, appended to the id: ``<id>-<variant>``)
    article_path: re.Pattern[str]
    #: the scheme + host every canonical article URL uses
    canonical_base: str
    #: the outlet's own timezone (naive times on its pages are in this zone)
    tz: tzinfo = UTC
    #: language of the outlet's articles when the page does not say (BCP 47)
    lang: str | None = None
    #: CSS selectors of the element holding the body, tried in order
    body_selectors: tuple[str, ...] = ()
    #: CSS selectors of elements removed before anything is read from the body
    junk_selectors: tuple[str, ...] = ()
    #: CSS selectors of the headline, tried before JSON-LD / og:title
    title_selectors: tuple[str, ...] = ("h1",)
    #: CSS selectors of keyword links (相关热词 and the like)
    keyword_selectors: tuple[str, ...] = ()
    #: CSS selectors of byline text ("作者：..."), read by the role parser
    #: (crawler/sources/roles.py): 作者/记者 -> bylines, 来源 -> agency, 责编 -> editors
    byline_selectors: tuple[str, ...] = ()
    #: CSS selectors of the section name (breadcrumb)
    section_selectors: tuple[str, ...] = ()
    #: CSS selectors of the lead image's container (img + caption)
    lead_image_selectors: tuple[str, ...] = ()
    #: True: the query string is part of an article's identity (generic sites: ``?id=123``);
    #: False: article URLs are identified by their path alone and lose any query
    keep_query: bool = False
    #: True: the article's own host is canonical (outlets with per-channel hosts such as
    #: culture.people.com.cn); False: `canonical_base` replaces the host (site editions)
    keep_host: bool = False
    #: True: a page without the body markup or article metadata is no article (listing pages);
    #: False (generic rules): any page where enough text is found is taken as an article
    strict: bool = True
    #: regexes of paragraph text that is promotion, not article (延伸阅读, app promos, ...)
    junk_text: tuple[str, ...] = ()
    #: page-specific hook: fills the fields the generic path cannot find (hydration JSON, JS
    #: vars, the markup's own byline): a `PageData` (below), only the keys it names
    page_data: PageHook | None = field(default=None, compare=False)
    #: page-specific hook run on the body element before it is turned into text
    fix_body: Callable[[HtmlElement], None] | None = field(default=None, compare=False)
    #: takes the production credits (策划：..., 记者：...) out of the cleaned body element and
    #: returns them (``crawler.sources.credits.trailing_credits``): the article's ``credits``
    take_credits: Callable[[HtmlElement], list[str]] | None = field(default=None, compare=False)

    def matches_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def article_id(self, url: str) -> str | None:
        """The stable id of the article at `url`, or None when `url` is no article of ours.

        Ids name post files: one that is not short plain ASCII (or a URL whose query is part of
        its identity) becomes ``u`` + 15 hex digits of the canonical URL's SHA-1.
        """
        found = self.raw_article_id(url)
        if found is None:
            return None
        if self.keep_query or not SAFE_ID.fullmatch(found):
            return "u" + hashlib.sha1(self._canonical(url).encode()).hexdigest()[:15]
        return found

    def raw_article_id(self, url: str) -> str | None:
        """The id as the URL spells it (group `id`, plus `-<variant>`); outlets whose ids need
        more work override this."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "") or not self.matches_host(parts.hostname or ""):
            return None
        m = self.article_path.fullmatch(parts.path.rstrip("/") or "/")
        if not m:
            return None
        variant = m.groupdict().get("variant")  # e.g. BBC's simp/trad editions of one story
        return f"{m.group('id')}-{variant}" if variant else m.group("id")

    def url_date(self, url: str) -> date | None:
        """The date an article URL carries (``story20211118-...``, ``/2023-11/17/``,
        ``/n1/2019/0615/``, CNA's ``202101150053``: a date and a serial), if any. Digits inside
        a longer number are no date (RFA's ``12272020230732`` is month, day, year, time).

        The one answer to "what date does this URL say": the spider's --since/--until and the
        extractor's last resort for a page that states no date both read it."""
        m = _URL_DATE.search(urlsplit(url).path)
        if not m:
            return None
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None

    def article_urls_in(self, text: str) -> set[str]:
        """Every article path of this outlet mentioned anywhere in `text` (markup, JSON, scripts).

        Absolute URLs on another host are left out; relative paths are returned as they are.
        """
        text = text.replace("\\/", "/").replace("\\u002F", "/").replace("\\u002f", "/")
        found = set()
        for m in _ARTICLE_PATH_IN_TEXT(self.article_path).finditer(text):
            host = m.group("host")
            if host and not self.matches_host(host):
                continue
            found.add((f"https://{host}" if host else "") + m.group("path"))
        return found

    def canonical_url(self, url: str) -> str | None:
        """One URL per article: the outlet's canonical scheme and host, no fragment, no tracking
        parameters (no query at all unless `keep_query`), no trailing slash.

        The same story on another edition of the site, or with tracking parameters, maps to the
        same canonical URL.
        """
        if self.article_id(url) is None:
            return None
        return self._canonical(url)

    def fetch_url(self, url: str) -> str:
        """`url` as it should be requested: its own host, without what does not name the page."""
        return clean_url(url, keep_query=self.keep_query)

    def _canonical(self, url: str) -> str:
        parts = urlsplit(clean_url(url, keep_query=self.keep_query))
        base = f"https://{parts.hostname}" if self.keep_host else self.canonical_base
        return base + parts.path + (f"?{parts.query}" if parts.query else "")


#: one URL path segment, also where the URL stands in markup or text (no quote, space or <):
#: for `article_path` patterns with a free-form slug before the id
PATH_SEGMENT = r"[^/\s<>\"'?#&]+"
#: what an article id may look like: it names the post file
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
#: a date in a URL: not inside a longer number, but may lead a time or serial (12 or 14 digits)
_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/]?(\d{2})[-/]?(\d{2})(?:\d{4}|\d{6})?(?!\d)")


def _article_path_in_text(path: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(
        r"(?:https?:)?(?://(?P<host>[a-z0-9.-]+))?(?P<path>"
        + re.sub(r"\(\?P<\w+>", "(?:", path.pattern)
        + r")(?![\w-])",
        re.I,
    )


_ARTICLE_PATH_IN_TEXT = functools.lru_cache(maxsize=64)(_article_path_in_text)

#: the outlet's own timezone for outlets in China, Singapore, Taiwan, Hong Kong
UTC8 = timezone(timedelta(hours=8))


# -- the outlet hooks' contract, and the reading every outlet module shares ----------------------
# (an outlet module declares its Source and keeps only what is its own: its markup's quirks)


class PageData(TypedDict, total=False):
    """What an outlet's ``page_data`` hook found on one page: only what the generic path
    (selectors, JSON-LD, ``<meta>``) cannot find, each key left out when the page does not say.
    The extractor reads these keys and no other; a hook returns no other."""

    #: the headline
    title: str
    #: the publish time as the page gives it (``2023-11-17 15:13``, ISO 8601): a time without
    #: an offset is in the outlet's ``tz``
    published: str
    #: the whole body as HTML (hydration JSON, hidden fields): read instead of the body markup
    body_html: str
    #: the section's name
    section: str
    #: the story's keywords (added to those of the page's markup and metadata)
    keywords: list[str]
    #: the writers only: a list given, even empty, is final (the page's author metadata is not
    #: read then)
    bylines: list[str]
    #: the publication the story comes from (来源): another newsroom, or the site itself
    agency: str
    #: the editors (责任编辑): given, they are final
    editors: list[str]


#: an outlet's page hook (``Source.page_data``)
PageHook = Callable[[HtmlElement], PageData]


def folded_text(el: HtmlElement) -> str:
    """The element's text, white space folded to single spaces."""
    return " ".join(el.text_content().split())


def texts(doc: HtmlElement, selector: str) -> list[str]:
    """The text of every element `selector` finds, in page order (empty ones too)."""
    return [folded_text(el) for el in doc.cssselect(selector)]


def first_text(doc: HtmlElement, selectors: tuple[str, ...], *, first_match: bool = False) -> str:
    """The first text any element of `selectors` holds (tried in order), or ``""``.

    `first_match`: only each selector's first element counts, for a selector that also matches
    elsewhere on the page (``[class^='time-']`` in the related-story lists too): an empty
    header is no reason to read the time of another story."""
    for selector in selectors:
        for el in doc.cssselect(selector)[:1] if first_match else doc.cssselect(selector):
            text = folded_text(el)
            if text:
                return text
    return ""


def first_paragraphs(doc: HtmlElement, selectors: tuple[str, ...]) -> Iterator[str]:
    """The first paragraph with text of each body `selectors` find (tried in order): where a
    story names its writers (``【文/观察者网 许岩】``) or its dateline (``新华社北京11月17日电``)."""
    for selector in selectors:
        for body in doc.cssselect(selector):
            first = next((p for p in body.iter("p") if p.text_content().strip()), None)
            if first is not None:
                yield folded_text(first)


def labelled(lines: Iterable[str], label: str) -> str:
    """What the first line that starts with ``<label>：`` says after it (``来源：新华社`` ->
    ``新华社``), or ``""``."""
    return next(
        (line.split("：", 1)[1].strip() for line in lines if line.startswith(f"{label}：")), ""
    )


#: a date as Chinese pages print it, its time optional: ``2023-11-17``, ``2023-11-17 15:13:05``
PRINTED_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
#: the same with its time: ``2023-11-17 15:13``
PRINTED_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}(?::\d{2})?")


def printed_date(
    candidates: Iterable[str], pattern: re.Pattern[str] = PRINTED_DATE_TIME
) -> str | None:
    """The first date (with its time, by default) any of the texts prints, as printed."""
    return next((m.group(0) for text in candidates if (m := pattern.search(text))), None)


def edit_meta(doc: HtmlElement, names: tuple[str, ...], edit: Callable[[str], str]) -> None:
    """Rewrite the content of the page's ``<meta name=...>`` tags before the generic path reads
    them (a description that opens with a promo line, keywords split by spaces)."""
    for name in names:
        for el in doc.xpath("//meta[@name=$n]", n=name):
            content = el.get("content") or ""
            edited = edit(content)
            if edited != content:
                el.set("content", edited)


def string_fields(record: dict, names: dict[str, tuple[str, ...]]) -> PageData:
    """For each field, the first of its `names` that holds a string in `record` (a story's
    record in the page's JSON: ``{"title": ("name", "headline")}``); empty strings left out."""
    found = {}
    for key, keys in names.items():
        value = next((record[n] for n in keys if isinstance(record.get(n), str)), None)
        if value:
            found[key] = value
    return cast(PageData, found)


#: the longest id an outlet makes of a URL (`SAFE_ID` takes no longer one)
MAX_ID = 80


def capped_id(text: str) -> str:
    """An id an outlet composes from a URL's parts (``20210115-slug``), cut to `MAX_ID`."""
    return text[:MAX_ID].rstrip("-")
