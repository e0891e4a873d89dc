"""Images kept: each article's lead image (and, with ``ARCHIVE_IMAGES = "all"``, the pictures
in its body) downloaded into ``ARCHIVE_DIR/assets/``, so the archive does not lose them when
the outlet's CDN moves them.

`ArticleImagesPipeline` is Scrapy's FilesPipeline, between extraction (300) and the archive
(500), with these differences:

- the file name is the SHA-1 of the *content* plus the extension of the type read from the
  content's first bytes (``/assets/<sha1>.<ext>``): FilesPipeline's default hashes the URL,
  so a CDN that moves a picture would store it twice, and a URL that changes content would
  overwrite it. The same picture under two URLs is one file;
- what is not a JPEG, PNG, GIF, WebP or AVIF image (an HTML error page served with 200, an
  SVG, which can carry scripts) is rejected; so is an image over ``IMAGES_MAX_BYTES`` (the
  ``download_maxsize`` of the request, and checked again for replayed responses) and every
  image of an article past ``IMAGES_MAX_PER_ARTICLE``;
- a failed image never fails its article: the article goes on with the image's original URL
  (hotlinked, as before), and the image is counted in the stats and the run report:
  ``newsarchive/images/downloaded``, ``newsarchive/images/failed/<reason>`` and
  ``newsarchive/images/skipped/<reason>``, one per image of an article, with a one-line log;
- every image request carries the article as Referer and may leave the spider's domains (a
  CDN); robots.txt is obeyed; redirects are followed. With ``REPLAY_WARC`` images come out of
  the WARC like every page (``failed/not-in-replay`` when they are not in it); with
  ``WARC_DIR`` they are recorded into it.

A worker of a distributed crawl (``REDIS_URL``) has no archive to write to: it downloads no
image, and the article keeps its image URLs.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import _MediaRequestFiltered
from scrapy.utils.datatypes import SequenceExclude
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.internet.error import TimeoutError as ConnectTimeout
from twisted.python.failure import Failure

from crawler.downloader.warc import REPLAY_FLAG
from crawler.extract.article import Article
from crawler.extract.sniff import binary_kind
from crawler.run.outcomes import describe
from crawler.store.archive import unwritable_reason
from crawler.store.atomic import inside, write_atomic
from crawler.store.publish_safety import http_url

logger = logging.getLogger(__name__)

#: ARCHIVE_IMAGES: the lead image only, every image, or none
MODES = ("lead", "all", "none")
#: the folder of the archived images, in the archive and in the site's URLs
ASSETS_DIR = "assets"
STATS = "newsarchive/images"
#: the image formats kept, as `binary_kind` names them -> their file extension
_EXTENSIONS = {"jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp", "avif": "avif"}


def image_type(data: bytes) -> str | None:
    """The file extension of the image `data` holds (jpg, png, gif, webp, avif), read from its
    first bytes (`binary_kind`); None when it is none of those (HTML, SVG, text, a truncated
    file)."""
    return _EXTENSIONS.get(binary_kind(data) or "")


def settings_problem(settings) -> str | None:
    """What is wrong with the image settings (a usage error), or None."""
    mode = str(settings.get("ARCHIVE_IMAGES") or "none").strip().lower()
    if mode not in MODES:
        return f"ARCHIVE_IMAGES must be one of {', '.join(MODES)}, not {mode!r}"
    for name in ("IMAGES_MAX_BYTES", "IMAGES_MAX_PER_ARTICLE"):
        try:
            value = settings.getint(name)
        except ValueError:
            return f"{name} must be a whole number, not {settings.get(name)!r}"
        if value < 0:
            return f"{name} must be 0 or more, not {value}"
    return None


class ImageFailed(_MediaRequestFiltered):
    """An image not archived; `reason` is a short stable key for the stats. (A subclass of
    the media pipelines' "filtered" error, which Scrapy logs without a traceback.)"""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def failure_reason(exc: BaseException) -> str:
    """The stats key of an image download that raised `exc`."""
    if isinstance(exc, ImageFailed):
        return exc.reason
    if isinstance(exc, IgnoreRequest):
        return "robots" if "robots.txt" in str(exc) else "ignored"
    name = type(exc).__name__
    if isinstance(exc, CancelledError) or name == "DownloadCancelledError":
        return "too-large"  # the only reason Scrapy cancels a download by itself
    if isinstance(exc, TimeoutError | ConnectTimeout) or "Timeout" in name:
        return "timeout"
    if isinstance(exc, DNSLookupError) or name == "CannotResolveHostError":
        return "dns"
    if isinstance(exc, ConnectError) or "Connection" in name:
        return "connection"
    return "download"


class ArticleImagesPipeline(FilesPipeline):
    MEDIA_NAME = "image"

    def __init__(self, archive_dir: str, crawler: Crawler):
        self.root = Path(archive_dir)
        super().__init__(str(self.root / ASSETS_DIR), crawler=crawler)
        settings = crawler.settings
        self.stats = crawler.stats
        self.mode = str(settings.get("ARCHIVE_IMAGES") or "none").strip().lower()
        self.max_bytes = settings.getint("IMAGES_MAX_BYTES")
        self.max_per_article = settings.getint("IMAGES_MAX_PER_ARTICLE")
        # a CDN often answers with a redirect: follow it (RedirectMiddleware), as for pages
        self.allow_redirects = True
        self.handle_httpstatus_list = SequenceExclude(range(300, 400))
        #: id(article) -> the (slot, url) of its image requests, in order, until completed
        self.slots: dict[int, list[tuple[int, str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleImagesPipeline:
        settings = crawler.settings
        problem = settings_problem(settings)
        if problem:  # the crawl command refuses it first (exit 2); here for other runners
            raise NotConfigured(problem)
        if str(settings.get("ARCHIVE_IMAGES")).strip().lower() == "none":
            raise NotConfigured("ARCHIVE_IMAGES is none")
        if settings.get("REDIS_URL"):
            logger.info("images are not downloaded by a worker (REDIS_URL): URLs kept")
            raise NotConfigured("a worker writes no archive")
        if not settings.get("ARCHIVE_DIR"):
            raise NotConfigured("ARCHIVE_DIR is empty")
        return cls(settings["ARCHIVE_DIR"], crawler)

    # -- which images ------------------------------------------------------------------------
    def wanted(self, article: Article) -> list[tuple[int, str]]:
        """``(slot, url)`` of the images to download: slot -1 is the lead image, slot n the
        n-th of ``article.images``; those past the limit or without an http(s) URL are
        counted as skipped."""
        candidates = [(-1, article.image)] if article.image else []
        if self.mode == "all":
            candidates += [(n, record.get("url")) for n, record in enumerate(article.images)]
        chosen = []
        for slot, url in candidates:
            if not http_url(url):
                self.count(article, "skipped/bad-url", url)
            elif self.max_per_article and len(chosen) >= self.max_per_article:
                self.count(article, "skipped/over-limit", url)
            else:
                chosen.append((slot, url))
        return chosen

    def get_media_requests(self, item: Any, info) -> list[Request]:
        if not isinstance(item, Article):
            return []
        slots, requests = [], []
        for slot, url in self.wanted(item):
            try:
                request = Request(
                    url,
                    callback=NO_CALLBACK,
                    headers={"Referer": item.url} if http_url(item.url) else None,
                    meta={
                        "download_maxsize": self.max_bytes,
                        "download_warnsize": 0,
                        "allow_offsite": True,  # images live on CDNs outside allowed_domains
                        "newsarchive_image": True,
                    },
                )
            except ValueError as exc:  # a URL Scrapy will not request
                self.count(item, "skipped/bad-url", url, describe(exc))
                continue
            slots.append((slot, url))
            requests.append(request)
        self.slots[id(item)] = slots
        return requests

    async def process_item(self, item: Any, spider=None) -> Any:
        """FilesPipeline's, but an error in it (a bug) costs the article its images, never the
        article itself."""
        if not isinstance(item, Article):
            return item
        try:
            return await super().process_item(item)
        except Exception as exc:  # noqa: BLE001 - one line, the traceback at DEBUG
            self.slots.pop(id(item), None)
            self.stats.inc_value(f"{STATS}/failed/error")
            logger.error("images of %s not archived: %s", item.url, describe(exc))
            logger.debug("traceback of the images of %s", item.url, exc_info=exc)
            return item

    def media_to_download(self, request: Request, info, *, item: Any = None) -> None:
        """Always download: the path is the content's hash, known only once it is here."""
        return None

    # -- one download ------------------------------------------------------------------------
    def media_failed(self, failure: Failure, request: Request, info):
        if isinstance(failure.value, ImageFailed):  # raised by media_downloaded
            raise failure.value
        raise ImageFailed(failure_reason(failure.value), describe(failure.value)[:160])

    async def media_downloaded(self, response: Response, request: Request, info, *, item=None):
        if response.status == 404 and REPLAY_FLAG in response.flags and not response.body:
            raise ImageFailed("not-in-replay")
        if response.status != 200:
            raise ImageFailed(f"http-{response.status}")
        body = response.body
        if self.max_bytes and len(body) > self.max_bytes:  # a replay has no download_maxsize
            raise ImageFailed("too-large", f"{len(body)} bytes")
        if not body:
            raise ImageFailed("empty")
        ext = image_type(body)
        if ext is None:
            kind = response.headers.get("Content-Type", b"").decode("latin-1") or "no type"
            raise ImageFailed("not-an-image", kind)
        digest = hashlib.sha1(body).hexdigest()  # noqa: S324 - a name, not a signature
        path = f"{digest}.{ext}"
        try:
            await maybe_deferred_to_future(threads.deferToThread(self.persist, path, body))
        except Exception as exc:  # noqa: BLE001 - one image not kept; the article goes on
            raise ImageFailed("save", unwritable_reason(exc) or describe(exc)) from None
        self.inc_stats("cached" if "cached" in response.flags else "downloaded")
        return {"url": request.url, "path": path, "checksum": digest, "status": "downloaded"}

    def persist(self, path: str, data: bytes) -> None:
        """Write ``assets/<path>`` unless it is there (same name, same content)."""
        relative = Path(ASSETS_DIR, path)
        if inside(self.root, relative).is_file():
            return
        write_atomic(self.root / relative, data, root=self.root)
        os.chmod(inside(self.root, relative), 0o644)  # a static file the site serves

    def file_path(self, request, response=None, info=None, *, item=None) -> str:
        """The content's SHA-1 and type (FilesPipeline's default hashes the URL)."""
        if response is None:
            raise ValueError("an image's path is known only from its content")
        body = response.body
        return f"{hashlib.sha1(body).hexdigest()}.{image_type(body) or 'bin'}"  # noqa: S324

    # -- the article -------------------------------------------------------------------------
    def item_completed(self, results: list, item: Any, info) -> Any:
        """The article with its images' local paths set; each image counted."""
        if not isinstance(item, Article):
            return item
        slots = self.slots.pop(id(item), [])
        images = [dict(record) for record in item.images]
        for (slot, url), (ok, value) in zip(slots, results, strict=False):
            if not ok:
                exc = value.value if isinstance(value, Failure) else value
                detail = getattr(exc, "detail", "") or ""
                self.count(item, f"failed/{failure_reason(exc)}", url, detail)
                continue
            local = f"/{ASSETS_DIR}/{value['path']}"
            if slot < 0:
                item.image_local = local
            else:
                images[slot]["local"] = local
            self.count(item, "downloaded", url)
        item.images = images
        return item

    def count(self, article: Article, outcome: str, url: Any, detail: str = "") -> None:
        self.stats.inc_value(f"{STATS}/{outcome}")
        if outcome == "downloaded":
            logger.debug("image of %s archived: %s", article.url, url)
            return
        shown = url if isinstance(url, str) and len(url) <= 200 else repr(url)[:200]
        detail = f" ({detail})" if detail else ""
        logger.info("image of %s not archived, %s: %s%s", article.url, outcome, shown, detail)
