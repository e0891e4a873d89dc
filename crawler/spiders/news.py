"""The generic news spider: discovers article links on listing pages and feeds, fetches articles.

It knows no outlet: a `Source` (crawler/sources/) tells it where to start and what an article
URL looks like. Extraction happens in the pipelines, so the spider only hands over the raw page.

Spider arguments (``-a``):
    start_urls=URL[,URL...]  replace the outlet's default start points (listing pages or feeds;
                             an article URL is fetched as an article)
    since=YYYY-MM-DD         backfill: follow listing pages' "next page" links back to this
                             date, and fetch only articles published on or after it
    until=YYYY-MM-DD         with since: fetch only articles published on or before this date
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any, ClassVar

import scrapy
from lxml import etree
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.extract.links import (
    absolute_url,
    iter_anchors,
    iter_feed_items,
    text_chunks,
)
from crawler.extract.metadata import utc_now
from crawler.extract.pages import next_page_url
from crawler.items import FetchedPage, NotModified
from crawler.run.drift import listing_stat
from crawler.run.outcomes import failure_reason, request_failed
from crawler.sources.base import Source

_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:RDF", b"<?xml")
#: link texts of "next page" in listings
_NEXT_TEXTS = {
    "下一页",
    "下页",
    "下一頁",
    "后页",
    "後頁",
    "next",
    "next page",
    "older",
    "›",
    "»",
    ">",
}
_PAGE_PARAM = re.compile(r"([?&](?:page|p|pn|pageNo)=)(\d+)")


def item_links(item: etree._Element) -> list[str]:
    """Every link a feed item gives: ``<link>`` text and href, ``<guid>`` (any namespace)."""
    links = item.xpath("./*[local-name()='link']/text() | ./*[local-name()='link']/@href")
    return links + item.xpath("./*[local-name()='guid']/text()")


def split_arg(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if v.strip()]


def is_feed(response: Response) -> bool:
    """An RSS/Atom document, told from the bytes (sites mislabel feeds as text/html and back)."""
    head = response.body[:512].lstrip().lstrip(b"\xef\xbb\xbf")
    if not head.startswith(_FEED_ROOTS):
        return False
    window = response.body[:4096]
    return b"<rss" in window or b"<feed" in window or b"<rdf:RDF" in window


class SourceSpider(scrapy.Spider):
    """Base class; a subclass per outlet sets `name` and `source`."""

    source: ClassVar[Source]

    def __init__(
        self,
        *args: Any,
        start_urls: str | list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.start_urls = split_arg(start_urls) or list(self.source.start_urls)
        self.since = date.fromisoformat(since) if since else None
        self.until = date.fromisoformat(until) if until else None
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({since}) is after until ({until})")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            request = self.article_request(url)
            yield request or scrapy.Request(
                url, callback=self.parse, errback=self.request_failed, dont_filter=True
            )

    # -- discovery ---------------------------------------------------------------------------
    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request | FetchedPage]:
        """A listing page or a feed: follow every article link it mentions."""
        if self.source.article_id(response.url):  # a start point that turned out to be an article
            yield self.page_item(response)
            return
        if not isinstance(response, TextResponse):
            self.logger.warning("skipped %s: not a listing page or feed (binary)", response.url)
            self.crawler.stats.inc_value("newsarchive/discovery/not_text")
            return
        kind = "feed" if is_feed(response) else "listing"
        self.crawler.stats.inc_value(f"newsarchive/discovery/{kind}_pages")
        linked = self.linked_articles(response, kind)
        # per listing: the baseline of the run report's drift rule (crawler/run/drift.py)
        self.crawler.stats.set_value(listing_stat(self.source.name, response.url), len(linked))
        requests = [r for r in map(self.article_request, sorted(linked)) if r]
        self.crawler.stats.inc_value("newsarchive/discovery/article_links", len(requests))
        self.logger.info("%s %s: %d articles linked", kind, response.url, len(requests))
        yield from requests
        if kind == "listing" and self.since and requests:
            yield from self.next_pages(response, requests)

    def linked_articles(self, response: TextResponse, kind: str) -> list[str]:
        """One URL per article the page links (the smallest of its forms), for at most
        LISTING_MAX_LINKS articles: the page is read lazily and no further once that many are
        found, so a page of a million links costs no more than one of that many."""
        limit = self.settings.getint("LISTING_MAX_LINKS")
        chosen: dict[str, str] = {}
        for url in self.article_links(response, kind):
            source = self.source_for(url)
            article_id = source.article_id(url)
            if not article_id:
                continue
            key = f"{source.name}:{article_id}"
            if key in chosen:
                chosen[key] = min(chosen[key], url)
            elif limit and len(chosen) >= limit:
                self.crawler.stats.inc_value("newsarchive/discovery/links_cut")
                self.logger.warning(
                    "%s %s links more than LISTING_MAX_LINKS=%d articles: only the first %d taken",
                    kind,
                    response.url,
                    limit,
                    limit,
                )
                break
            else:
                chosen[key] = url
        return list(chosen.values())

    def next_pages(self, response: TextResponse, linked) -> Iterator[scrapy.Request]:
        """Backfill: the listing's next page, while this page still reaches back to `since`."""
        dates = [self.source.url_date(r.url) for r in linked]
        dates = [d for d in dates if d]
        if dates and min(dates) < self.since:
            return  # this page already goes back past `since`
        depth = response.meta.get("listing_page", 1)
        if depth >= self.settings.getint("BACKFILL_MAX_PAGES"):
            self.logger.warning("backfill stopped at %s: BACKFILL_MAX_PAGES reached", response.url)
            return
        for url in self.next_page_urls(response)[:1]:
            yield scrapy.Request(
                url,
                callback=self.parse,
                errback=self.request_failed,
                meta={"listing_page": depth + 1},
            )

    @staticmethod
    def next_page_urls(response: TextResponse) -> list[str]:
        """The listing's "next page" links: ``rel=next``, then links labelled next page, then
        links to the next page number (the page is read as a stream, its links one by one)."""
        m = _PAGE_PARAM.search(response.url)
        current = int(m.group(2)) if m else 1
        by_rel, by_text, by_number = [], [], []
        for anchor in iter_anchors(response.text, with_text=True):
            if anchor.rel == "next":
                by_rel.append(anchor.href)
            if anchor.tag != "a":
                continue
            text, label = anchor.text.lower(), anchor.label.lower()
            if text in _NEXT_TEXTS or label == "next page":
                by_text.append(anchor.href)
            m = _PAGE_PARAM.search(anchor.href)
            if m and int(m.group(2)) == current + 1:
                by_number.append(anchor.href)
        urls = [absolute_url(response.url, u) for u in by_rel + by_text + by_number]
        return [u for u in dict.fromkeys(urls) if u and u != response.url]

    def article_links(self, response: TextResponse, kind: str) -> Iterator[str]:
        """Absolute URLs the page mentions that may be articles, in page order (repeats
        included), read lazily: anchors, feed items, then any mention in the page's text
        (scripts, JSON props)."""
        if kind == "listing":
            found = (a.href for a in iter_anchors(response.text) if a.tag == "a")
        else:
            found = (link for item in iter_feed_items(response.text) for link in item_links(item))
        mentioned = map(self.source.article_urls_in, text_chunks(response.text))  # lazily
        for u in itertools.chain(found, itertools.chain.from_iterable(mentioned)):
            url = absolute_url(response.url, u) if u and u.strip() else None
            if url:  # never a ValueError on an href that is no URL ("http://[x")
                yield url

    def source_for(self, url: str) -> Source:
        """The rules for `url`: here always the spider's outlet; the generic spider
        (crawler/spiders/generic.py) picks them per site."""
        return self.source

    def article_request(self, url: str) -> scrapy.Request | None:
        """A request for the article at `url` (no query, no fragment), or None if it is none."""
        source = self.source_for(url)
        article_id = source.article_id(url)
        if not article_id:
            return None
        published = source.url_date(url)
        if published and (
            (self.since and published < self.since) or (self.until and published > self.until)
        ):
            self.crawler.stats.inc_value("newsarchive/discovery/out_of_range")
            return None
        return scrapy.Request(
            source.fetch_url(url),
            callback=self.parse_article,
            errback=self.request_failed,
            meta={"article_key": f"{source.name}:{article_id}", "article_id": article_id},
        )

    def request_failed(self, failure: Failure) -> None:
        """A request that finally failed (after retries), or was not fetched on purpose
        (robots.txt, already archived): its link's outcome is counted, the crawl goes on."""
        request_failed(self.crawler, failure, self.source_for(failure.request.url).name)

    # -- articles ----------------------------------------------------------------------------
    def parse_article(
        self, response: Response
    ) -> Iterator[FetchedPage | NotModified | scrapy.Request]:
        """An article page; a multi-page article's later pages are fetched in turn (each request
        carries the article so far) and the article goes on as one item with all its pages."""
        if response.status == 304:  # a revisit the server answered with "not modified"
            yield NotModified(
                url=response.url, source=self.source.name, id=response.meta["article_id"]
            )
            return
        item = response.meta.get("article_so_far")
        if item is None:
            item = self.page_item(response)
        else:
            item.pages.append(response.body)
        seen = [*response.meta.get("article_page_urls", [item.url]), response.url]
        next_url = self.next_article_page(response, item, seen)
        if next_url:
            yield scrapy.Request(
                next_url,
                callback=self.parse_article,
                errback=self.article_page_failed,
                meta={"article_so_far": item, "article_page_urls": seen},
                # never dropped as a duplicate: the article would be lost with it (`seen` and
                # ARTICLE_MAX_PAGES stop loops)
                dont_filter=True,
            )
            return
        yield item

    def next_article_page(
        self, response: Response, item: FetchedPage, seen: list[str]
    ) -> str | None:
        """The URL of the article's next page, or None (no more pages, or enough of them)."""
        if not isinstance(response, TextResponse):
            return None
        try:
            url = next_page_url(response.text, response.url)
        except (ValueError, etree.ParserError):
            return None
        if not url or url in seen:
            return None
        if 1 + len(item.pages) >= self.settings.getint("ARTICLE_MAX_PAGES"):
            self.logger.warning("%s: more pages than ARTICLE_MAX_PAGES; the rest is left", item.url)
            return None
        self.crawler.stats.inc_value("newsarchive/multipage/pages_followed")
        return url

    def article_page_failed(self, failure: Failure) -> Iterator[FetchedPage]:
        """A later page of a multi-page article failed: the pages at hand still go on (the
        extraction marks the article incomplete, its last page linking to one it lacks)."""
        item = failure.request.meta["article_so_far"]
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(f"newsarchive/multipage/page_failed/{reason}")
        self.logger.warning(
            "%s: page %s failed (%s); kept the pages before it",
            item.url,
            failure.request.url,
            reason,
        )
        yield item

    def page_item(self, response: Response) -> FetchedPage:
        return FetchedPage(
            url=response.url,
            source=self.source.name,
            body=response.body,
            headers={
                k.decode("latin-1"): b", ".join(v).decode("latin-1")
                for k, v in response.headers.items()
            },
            status=response.status,
            fetched=utc_now(),
            # set by the WARC recorder (WARC_DIR); a response made without a request has none
            warc_record=response.request.meta.get("warc_record") if response.request else None,
        )
