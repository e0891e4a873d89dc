"""Check an archive folder against its catalog and its format contract (archive/README.md).

Read-only (works on read-only media). The post files are read one at a time; what is
remembered about them (path, source, id, URL, text hash) goes into a private temporary SQLite
database, where the comparisons with the catalog are joins, so memory stays flat however large
the archive. Symlinks are never followed: each one under the archive's own folders is reported.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from crawler.store.atomic import TEMP_PREFIX, walk_inside
from crawler.store.catalog import CATALOG_NAME, Catalog, CatalogDamaged, is_damage, readonly_uri
from crawler.store.lock import LOCK_NAME, lock_holder
from crawler.store.post import REQUIRED_KEYS, parse_post

T = TypeVar("T")
#: wraps an iterable to show progress (e.g. tqdm); `total` is its length when known
Progress = Callable[..., Iterable]


def no_progress(iterable: Iterable[T], total: int | None = None, desc: str = "") -> Iterable[T]:
    return iterable


#: kinds of problem, as printed
MISSING_FILE = "missing-file"
NOT_IN_CATALOG = "not-in-catalog"
DUPLICATE_ID = "duplicate-id"
DUPLICATE_URL = "duplicate-url"
UNPARSEABLE = "unparseable"
MISSING_KEYS = "missing-keys"
WRONG_PATH = "wrong-path"
STALE_ROW = "stale-row"
TEMP_FILE = "temp-file"
PENDING = "pending-write"
NOT_INDEXED = "not-indexed"
NO_CATALOG = "no-catalog"
DAMAGED_CATALOG = "damaged-catalog"
SYMLINK = "symlink"
WAL_LEFT = "wal-left"

#: what the archive itself writes at its top: a symlink among these (or under the folders) is
#: reported; anything else the user keeps beside them (a warc/ folder) is theirs
ARCHIVE_NAMES = (
    "_posts", "sources", "_runs", "assets", "_layouts", "_config.yml", "index.html", LOCK_NAME,
    CATALOG_NAME, f"{CATALOG_NAME}-wal", f"{CATALOG_NAME}-shm", f"{CATALOG_NAME}-journal",
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    kind: str
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"


def post_files(root: Path) -> Iterator[Path]:
    """Every post file under ``_posts`` (hidden files, such as temp files, are not posts; a
    symlink is no post, and a symlinked folder is not entered)."""
    posts = root / "_posts"
    if posts.is_dir() and not posts.is_symlink():
        found = []
        for folder, _, files, _ in walk_inside(posts):
            found += [folder / f for f in files if f.endswith(".md") and not f.startswith(".")]
        yield from sorted(found)


def symlinks(root: Path) -> Iterator[Problem]:
    """Every symlink among the archive's own names and under its folders."""
    for name in ARCHIVE_NAMES:
        top = root / name
        if top.is_symlink():
            yield _symlink_problem(root, top)
        elif top.is_dir() and name.startswith(("_", "sources")):
            for folder, _, _, links in walk_inside(top):
                for link in links:
                    yield _symlink_problem(root, folder / link)


def _symlink_problem(root: Path, link: Path) -> Problem:
    target = os.readlink(link)
    detail = f"a symlink to {target}: the archive never reads or writes through one; remove it"
    return Problem(SYMLINK, link.relative_to(root).as_posix(), detail)


def temp_files(root: Path) -> Iterator[Path]:
    for folder, _, files, links in walk_inside(root):
        yield from (folder / n for n in sorted(files + links) if n.startswith(TEMP_PREFIX))


def wal_left(root: Path) -> Problem | None:
    """A non-empty WAL while no run holds the archive: catalog.db alone lacks those changes."""
    wal = root / f"{CATALOG_NAME}-wal"
    try:
        size = wal.stat().st_size
    except OSError:
        return None
    if not size or lock_holder(root) is not None:
        return None
    detail = (
        f"{size} bytes of catalog changes are only in the WAL, left by a run that was killed "
        "(a copy of catalog.db alone lacks them); the next crawl or reindex moves them in"
    )
    return Problem(WAL_LEFT, wal.name, detail)


def expected_path(meta: dict) -> str | None:
    """The path rule applied to a post's own front matter (None when it lacks a key)."""
    try:
        day = meta["date"]
        day = day.date() if isinstance(day, datetime) else day
        if not isinstance(day, date):
            day = date.fromisoformat(str(day)[:10])
        return f"_posts/{meta['source']}/{day:%Y}/{day:%Y-%m-%d}-{meta['id']}.md"
    except (KeyError, ValueError, TypeError):
        return None


def verify(root: Path | str, progress: Progress = no_progress) -> Iterator[Problem]:
    """Every problem of the archive in `root`, files first, then the catalog."""
    root = Path(root)
    yield from symlinks(root)
    for tmp in temp_files(root):
        yield Problem(TEMP_FILE, tmp.relative_to(root).as_posix(), "left by an interrupted write")
    if left := wal_left(root):
        yield left
    catalog = root / CATALOG_NAME
    if not catalog.is_file():
        yield Problem(NO_CATALOG, CATALOG_NAME, "the archive has no catalog (run reindex)")
        return
    try:
        Catalog(catalog, readonly=True, thorough=True).close()
        uri = readonly_uri(catalog)
    except CatalogDamaged as exc:
        yield Problem(DAMAGED_CATALOG, CATALOG_NAME, str(exc))
        return
    work = sqlite3.connect("", uri=True)  # "": a private temporary database on disk
    try:
        work.execute("attach database ? as cat", [uri])
        yield from _pending(work)
        files = list(post_files(root))
        yield from _read_files(work, root, progress(files, total=len(files), desc="reading posts"))
        yield from _compare(work)
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        yield Problem(DAMAGED_CATALOG, CATALOG_NAME, str(CatalogDamaged(catalog, str(exc))))
    finally:
        work.close()


def _pending(work: sqlite3.Connection) -> Iterator[Problem]:
    for path, old in work.execute("select path, old_path from cat.pending order by path"):
        detail = "an interrupted write is in the journal (the next crawl or reindex finishes it)"
        yield Problem(PENDING, path, detail + (f"; replaces {old}" if old else ""))


def _read_files(work: sqlite3.Connection, root: Path, files: Iterable[Path]) -> Iterator[Problem]:
    work.execute("create table files (path primary key, source, id, url, text_hash)")
    for file in files:
        path = file.relative_to(root).as_posix()
        try:
            meta, _ = parse_post(file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            yield Problem(UNPARSEABLE, path, str(exc).splitlines()[0])
            work.execute("insert into files (path) values (?)", [path])  # it is there
            continue
        missing = [k for k in REQUIRED_KEYS if meta.get(k) in (None, "", [])]
        if missing:
            yield Problem(MISSING_KEYS, path, "no " + ", ".join(missing))
        rule = expected_path(meta)
        if rule and rule != path:
            yield Problem(WRONG_PATH, path, f"its front matter puts it at {rule}")
        work.execute(
            "insert into files values (?, ?, ?, ?, ?)",
            [path, meta.get("source"), _text(meta.get("id")), meta.get("from"),
             meta.get("text_hash")],
        )  # fmt: skip


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _compare(work: sqlite3.Connection) -> Iterator[Problem]:
    for source, article_id, paths in work.execute(
        "select source, id, group_concat(path, ', ') from files where id is not null "
        "group by source, id having count(*) > 1"
    ):
        yield Problem(DUPLICATE_ID, paths, f"{source} {article_id} is in several files")
    for url, paths in work.execute(
        "select url, group_concat(path, ', ') from files where url is not null "
        "group by url having count(*) > 1"
    ):
        yield Problem(DUPLICATE_URL, paths, f"{url} is in several files")
    for (path,) in work.execute(
        "select f.path from files f where not exists "
        "(select 1 from cat.articles a where a.path = f.path) order by f.path"
    ):
        yield Problem(NOT_IN_CATALOG, path, "a post file the catalog does not list")
    for path, url in work.execute(
        "select a.path, a.url from cat.articles a where not exists "
        "(select 1 from files f where f.path = a.path) order by a.path"
    ):
        yield Problem(MISSING_FILE, path, f"the catalog lists {url} here, but there is no post")
    # (a value the file lacks is reported as a missing key, not here)
    for path, what, file_value, row_value in work.execute(
        "select f.path, 'text_hash', f.text_hash, a.text_hash from files f "
        "join cat.articles a on a.path = f.path where f.text_hash != a.text_hash "
        "union all select f.path, 'url', f.url, a.url from files f "
        "join cat.articles a on a.path = f.path where f.url != a.url "
        "union all select f.path, 'id', f.source || ' ' || f.id, a.source || ' ' || a.id "
        "from files f join cat.articles a on a.path = f.path "
        "where f.source != a.source or f.id != a.id order by 1"
    ):
        detail = f"the file's {what} is {file_value}, the catalog's {row_value}"
        yield Problem(STALE_ROW, path, detail)
    if work.execute("select 1 from cat.sqlite_master where name = 'texts'").fetchone():
        for (path,) in work.execute(
            "select a.path from cat.articles a where not exists (select 1 from cat.texts t "
            "where t.source = a.source and t.id = a.id) order by a.path"
        ):
            yield Problem(NOT_INDEXED, path, "not in the search index (run reindex)")
    else:
        yield Problem(NOT_INDEXED, "catalog.db", "the catalog has no search index (run reindex)")
