"""Test-only faults injected into a `scrapy crawl` child process (tests/hostile/test_save_*.py).

`Faults` is an extension: the test puts this folder on PYTHONPATH, adds
``"save_faults.Faults": 0`` to EXTENSIONS and names the faults in NEWSARCHIVE_TEST_FAULTS
(comma-separated ``kind:argument``):

- ``enospc:N`` / ``erofs:N``: fsync of a post file fails with ENOSPC / EROFS once N posts are
  written (what a full or read-only file system does to the next write);
- ``runs-enospc:0``: every write under ``_runs/`` fails with ENOSPC (no room for the report);
- ``warc-enospc:N``: writing a WARC record fails with ENOSPC after N records;
- ``open-erofs:0``: opening the archive fails with EROFS (a file system remounted read-only);
- ``sqlite-full:N``: after N saved articles the catalog may not grow by a page (``PRAGMA
  max_page_count``): SQLite's own "database or disk is full";
- ``extract-error:WORDS`` / ``save-error:WORDS`` / ``spider-error:WORDS``: extracting,
  rendering the post of, or reading in the spider a URL containing one of WORDS
  (``|``-separated) raises ValueError (a bug met by one article).
"""

from __future__ import annotations

import errno
import os

from scrapy.crawler import Crawler

ENV = "NEWSARCHIVE_TEST_FAULTS"


def _path_of(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def _fail_fsync(kind: str, after: int) -> None:
    real_fsync = os.fsync
    code = {"enospc": errno.ENOSPC, "erofs": errno.EROFS, "runs-enospc": errno.ENOSPC}[kind]
    folder = "/_runs/" if kind == "runs-enospc" else "/_posts/"
    written = [0]

    def fsync(fd: int) -> None:
        path = _path_of(fd)
        if folder in path and os.path.basename(path).startswith(".tmp-"):
            if written[0] >= after:
                raise OSError(code, os.strerror(code), path)
            written[0] += 1
        real_fsync(fd)

    os.fsync = fsync


def _fail_warc(after: int) -> None:
    from crawler.downloader.warc import WarcRecorderMiddleware

    real_write = WarcRecorderMiddleware._write
    records = [0]

    def write(self, record):
        if records[0] >= after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        records[0] += 1
        return real_write(self, record)

    WarcRecorderMiddleware._write = write


def _fail_open() -> None:
    from crawler.store.archive import Archive

    def refuse(self, root, *args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(root))

    Archive.__init__ = refuse


def _fill_catalog(after: int) -> None:
    from crawler.store.archive import Archive

    real_save_many = Archive.save_many
    saves = [0]

    def save_many(self, items, *args, **kwargs):
        before = max(0, min(len(items), after - saves[0]))  # saved before the catalog is full
        saves[0] += len(items)
        results = real_save_many(self, items[:before], *args, **kwargs) if before else []
        if before < len(items):
            if saves[0] - len(items) + before == after:  # the limit is set once, here
                conn = self.catalog.db.conn
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count = {pages}")
            results += real_save_many(self, items[before:], *args, **kwargs)
        return results

    Archive.save_many = save_many  # Archive.save is a batch of one


def _hit(words: str, url: str) -> bool:
    return any(word in url for word in words.split("|"))


def _fail_extraction(words: str) -> None:
    import crawler.pipelines.extraction_pool as pool

    real_extract = pool._extract

    def extract(body, url, *args):
        if _hit(words, url):
            raise ValueError(f"test fault: extraction of {url}")
        return real_extract(body, url, *args)

    pool._extract = extract


def _fail_spider(words: str) -> None:
    from crawler.spiders.news import SourceSpider

    real_page_item = SourceSpider.page_item

    def page_item(self, response):
        if _hit(words, response.url):
            raise ValueError(f"test fault: reading {response.url}")
        return real_page_item(self, response)

    SourceSpider.page_item = page_item


def _fail_save(words: str) -> None:
    import crawler.store.archive as archive

    real_render = archive.render_post

    def render_post(article, *args, **kwargs):
        if _hit(words, article.url):
            raise ValueError(f"test fault: rendering {article.url}")
        return real_render(article, *args, **kwargs)

    archive.render_post = render_post


class Faults:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Faults:
        for fault in filter(None, os.environ.get(ENV, "").split(",")):
            kind, _, argument = fault.partition(":")
            if kind in ("enospc", "erofs", "runs-enospc"):
                _fail_fsync(kind, int(argument))
            elif kind == "warc-enospc":
                _fail_warc(int(argument))
            elif kind == "open-erofs":
                _fail_open()
            elif kind == "sqlite-full":
                _fill_catalog(int(argument))
            elif kind == "extract-error":
                _fail_extraction(argument)
            elif kind == "save-error":
                _fail_save(argument)
            elif kind == "spider-error":
                _fail_spider(argument)
            else:
                raise ValueError(f"{ENV}: unknown fault {fault!r}")
        return cls()
