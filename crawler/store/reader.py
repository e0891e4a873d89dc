"""Reading an archive: articles with filters, one post by id, URL or path, full-text search.

No Scrapy here, and nothing is written: the catalog is opened read-only. Everything streams, so
iterating over a large archive holds one article in memory at a time::

    from crawler.store.reader import Reader

    with Reader("archive") as archive:
        for post in archive.articles(source="zaobao", since="2024-06-01", query="台湾"):
            print(post.meta["title"], len(post.body))
        xinhua = list(archive.rows(agency="新华社"))  # every outlet's 新华社 stories
        hits = archive.search("選舉", limit=5)
        post = archive.load("story20240521-3615828")
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from crawler.store.atomic import read_inside
from crawler.store.catalog import MIGRATIONS, Catalog
from crawler.store.post import parse_post
from crawler.store.search import Query, ranked, run_query, snippet

#: columns the search query adds to an article row
_SEARCH_COLUMNS = ("ntitle", "nbody", "score")

Day = date | datetime | str | None


@dataclass(frozen=True)
class Post:
    """One post file: its path (relative to the archive), front matter and body."""

    path: str
    meta: dict
    body: str

    @classmethod
    def read(cls, root: Path, path: str) -> Post:
        """Raises FileNotFoundError, OutsideArchive (a symlink on the way: an OSError), or
        ValueError when the front matter is broken."""
        meta, body = parse_post(read_inside(root, path))
        return cls(path, meta, body)

    def record(self) -> dict:
        """Every front-matter key (times as ISO 8601 strings), then ``body`` and ``path``."""
        data = {k: v.isoformat() if isinstance(v, date) else v for k, v in self.meta.items()}
        return {**data, "body": self.body, "path": self.path}


@dataclass(frozen=True)
class Hit:
    """One search result; `score` orders hits (lower is better)."""

    source: str
    id: str
    title: str
    published: str
    url: str
    path: str
    bylines: list[str]
    snippet: str
    score: float
    #: the agency the story comes from (来源), when the page named one
    agency: str | None = None

    def record(self) -> dict:
        return dict(self.__dict__)


def day_bounds(since: Day, until: Day) -> tuple[str | None, str | None]:
    """(inclusive lower, exclusive upper) ISO bounds on ``published``; a day `until` counts
    whole. Times compare in each outlet's own timezone, as the paths' dates do."""

    def iso(value: Day) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        return value.isoformat()

    low, high = iso(since), iso(until)
    try:
        if high and "T" not in high:
            high = (date.fromisoformat(high) + timedelta(days=1)).isoformat()
        elif high:  # a time: inclusive, so anything below the next second
            high = (datetime.fromisoformat(high) + timedelta(seconds=1)).isoformat()
    except OverflowError:  # until the last day there is: no upper bound
        high = None
    return low, high


def filters(
    source: str | None = None, since: Day = None, until: Day = None, agency: str | None = None
) -> tuple[list, list]:
    """SQL conditions on the ``articles`` table (aliased ``a``) and their parameters. `agency`
    matches the article's agency (来源) whole, letter case aside (``新华社``, ``AFP``)."""
    where, params = [], []
    if source:
        where.append("a.source = ?")
        params.append(source)
    if agency:
        where.append("a.agency = ? collate nocase")
        params.append(agency.strip())
    low, high = day_bounds(since, until)
    if low:
        where.append("a.published >= ?")
        params.append(low)
    if high:
        where.append("a.published < ?")
        params.append(high)
    return where, params


def where_clause(where: list[str]) -> str:
    """`filters`' conditions as a SQL ``where`` clause ("" when there are none)."""
    return " where " + " and ".join(where) if where else ""


class Reader:
    """An archive folder opened for reading (the post files and ``catalog.db``)."""

    def __init__(self, archive_dir: Path | str):
        self.root = Path(archive_dir)
        path = self.root / "catalog.db"
        if not path.is_file():
            raise FileNotFoundError(f"no catalog in {self.root} (is it an archive folder?)")
        self.catalog = Catalog(path, readonly=True)
        self.db = self.catalog.db
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version < len(MIGRATIONS):
            self.close()
            raise LookupError(
                f"{path} is from an older newsarchive (schema {version} of {len(MIGRATIONS)}): "
                "`newsarchive reindex` or the next crawl upgrades it"
            )

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.catalog.close()

    # -- catalog rows ---------------------------------------------------------------------------
    def rows(
        self,
        source: str | None = None,
        since: Day = None,
        until: Day = None,
        query: str = "",
        agency: str | None = None,
    ) -> Iterator[dict]:
        """Catalog rows of the matching articles, oldest first (``bylines`` as a list)."""
        where, params = filters(source, since, until, agency)
        if query:
            cursor = run_query(self.db, Query.parse(query), where, params)
        else:
            sql = "select a.* from articles a" + where_clause(where)
            cursor = self.db.execute(sql + " order by a.published, a.source, a.id", params)
        columns = [d[0] for d in cursor.description]
        for values in cursor:
            row = dict(zip(columns, values, strict=True))
            for name in _SEARCH_COLUMNS:
                row.pop(name, None)
            yield _decoded(row)

    def count(
        self,
        source: str | None = None,
        since: Day = None,
        until: Day = None,
        query: str = "",
        agency: str | None = None,
    ) -> int:
        """How many articles `rows` would yield."""
        if query:
            return sum(1 for _ in self.rows(source, since, until, query, agency))
        where, params = filters(source, since, until, agency)
        sql = "select count(*) from articles a" + where_clause(where)
        return self.db.execute(sql, params).fetchone()[0]

    # -- posts ----------------------------------------------------------------------------------
    def articles(
        self,
        source: str | None = None,
        since: Day = None,
        until: Day = None,
        query: str = "",
        agency: str | None = None,
    ) -> Iterator[Post]:
        """The posts of the matching articles, oldest first, read one at a time. A row whose
        file is missing or broken is skipped (``newsarchive verify`` reports it)."""
        for row in self.rows(source, since, until, query, agency):
            try:
                yield Post.read(self.root, row["path"])
            except (OSError, ValueError):  # missing, or reached through a symlink
                continue

    def load(self, key: str, source: str | None = None) -> Post:
        """One post by article id (``story20240521-3615828``), URL (canonical, or an alias) or
        path (relative to the archive, or absolute). KeyError when there is none."""
        path = self._path_of(key, source)
        try:
            return Post.read(self.root, path)
        except FileNotFoundError:
            raise KeyError(f"{key}: the post file {path} is missing") from None

    def _path_of(self, key: str, source: str | None) -> str:
        if key.startswith(("http://", "https://")):
            row = self.catalog.by_url(key)
            alias = None if row else self.catalog.alias(key)
            if alias:
                row = self.catalog.find(alias["source"], alias["id"])
            if row:
                return row["path"]
            raise KeyError(f"no article with URL {key}")
        if key.endswith(".md") or "/" in key:
            candidate = Path(key)
            if candidate.is_absolute():
                candidate = candidate.resolve().relative_to(self.root.resolve())
            return candidate.as_posix()
        sql, params = "select source, path from articles where id = ?", [key]
        if source:
            sql, params = sql + " and source = ?", [key, source]
        found = self.db.execute(sql, params).fetchall()
        if not found:
            raise KeyError(f"no article with id {key}")
        if len(found) > 1:
            names = ", ".join(sorted(s for s, _ in found))
            raise KeyError(f"id {key} is in several sources ({names}): name the source")
        return found[0][1]

    # -- search ---------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        source: str | None = None,
        since: Day = None,
        until: Day = None,
        limit: int = 20,
        agency: str | None = None,
    ) -> list[Hit]:
        """The best `limit` matches of `query` (in either script), best first."""
        parsed = Query.parse(query)
        if not parsed.terms:
            return []
        where, params = filters(source, since, until, agency)
        try:
            rows = ranked(self.db, parsed, where, params, limit=limit)
        except sqlite3.OperationalError as exc:
            raise ValueError(f"cannot search for {query!r}: {exc}") from exc
        hits = []
        for row in rows:
            row = _decoded(row)
            try:
                body = Post.read(self.root, row["path"]).body
            except (OSError, ValueError):
                body = row["nbody"]
            hits.append(
                Hit(
                    source=row["source"],
                    id=row["id"],
                    title=row["title"],
                    published=row["published"],
                    url=row["url"],
                    path=row["path"],
                    bylines=row["bylines"],
                    snippet=snippet(body, parsed.terms, row["nbody"]),
                    score=round(float(row["score"]), 4),
                    agency=row.get("agency"),
                )
            )
        return hits


def _decoded(row: dict) -> dict:
    if isinstance(row.get("bylines"), str):
        try:
            row["bylines"] = json.loads(row["bylines"])
        except ValueError:
            row["bylines"] = [row["bylines"]]
    return row
