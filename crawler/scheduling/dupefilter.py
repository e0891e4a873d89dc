"""Request de-duplication on disk: no in-memory set that grows with the crawl.

Scrapy's RFPDupeFilter keeps every fingerprint of the run in a Python set. This one keeps them in
a small SQLite file: in JOBDIR when set (so a resumed crawl remembers them; written every
COMMIT_EVERY requests and at close), else in a temporary file removed at close. A lookup is one
indexed query; memory stays flat however many requests a backfill makes.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import Request
from scrapy.utils.job import job_dir

COMMIT_EVERY = 1000


class DiskDupeFilter(RFPDupeFilter):
    def __init__(self, path: str | None = None, debug: bool = False, *, fingerprinter=None):
        super().__init__(None, debug, fingerprinter=fingerprinter)
        self._tmp = None if path else tempfile.TemporaryDirectory(prefix="newsarchive-seen-")
        folder = Path(path or self._tmp.name)
        folder.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(folder / "requests.seen.sqlite", isolation_level="DEFERRED")
        self.db.execute("PRAGMA journal_mode = WAL" if path else "PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (fp BLOB PRIMARY KEY) WITHOUT ROWID")
        self._pending = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiskDupeFilter:
        return cls(
            job_dir(crawler.settings),
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
        )

    def request_seen(self, request: Request) -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO seen (fp) VALUES (?)", (self.fingerprinter.fingerprint(request),)
        )
        if cursor.rowcount == 0:
            return True
        self._pending += 1
        if self._pending >= COMMIT_EVERY:
            self.db.commit()
            self._pending = 0
        return False

    def close(self, reason: str) -> None:
        self.db.commit()
        self.db.close()
        if self._tmp is not None:
            self._tmp.cleanup()
