"""The SQLite catalog (``catalog.db``): one row per post file, schema changed only by migrations.

No Scrapy here. Rows are written after their file is in place, so a row never points at a
missing file; the catalog can be rebuilt from the post files.

Tables: ``articles`` (one row per post), ``revisions`` (earlier texts of rewritten posts),
``aliases`` (other URLs whose text is an archived article's), ``runs`` (one row per crawl run)
``pending`` (the write journal: posts being written right now, see store/archive.py) and
``texts`` with its FTS5 index ``texts_fts`` (the searchable text, see store/search.py).

Migrations are history: a step never changes once released (a later step converts).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import NotFoundError

from crawler.store import search
from crawler.store.atomic import OutsideArchive
from crawler.store.catalog_file import (  # noqa: F401  (re-exported)
    CATALOG_NAME,
    DAMAGED,
    CatalogDamaged,
    connect_readonly,
    is_damage,
    quick_check,
    readonly_uri,
)

logger = logging.getLogger(__name__)


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


def _incremental_crawling(db: sqlite_utils.Database) -> None:
    """Validators and last check per article; revisions, aliases, runs, the write journal."""
    for column in ("etag", "last_modified", "checked"):
        db["articles"].add_column(column, str)
    db["articles"].create_index(["text_hash"])
    db["revisions"].create(
        {
            "revision": int,
            "url": str,
            "source": str,
            "id": str,
            "title": str,
            "published": str,
            "text_hash": str,
            "fetched": str,
            "replaced": str,
            "post": str,
        },
        pk="revision",
    )
    db["revisions"].create_index(["source", "id"])
    db["aliases"].create(
        {"url": str, "source": str, "id": str, "text_hash": str, "found": str}, pk="url"
    )
    db["aliases"].create_index(["source", "id"])
    db["runs"].create(
        {
            "id": str,
            "started": str,
            "finished": str,
            "status": str,
            "exit_code": int,
            "requests": int,
            "new": int,
            "updated": int,
            "unchanged": int,
            "skipped": int,
            "failed": int,
            "report": str,
        },
        pk="id",
    )
    db["pending"].create({"path": str, "old_path": str, "source": str, "id": str}, pk="path")


def _search(db: sqlite_utils.Database) -> None:
    """Full-text search (``texts`` + ``texts_fts``), body length and guessed-date columns.

    Articles archived before this step get their text indexed when the archive is next opened
    for writing (`Archive` reads their files) or by ``newsarchive reindex``.
    """
    db["articles"].add_column("chars", int)
    db["articles"].add_column("date_source", str)
    db["texts"].create(
        {"source": str, "id": str, "url": str, "title": str, "body": str},
        pk=("source", "id"),
        not_null={"url", "title", "body"},
    )
    # the first index: trigrams, kept in step by triggers (replaced by _bigram_search)
    db.execute(
        "create virtual table [texts_fts] using fts5 ([title], [body], tokenize='trigram', "
        "content=[texts])"
    )
    fts, columns = "[texts_fts]", "rowid, [title], [body]"
    old, new = "old.rowid, old.[title], old.[body]", "new.rowid, new.[title], new.[body]"
    delete = f"insert into {fts} ({fts}, {columns}) values ('delete', {old});"
    insert = f"insert into {fts} ({columns}) values ({new});"
    for suffix, when, actions in (
        ("ai", "after insert", insert),
        ("ad", "after delete", delete),
        ("au", "after update", delete + " " + insert),
    ):
        db.execute(f"create trigger [texts_{suffix}] {when} on [texts] begin {actions} end")


def _agency(db: sqlite_utils.Database) -> None:
    """The agency a story comes from (来源: 新华社, 中新网), to find its stories across outlets.

    Articles archived before this step have none until they are re-extracted
    (``newsarchive reextract``) or reindexed from post files that name one."""
    db["articles"].add_column("agency", str)
    db["articles"].create_index(["agency"])


def _bigram_search(db: sqlite_utils.Database) -> None:
    """Search by CJK n-grams (store/search.py) instead of trigrams + a scan: the trigram index
    and its triggers go, the new index is built from the stored text (no post file is read)."""
    for suffix in ("ai", "ad", "au"):
        db.execute(f"drop trigger if exists [texts_{suffix}]")
    db.execute("drop table if exists [texts_fts]")
    search.create_index(db)
    if count := db["texts"].count:  # a new catalog has nothing to index: nothing to say
        logger.info("building the n-gram search index of %d articles", count)
    rows = db.execute("select rowid, title, body from texts")
    while batch := rows.fetchmany(1000):
        search.index_rows(db, batch)


#: page size of a new catalog file
PAGE_SIZE = 16384

#: applied in order; the database's ``PRAGMA user_version`` counts those already applied
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _create_articles,
    _incremental_crawling,
    _search,
    _agency,
    _bigram_search,
]


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the schema up to date; returns the schema version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.atomic():  # all of a step or none (`with db.conn` commits statement by statement)
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)


@functools.cache
def expected_schema(version: int) -> dict[str, frozenset[str]]:
    """Table -> columns of a catalog at schema `version` (its first `version` migrations)."""
    db = sqlite_utils.Database(memory=True)
    for step in MIGRATIONS[:version]:
        step(db)
    schema = {t.name: frozenset(t.columns_dict) for t in db.tables}
    db.close()
    return schema


def check_schema(db: sqlite_utils.Database) -> int:
    """The schema version; CatalogDamaged when a table or column of that version is missing."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise CatalogDamaged(CATALOG_NAME, f"schema version {version} is unknown to this program")
    for table, columns in expected_schema(version).items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info([{table}])")}
        if not have:
            raise CatalogDamaged(CATALOG_NAME, f"no table {table}")
        if missing := sorted(columns - have):
            raise CatalogDamaged(CATALOG_NAME, f"table {table} lacks {', '.join(missing)}")
    return version


def _no_tables(db: sqlite_utils.Database) -> bool:
    return db.execute("select count(*) from sqlite_master").fetchone()[0] == 0


def check_catalog(root: Path | str) -> None:
    """CatalogDamaged unless ``root/catalog.db`` is missing, new (a crawl that died while
    creating it) or a sound catalog: schema and SQLite's quick_check; OutsideArchive when it is
    a symlink. Writes nothing: what every writing command runs before it opens the catalog for
    writing."""
    path = Path(root) / CATALOG_NAME
    if path.is_symlink():
        raise OutsideArchive(path.parent, path.name, "a symlink")
    if not path.exists():
        return
    if _empty_file_in_an_archive(path):
        raise CatalogDamaged(path, "an empty file")
    if path.stat().st_size:
        Catalog(path, readonly=True, thorough=True, empty_ok=True).close()


def _empty_file_in_an_archive(path: Path) -> bool:
    """A zero-length catalog beside posts or run reports: not a new archive, a lost catalog."""
    if not path.is_file() or path.stat().st_size:
        return False
    root = path.parent
    return any((root / "_posts").glob("*/*/*.md")) or any((root / "_runs").glob("*.json"))


@functools.cache
def _upsert_sql(table: str, pk: str, columns: tuple[str, ...]) -> str:
    """Insert a row of `columns`, or update those columns of the row with the same `pk`."""
    names = ", ".join(f"[{c}]" for c in columns)
    marks = ", ".join("?" for _ in columns)
    sets = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c != pk)
    return (
        f"insert into [{table}] ({names}) values ({marks}) on conflict([{pk}]) do update set {sets}"
    )


class Catalog:
    """The catalog tables and the queries the crawler needs.

    Opened for writing, it first moves into ``catalog.db`` what a killed run left in the WAL,
    and `close()` does the same, so between runs ``catalog.db`` is complete on its own (the
    ``-wal`` file is gone or empty) and can be copied alone. A file that is not a readable
    catalog raises `CatalogDamaged` (`thorough`: also SQLite's page-by-page quick_check).
    """

    def __init__(
        self,
        path: Path | str,
        readonly: bool = False,
        thorough: bool = False,
        empty_ok: bool = False,
    ):
        self.path = Path(path)
        self.readonly = readonly
        memory = str(path) == ":memory:"
        self.db: sqlite_utils.Database | None = None
        try:
            if readonly:
                self.db = sqlite_utils.Database(connect_readonly(self.path))
            else:
                if not memory and self.path.is_symlink():
                    raise OutsideArchive(self.path.parent, self.path.name, "a symlink")
                if not memory and _empty_file_in_an_archive(self.path):
                    raise CatalogDamaged(self.path, "an empty file")
                self.db = sqlite_utils.Database(path)
                if not memory:
                    # a new catalog gets 16 KiB pages: stored texts of 2-10 KB waste less of
                    # a page (no effect on an existing file); set before WAL, which fixes it
                    self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                    self.db.enable_wal()
            self.db.execute("PRAGMA busy_timeout = 30000")
            if thorough:
                quick_check(self.db)
            if not readonly:
                if not memory:
                    self.checkpoint()  # what a killed run left in the WAL
                migrate(self.db)
            version = check_schema(self.db)
            if readonly and version == 0 and not (empty_ok and _no_tables(self.db)):
                raise CatalogDamaged(self.path, "no catalog tables")
        except CatalogDamaged:
            self._drop()
            raise
        except sqlite3.DatabaseError as exc:
            self._drop()
            if is_damage(exc):
                raise CatalogDamaged(self.path, str(exc)) from exc
            raise

    def _drop(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def checkpoint(self) -> None:
        """Move every change in the WAL into ``catalog.db`` and empty the WAL (waits for
        readers in a read transaction, up to the busy timeout)."""
        busy, _, _ = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            logger.warning("%s: a reader kept the WAL from being emptied", self.path)

    # -- articles -----------------------------------------------------------------------------
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

    def by_text_hash(self, text_hash: str) -> dict | None:
        rows = self.db.query("select * from articles where text_hash = ? limit 1", [text_hash])
        return next(rows, None)

    def alias(self, url: str) -> dict | None:
        try:
            return self.db["aliases"].get(url)
        except NotFoundError:
            return None

    def record(self, row: dict) -> None:
        """Insert or replace the row of one article (keyed by source + id)."""
        with self.db.atomic():
            self._record(row)

    def _record(self, row: dict) -> None:
        if isinstance(row.get("bylines"), list):
            row = {**row, "bylines": json.dumps(row["bylines"], ensure_ascii=False)}
        self.db.execute(
            "delete from articles where source = ? and id = ? and url != ?",
            [row["source"], row["id"], row["url"]],
        )
        # plain SQL, not sqlite-utils' upsert (which reads the table's columns on every call):
        # the same insert-or-update of the given columns, at a third of the cost per save
        columns = tuple(row)
        self.db.execute(_upsert_sql("articles", "url", columns), [row[c] for c in columns])

    def mark_checked(self, source: str, article_id: str, checked: str, **validators) -> None:
        with self.db.atomic():
            self._mark_checked(source, article_id, checked, **validators)

    def _mark_checked(self, source: str, article_id: str, checked: str, **validators) -> None:
        values = {"checked": checked, **{k: v for k, v in validators.items() if v}}
        sets = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(
            f"update articles set {sets} where source = ? and id = ?",
            [*values.values(), source, article_id],
        )

    @contextlib.contextmanager
    def relaxed_sync(self) -> Iterator[None]:
        """``PRAGMA synchronous = NORMAL`` for what runs inside (outside any transaction),
        then back to what it was (FULL by default: each commit fsyncs the WAL).

        In WAL mode NORMAL keeps the catalog consistent and loses no commit when the process
        is killed; only a power cut or OS crash may lose the last commits. Use it only for
        writes whose loss something else repairs: the rows of posts whose files and journal
        entries are already durable (store/archive.py, step 3)."""
        before = self.db.execute("PRAGMA synchronous").fetchone()[0]
        self.db.execute("PRAGMA synchronous = NORMAL")
        try:
            yield
        finally:
            self.db.execute(f"PRAGMA synchronous = {int(before)}")

    def recent(self, source: str, since: str) -> Iterator[dict]:
        """Articles of `source` published at or after `since` (ISO), newest first."""
        yield from self.db.query(
            "select * from articles where source = ? and published >= ? order by published desc",
            [source, since],
        )

    def count(self, table: str = "articles") -> int:
        return self.db[table].count

    def close(self) -> None:
        """Close the connection; opened for writing, first checkpoint the WAL into the file."""
        if self.db is None:
            return
        try:
            if not self.readonly and str(self.path) != ":memory:":
                self.checkpoint()
        except sqlite3.Error as exc:  # closing anyway: the next writer checkpoints it
            logger.warning("%s: WAL checkpoint failed: %s", self.path, exc)
        finally:
            self._drop()
