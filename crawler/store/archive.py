"""The archive folder: post files + catalog, kept consistent. No Scrapy here.

Order of every write: the post file (atomically), then its catalog row, then the removal of a
file it replaces. A crash between two steps leaves a file the catalog does not know yet (found
again by the next run or ``reindex``), never a row without its file.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crawler.extract.article import Article
from crawler.extract.metadata import utc_now
from crawler.store.atomic import remove_stale_temp_files, write_atomic
from crawler.store.catalog import Catalog
from crawler.store.post import post_path, render_post
from crawler.store.site import ensure_site

logger = logging.getLogger(__name__)

NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"


@dataclass(frozen=True)
class Saved:
    outcome: str  # new | updated | unchanged
    path: Path


class Archive:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        ensure_site(self.root)
        for leftover in remove_stale_temp_files(self.root / "_posts"):
            logger.warning("removed a temp file left by an interrupted run: %s", leftover)
        self.catalog = Catalog(self.root / "catalog.db")

    def save(self, article: Article, fetched: datetime | None = None) -> Saved:
        """Write `article` unless the archive already has the same text for it."""
        fetched = fetched or utc_now()
        known = self.catalog.find(article.source, article.id)
        path = post_path(article)
        same = known and known["text_hash"] == article.text_hash and known["path"] == str(path)
        if same and (self.root / path).exists():
            return Saved(UNCHANGED, self.root / path)
        updated = fetched if known else None
        write_atomic(self.root / path, render_post(article, fetched, updated))
        self.catalog.record(
            {
                "url": article.url,
                "source": article.source,
                "id": article.id,
                "title": article.title,
                "published": article.published.isoformat(),
                "path": str(path),
                "text_hash": article.text_hash,
                "fetched": fetched.isoformat(),
                "updated": updated.isoformat() if updated else None,
                "bylines": article.bylines,
                "section": article.section,
                "lang": article.lang,
            }
        )
        if known and known["path"] != str(path):
            with contextlib.suppress(FileNotFoundError):
                (self.root / known["path"]).unlink()
        return Saved(UPDATED if known else NEW, self.root / path)

    def close(self) -> None:
        self.catalog.close()
