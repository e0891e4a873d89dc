"""What the crawler knows about one outlet: where to start, what an article URL looks like,
what to cut out of its pages and where its fields live.

A source is plain data plus a few small hooks. The spider, the extractor and the store read it;
none of them knows any outlet by name.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta, timezone, tzinfo
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.urls import clean_url


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
    #: page-specific hook: fills fields the generic path cannot find (hydration JSON, JS vars):
    #: ``title``, ``published``, ``body_html``, ``section``, ``keywords``; ``bylines`` (the
    #: writers only: a list given, even empty, is final), ``agency`` (the 来源), ``editors``
    page_data: Callable[[HtmlElement], dict] | None = field(default=None, compare=False)
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
