"""Rebuild the catalog's articles and search index from the post files.

The post files are the archive; the catalog is derived from them. `reindex` makes the catalog
say what the files say, in one transaction (readers see the old catalog or the new one):

- each readable post file gets its row (validators and last check of a known URL are kept, so
  incremental crawling goes on as before) and its searchable text;
- a row whose file is gone disappears, with its searchable text;
- a file that cannot be read, lacks a required key or repeats another file's id or URL is left
  out and reported (``newsarchive verify`` lists it too);
- ``runs``, ``revisions`` and ``aliases`` are kept as they are; run reports in ``_runs/`` that
  the ``runs`` table lacks (a lost catalog) are recorded again.

It takes the archive lock (no crawl may write meanwhile) and first finishes any interrupted write.
A damaged catalog (truncated, garbage, another schema: `CatalogDamaged`) is moved aside as
``catalog.db.damaged-<UTC time>`` (with its WAL) and a new one is built from the files and
``_runs/``; revisions and aliases, which only the catalog held, stay in the moved file.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crawler.store.archive import Archive, row_from_post
from crawler.store.catalog import CATALOG_NAME, CatalogDamaged, check_catalog, is_damage
from crawler.store.lock import ArchiveLock
from crawler.store.post import REQUIRED_KEYS, parse_post
from crawler.store.runs import restore_runs
from crawler.store.search import clear_index, index_text, optimize_index
from crawler.store.site import ensure_source_page
from crawler.store.verify import Problem, Progress, no_progress, post_files

logger = logging.getLogger(__name__)


@dataclass
class Reindexed:
    articles: int = 0
    removed: int = 0
    runs_restored: int = 0
    recovered: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    #: the damaged catalog, moved aside (None: the catalog was sound)
    damaged: Path | None = None
    damage: str = ""


def reindex(root: Path | str, progress: Progress = no_progress) -> Reindexed:
    """Rebuild the ``articles`` rows and the search index of the archive in `root`."""
    root = Path(root)
    result = Reindexed()
    with ArchiveLock(root):
        for attempt in (1, 2):
            try:
                check_catalog(root)
                archive = Archive(root, backfill=False)
                try:
                    result.recovered = archive.recover()
                    _rebuild(archive, progress, result)
                finally:
                    archive.close()
                return result
            except (CatalogDamaged, sqlite3.DatabaseError) as exc:
                if attempt == 2 or not (isinstance(exc, CatalogDamaged) or is_damage(exc)):
                    raise
                result.damage = str(exc)
                result.damaged = set_aside(root)
                logger.warning("%s; moved aside as %s", exc, result.damaged.name)
                result.articles = result.removed = result.runs_restored = 0
                result.skipped = []
    return result


def set_aside(root: Path) -> Path:
    """Move the catalog and its WAL to ``catalog.db.damaged-<UTC time>`` (+ ``-wal``, so the
    pair still opens in SQLite); returns the new path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    catalog = root / CATALOG_NAME
    moved = root / f"{CATALOG_NAME}.damaged-{stamp}"
    catalog.rename(moved)
    for suffix in ("-wal", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            side = root / (CATALOG_NAME + suffix)
            if side.stat().st_size:
                side.rename(root / (moved.name + suffix))
            else:  # nothing in it
                side.unlink()
    with contextlib.suppress(FileNotFoundError):
        (root / f"{CATALOG_NAME}-shm").unlink()  # an index of the WAL, rebuilt when needed
    return moved


def _rebuild(archive: Archive, progress: Progress, result: Reindexed) -> None:
    db = archive.catalog.db
    # oldest publication day first: the search index's order is then roughly by date
    files = sorted(post_files(archive.root), key=lambda file: (file.name, file))
    sources: dict[str, str] = {}
    with db.atomic():
        clear_index(db)  # every kept article is indexed again below
        db.execute("drop table if exists temp.seen")
        db.execute(
            "create temp table seen (path text primary key, url text unique, source text, "
            "id text, unique (source, id))"
        )
        for file in progress(files, total=len(files), desc="reindexing"):
            path = file.relative_to(archive.root).as_posix()
            problem = _index_file(archive, file, path, sources)
            if problem:
                result.skipped.append(problem)
            else:
                result.articles += 1
        before = db["articles"].count
        db.execute("delete from articles where path not in (select path from temp.seen)")
        result.removed = before - db["articles"].count
        db.execute(
            "delete from texts where not exists (select 1 from articles a "
            "where a.source = texts.source and a.id = texts.id)"
        )
        db.execute("drop table temp.seen")
        optimize_index(db)
        result.runs_restored = restore_runs(archive.catalog, archive.root)
    for source, display_name in sources.items():
        ensure_source_page(archive.root, source, display_name)


def _index_file(archive: Archive, file: Path, path: str, sources: dict) -> Problem | None:
    """Record one post file (inside the rebuild's transaction); the problem if it is left out."""
    db = archive.catalog.db
    try:
        meta, body = parse_post(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return Problem("unparseable", path, f"left out: {str(exc).splitlines()[0]}")
    missing = [k for k in REQUIRED_KEYS if meta.get(k) in (None, "", [])]
    if missing:
        return Problem("missing-keys", path, "left out: no " + ", ".join(missing))
    row = row_from_post(meta, path, body)
    clash = db.execute(
        "select path from temp.seen where url = ? or (source = ? and id = ?)",
        [row["url"], row["source"], row["id"]],
    ).fetchone()
    if clash:
        return Problem("duplicate-id", path, f"left out: the same article as {clash[0]}")
    db.execute(
        "insert into temp.seen values (?, ?, ?, ?)", [path, row["url"], row["source"], row["id"]]
    )
    db.execute("delete from articles where path = ? and url != ?", [path, row["url"]])
    archive.catalog._record(row)
    index_text(db, row["source"], row["id"], row["url"], row["title"], body, indexed=False)
    sources.setdefault(row["source"], str(meta.get("author") or ""))
    return None
