"""The SQLite catalog (``catalog.db``): one row per post file, schema changed only by migrations.

No Scrapy here. Rows are written after their file is in place, so a row never points at a
missing file; the catalog can be rebuilt from the post files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import NotFoundError


def _create_articles(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "url": str,
            "source": str,
            "id": str,
            "title": str,
            "published": str,
            "path": str,
            "text_hash": str,
            "fetched": str,
            "updated": str,
            "bylines": str,
            "section": str,
            "lang": str,
        },
        pk="url",
        not_null={"source", "id", "title", "published", "path", "text_hash", "fetched"},
    )
    db["articles"].create_index(["source", "id"], unique=True)
    db["articles"].create_index(["path"], unique=True)
    db["articles"].create_index(["source", "published"])
    db["articles"].create_index(["published"])


#: applied in order; the database's ``PRAGMA user_version`` counts those already applied
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_create_articles]


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the schema up to date; returns the schema version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.conn:
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)


class Catalog:
    """The ``articles`` table and the queries the crawler needs."""

    def __init__(self, path: Path | str):
        self.db = sqlite_utils.Database(path)
        if str(path) != ":memory:":
            self.db.enable_wal()
        self.db.execute("PRAGMA busy_timeout = 30000")
        migrate(self.db)

    def find(self, source: str, article_id: str) -> dict | None:
        rows = self.db.query(
            "select * from articles where source = ? and id = ?", [source, article_id]
        )
        return next(rows, None)

    def by_url(self, url: str) -> dict | None:
        try:
            return self.db["articles"].get(url)
        except NotFoundError:
            return None

    def record(self, row: dict) -> None:
        """Insert or replace the row of one article (keyed by source + id)."""
        row = {**row, "bylines": json.dumps(row.get("bylines") or [], ensure_ascii=False)}
        with self.db.conn:
            self.db.execute(
                "delete from articles where source = ? and id = ? and url != ?",
                [row["source"], row["id"], row["url"]],
            )
            self.db["articles"].upsert(row, pk="url")

    def count(self) -> int:
        return self.db["articles"].count

    def close(self) -> None:
        self.db.close()
