"""The generic news spider: discovers article links on listing pages and feeds, fetches articles.

It knows no outlet: a `Source` (crawler/sources/) tells it where to start and what an article
URL looks like. Extraction happens in the pipelines, so the spider only hands over the raw page.

Spider arguments (``-a``):
    start_urls=URL[,URL...]  replace the outlet's default start points (listing pages or feeds;
                             an article URL is fetched as an article)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.extract.metadata import utc_now
from crawler.items import FetchedPage
from crawler.sources.base import Source

_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:RDF", b"<?xml")


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

    def __init__(self, *args: Any, start_urls: str | list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.start_urls = split_arg(start_urls) or list(self.source.start_urls)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            request = self.article_request(url)
            yield request or scrapy.Request(url, callback=self.parse, dont_filter=True)

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
        links = self.article_links(response, kind)
        self.crawler.stats.inc_value(f"newsarchive/discovery/{kind}_pages")
        requests = {}
        for url in sorted(links):
            request = self.article_request(url)
            if request:
                requests.setdefault(request.meta["article_key"], request)
        self.logger.info("%s %s: %d articles linked", kind, response.url, len(requests))
        yield from requests.values()

    def article_links(self, response: TextResponse, kind: str) -> set[str]:
        """Article URLs from anchors, feed items, and any mention in scripts or JSON props."""
        found: set[str] = set()
        if kind == "listing":
            found.update(response.css("a::attr(href)").getall())
        else:
            found.update(response.xpath("//*[local-name()='link']/text()").getall())
            found.update(response.xpath("//*[local-name()='link']/@href").getall())
            found.update(response.xpath("//*[local-name()='guid']/text()").getall())
        found.update(self.source.article_urls_in(response.text))
        urls = {urljoin(response.url, u.strip()) for u in found if u and u.strip()}
        return {u for u in urls if self.source.article_id(u)}

    def article_request(self, url: str) -> scrapy.Request | None:
        """A request for the article at `url` (no query, no fragment), or None if it is none."""
        article_id = self.source.article_id(url)
        if not article_id:
            return None
        parts = urlsplit(url)
        clean = urlunsplit((parts.scheme or "https", parts.netloc, parts.path, "", ""))
        return scrapy.Request(
            clean,
            callback=self.parse_article,
            meta={"article_key": f"{self.source.name}:{article_id}", "article_id": article_id},
        )

    # -- articles ----------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        yield self.page_item(response)

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
        )
