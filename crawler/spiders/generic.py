"""``scrapy crawl news``: any outlet without a module, found through its feeds, sitemaps or
listing pages, and read by the generic path (JSON-LD, meta, htmldate, trafilatura).

Spider arguments (``-a``); at least one of ``feed``, ``sitemap``, ``start_urls``:
    feed=URL[,URL...]        RSS/Atom/RDF feeds: every item's link is an article
    sitemap=URL[,URL...]     sitemaps or sitemap indexes (followed), plain or gzipped, or a
                             site's robots.txt (its ``Sitemap:`` lines): every <loc> is an article
    start_urls=URL[,URL...]  listing pages, with
    allow=REGEX              links whose absolute URL matches REGEX (``re.search``) are
                             articles; with feeds and sitemaps it narrows their links too
    since=YYYY-MM-DD         only articles published on or after this date: by the date in the
                             URL, and in sitemaps by <news:publication_date> (else <lastmod>,
                             which also skips whole sitemaps of an index not changed since)
    until=YYYY-MM-DD         only articles published on or before this date (URL date,
                             <news:publication_date>)

Every article is read with the rules of its own site: the outlet module serving its host if
there is one, else `generic_source` -- posts go under a source named after the host
(``www.example.com`` -> ``example_com``); articles of several sites in one run give several
sources.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import scrapy
from lxml.etree import _Element
from scrapy.exceptions import UsageError
from scrapy.http import Response, TextResponse
from scrapy.spiders.sitemap import SitemapSpider, iterloc
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.extract.links import absolute_url, iter_anchors, iter_feed_items
from crawler.items import FetchedPage, NotModified
from crawler.sources import SOURCES, source_for_url
from crawler.sources.base import Source
from crawler.sources.generic import ANY_PATH, generic_source
from crawler.spiders.news import SourceSpider, split_arg

USAGE = (
    "scrapy crawl news needs where to start: -a feed=URL (RSS/Atom), -a sitemap=URL "
    "(sitemap, sitemap index or robots.txt), or -a start_urls=URL -a allow=REGEX "
    "(listing pages and which of their links are articles)"
)
_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


class NewsSitemap(Sitemap):
    """Scrapy's sitemap reader, plus each entry's ``<news:publication_date>`` (news sitemaps),
    which it leaves out: it keeps only the direct children of ``<url>``.

    No public hook sees the date (`sitemap_filter` gets the entries without it), so this
    overrides Scrapy's private per-element method, pinned in tests/test_upstream_private_apis.py.
    """

    def _process_sitemap_element(self, elem: _Element) -> dict[str, Any] | None:
        published = elem.xpath("./*[local-name()='news']/*[local-name()='publication_date']/text()")
        entry = super()._process_sitemap_element(elem)
        if entry is not None and published:
            entry["publication_date"] = published[0].strip()
        return entry


def day_of(value: str | None) -> date | None:
    """The calendar date a W3C datetime (``2024-03-01T08:00:00+08:00``) was written with."""
    m = _DAY.match(value or "")
    if not m:
        return None
    try:
        return date(*(int(g) for g in m.groups()))
    except ValueError:
        return None


class GenericNewsSpider(SourceSpider, SitemapSpider):
    """Any news site: articles from feeds, sitemaps or listing pages (see the module doc)."""

    name = "news"
    #: SourceSpider's one outlet; here each article gets its own site's (`source_for`). This
    #: stand-in claims no real host, so no page is taken for one of its articles.
    source = generic_source("https://news.invalid/")

    def __init__(
        self,
        *args: Any,
        feed: str | list[str] | None = None,
        sitemap: str | list[str] | None = None,
        start_urls: str | list[str] | None = None,
        allow: str | None = None,
        **kwargs: Any,
    ):
        self.feeds, self.sitemaps, listings, self.allow = self.check_arguments(
            feed=feed, sitemap=sitemap, start_urls=start_urls, allow=allow
        )
        super().__init__(*args, start_urls=listings, **kwargs)
        self._sites: dict[str, Source] = {}

    @staticmethod
    def check_arguments(
        feed: str | list[str] | None = None,
        sitemap: str | list[str] | None = None,
        start_urls: str | list[str] | None = None,
        allow: str | None = None,
        **_other_arguments: Any,
    ) -> tuple[list[str], list[str], list[str], re.Pattern[str] | None]:
        """(feeds, sitemaps, listing pages, allow) from the spider arguments, or UsageError
        saying what is missing (the crawl command can call this before starting a crawl)."""
        feeds, sitemaps, listings = split_arg(feed), split_arg(sitemap), split_arg(start_urls)
        if not (feeds or sitemaps or listings):
            raise UsageError(USAGE)
        if listings and not allow:
            raise UsageError(
                "start_urls=... needs allow=REGEX: which links on those pages are articles"
            )
        try:
            pattern = re.compile(allow) if allow else None
        except re.error as exc:
            raise UsageError(f"allow={allow!r} is no regular expression: {exc}") from None
        return feeds, sitemaps, listings, pattern

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for urls, callback in (
            (self.feeds, self.parse),
            (self.sitemaps, self.parse_sitemap),
            (self.start_urls, self.parse),
        ):
            for url in urls:
                yield scrapy.Request(
                    url, callback=callback, errback=self.request_failed, dont_filter=True
                )

    # -- which rules for which page ----------------------------------------------------------
    def source_for(self, url: str) -> Source:
        """The outlet module serving `url`'s host, else generic rules named after the host."""
        outlet = source_for_url(url)
        if outlet is not None and outlet.article_path is not ANY_PATH:  # not a generic one
            return outlet
        site = generic_source(url)
        site = self._sites.setdefault(site.name, site)
        # the pipelines look sources up by name (get_source): make this one known there
        SOURCES.setdefault(site.name, site)
        return site

    def is_article_link(self, url: str, kind: str) -> bool:
        """Feed items and sitemap entries are articles; listing links when `allow` says so."""
        if not absolute_url("", url) or urlsplit(url).scheme not in ("http", "https"):
            return False  # no URL at all ("http://[x"), or not a web page
        if self.allow is not None:
            return bool(self.allow.search(url))
        return kind != "listing"

    # -- discovery ---------------------------------------------------------------------------
    def article_links(self, response: TextResponse, kind: str) -> Iterator[str]:
        """The page's links that are articles (feed items; listing links `allow` matches), in
        page order, read lazily."""
        if kind == "feed":
            found = iter_feed_item_links(response)
        else:
            found = (a.href for a in iter_anchors(response.text) if a.tag == "a")
        for u in found:
            url = absolute_url(response.url, u) if u and u.strip() else None
            if url and self.is_article_link(url, kind):
                yield url

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """A sitemap index (its sitemaps followed), a sitemap (its articles), or robots.txt."""
        if urlsplit(response.url).path == "/robots.txt":
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                yield scrapy.Request(url, self.parse_sitemap, errback=self.request_failed)
            return
        body = self._get_sitemap_body(response)  # SitemapSpider's: gunzips .xml.gz
        sitemap = NewsSitemap(body) if body else None
        if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            self.logger.warning("skipped %s: not a sitemap", response.url)
            self.crawler.stats.inc_value("newsarchive/discovery/not_sitemap")
            return
        self.crawler.stats.inc_value("newsarchive/discovery/sitemap_pages")
        locs = iterloc(self.sitemap_filter(sitemap))
        if sitemap.type == "sitemapindex":
            for url in locs:
                yield scrapy.Request(url, self.parse_sitemap, errback=self.request_failed)
            return
        requests: dict[str, scrapy.Request] = {}
        for url in locs:
            request = self.is_article_link(url, "sitemap") and self.article_request(url)
            if request:
                requests.setdefault(request.meta["article_key"], request)
        self.crawler.stats.inc_value("newsarchive/discovery/article_links", len(requests))
        self.logger.info("sitemap %s: %d articles listed", response.url, len(requests))
        yield from requests.values()

    def sitemap_filter(self, entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Entries that may hold articles published between `since` and `until`."""
        for entry in entries:
            published = day_of(entry.get("publication_date"))
            changed = day_of(entry.get("lastmod"))
            if published:
                early = self.since and published < self.since
                late = self.until and published > self.until
            else:  # nothing changed since `since` was published after it
                early, late = self.since and changed and changed < self.since, False
            if early or late:
                self.crawler.stats.inc_value("newsarchive/discovery/out_of_range")
                continue
            yield entry

    # -- articles: filed under their own site's source ---------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any]:
        name = self._source_name(response)
        for item in super().parse_article(response):
            if isinstance(item, NotModified):
                item.source = name
            yield item

    def page_item(self, response: Response) -> FetchedPage:
        item = super().page_item(response)
        item.source = self._source_name(response)
        return item

    def _source_name(self, response: Response) -> str:
        """The source the article was requested under (``article_key`` = ``source:id``)."""
        key = response.meta.get("article_key") or ""
        return key.partition(":")[0] or self.source_for(response.url).name


def feed_item_links(response: TextResponse) -> list[str]:
    """The link of every item (RSS, RDF) or entry (Atom) of a feed (see
    `iter_feed_item_links`)."""
    return list(iter_feed_item_links(response))


def iter_feed_item_links(response: TextResponse) -> Iterator[str]:
    """The link of every item (RSS, RDF) or entry (Atom) of a feed, item by item; FeedBurner's
    ``origLink`` over its proxy link; a permalink ``guid`` when an item has no link.

    The document is read as XML whatever it was served as (``<link>`` is void in HTML), as a
    stream: a feed of any size is never held whole."""
    for item in iter_feed_items(response.text):
        for xpath in (
            "./*[local-name()='origLink']/text()",
            "./*[local-name()='link'][not(@rel) or @rel='alternate']/@href",
            "./*[local-name()='link']/text()",
            "./*[local-name()='guid'][not(@isPermaLink='false')]/text()",
        ):
            found = item.xpath(xpath)
            if found:
                yield str(found[0])
                break
