"""Check an archive folder against its catalog and its format contract (archive/README.md).

Read-only. The post files are read one at a time; what is remembered about them (path, source,
id, URL, text hash) goes into a private temporary SQLite database, where the comparisons with
the catalog are joins, so memory stays flat however large the archive.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from crawler.store.atomic import TEMP_PREFIX
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


@dataclass(frozen=True)
class Problem:
    kind: str
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"


def post_files(root: Path) -> Iterator[Path]:
    """Every post file under ``_posts`` (hidden files, such as temp files, are not posts)."""
    posts = root / "_posts"
    if posts.is_dir():
        yield from sorted(p for p in posts.rglob("*.md") if not p.name.startswith("."))


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
    for tmp in sorted(root.rglob(TEMP_PREFIX + "*")):
        yield Problem(TEMP_FILE, tmp.relative_to(root).as_posix(), "left by an interrupted write")
    catalog = root / "catalog.db"
    if not catalog.is_file():
        yield Problem(NO_CATALOG, "catalog.db", "the archive has no catalog (run reindex)")
        return
    work = sqlite3.connect("", uri=True)  # "": a private temporary database on disk
    try:
        work.execute("attach database ? as cat", [f"file:{catalog.resolve()}?mode=ro"])
        yield from _pending(work)
        files = list(post_files(root))
        yield from _read_files(work, root, progress(files, total=len(files), desc="reading posts"))
        yield from _compare(work)
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
