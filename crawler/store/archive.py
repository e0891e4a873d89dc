"""The archive folder: post files + catalog, kept consistent through crashes. No Scrapy here.

Every write goes through the ``pending`` journal in the catalog:

1. journal the path about to be written (and, for a changed article, its previous version as
   a revision not yet marked ``replaced``), commit;
2. write the post file atomically (temp file + fsync + rename);
3. in one transaction: the article's row, the revision marked replaced, the journal entry gone;
4. remove the file the post replaces, when its path changed.

Killed anywhere, the next `Archive()` finishes or undoes what the journal names (`recover`): a
file that was written gets its row; a revision whose new text never reached the disk is dropped.
So the catalog never points at a missing file, and no post file is left out of the catalog.

`Archive.save_many` is the group commit (`save` is a batch of one): step 1 journals every post
of the batch in one transaction, step 2 writes all their files and syncs them together
(`write_batch`: the fsyncs side by side, each folder once), step 3 records all rows in one
transaction, step 4 removes the replaced files and clears their entries in one more. The
journal gives a batch the guarantee of a single save: killed anywhere, each post of the batch
is recorded if its file is on disk and dropped if not, so every article is archived exactly
once and nothing half-written. An item that fails (cannot be rendered, its file or row cannot
be written) fails alone, settled at once like a failed `save`.
"""

from __future__ import annotations

import errno
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from crawler.extract.article import Article
from crawler.extract.metadata import utc_now
from crawler.store.atomic import (
    OutsideArchive,
    read_inside,
    remove_stale_temp_files,
    unlink_inside,
    write_atomic,
    write_batch,
)
from crawler.store.catalog import Catalog
from crawler.store.history import write_history_page
from crawler.store.post import (
    front_matter,
    guessed_date_source,
    parse_post,
    post_path,
    render_post,
)
from crawler.store.search import index_text
from crawler.store.site import ensure_site, ensure_source_page, source_page_path

logger = logging.getLogger(__name__)

NEW, UPDATED, UNCHANGED, ALIAS = "new", "updated", "unchanged", "alias"

#: errors that say nothing more can be written to the archive (not: this article is bad)
_UNWRITABLE_ERRNOS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EIO: "input/output error",
}
_UNWRITABLE_SQLITE = {
    "database or disk is full": "disk full (catalog.db)",
    "readonly database": "read-only (catalog.db)",
    "disk i/o error": "input/output error (catalog.db)",
    "unable to open database file": "cannot open catalog.db",
}


def unwritable_reason(exc: BaseException) -> str | None:
    """Why nothing more can be written to the archive (`exc` or what caused it: disk full,
    read-only file system, a full SQLite database...), or None for any other error."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _UNWRITABLE_ERRNOS:
            return _UNWRITABLE_ERRNOS[exc.errno]
        if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
            message = str(exc).lower()
            for needle, reason in _UNWRITABLE_SQLITE.items():
                if needle in message:
                    return reason
        exc = exc.__cause__ or exc.__context__
    return None


@dataclass(frozen=True)
class Saved:
    outcome: str  # new | updated | unchanged | alias
    path: Path


@dataclass(frozen=True)
class ToSave:
    """One article for `Archive.save_many`, with what its fetch said."""

    article: Article
    fetched: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class _Write:
    """One post file to write, as planned by `Archive.save_many`."""

    index: int
    article: Article
    known: dict | None
    path: str
    fetched: datetime
    updated: datetime | None
    validators: dict
    text: str
    meta: dict
    revision: dict | None = None
    text_hash: str = ""

    @property
    def moved(self) -> bool:
        return bool(self.known) and self.known["path"] != self.path


@dataclass
class _Group:
    """The part of a batch committed together: no two of its items touch the same article,
    path or text (a clash starts the next group)."""

    writes: list[_Write] = field(default_factory=list)
    checks: list[tuple] = field(default_factory=list)  # (index, article, fetched, validators)
    aliases: list[tuple] = field(default_factory=list)  # (index, article, twin, fetched)
    seen: set = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.writes or self.checks or self.aliases)

    def clashes(self, article: Article, text_hash: str) -> bool:
        keys = {("id", article.source, article.id), ("text", text_hash)}
        keys.add(("path", str(post_path(article))))
        clash = bool(keys & self.seen)
        self.seen |= keys
        return clash

    def saved_articles(self) -> list[tuple[int, Article]]:
        """(index, article) of every item whose row is left in the archive (not aliases)."""
        found = [(w.index, w.article) for w in self.writes]
        found += [(index, article) for index, article, *_ in self.checks]
        return sorted(found, key=lambda pair: pair[0])


def _iso(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def row_from_post(meta: dict, path: str, body: str | None = None) -> dict:
    """The catalog row of a post file, from its front matter (and body: its length) alone (used
    by recovery and reindex)."""
    row = {
        "url": meta["from"],
        "source": meta["source"],
        "id": str(meta["id"]),
        "title": str(meta["title"]),
        "published": _iso(meta["date"]),
        "path": path,
        "text_hash": meta["text_hash"],
        "fetched": _iso(meta["fetched"]),
        "updated": _iso(meta.get("updated")),
        "bylines": json.dumps(meta.get("bylines") or [], ensure_ascii=False),
        "agency": meta.get("agency"),
        "section": meta.get("section"),
        "lang": meta.get("lang"),
        "date_source": meta.get("date_source"),
    }
    if body is not None:
        row["chars"] = len(body)
    return row


class Archive:
    def __init__(self, root: Path | str, backfill: bool = True):
        """Open (or create) the archive in `root` and finish what a killed run left; with
        `backfill`, also index the text of articles archived before search existed."""
        self.root = Path(root)
        #: called with the article's catalog row after each save or check that leaves it in the
        #: archive (new, updated, unchanged, not modified): e.g. publishing it to Redis
        self.listeners: list[Callable[[dict], None]] = []
        self.root.mkdir(parents=True, exist_ok=True)
        ensure_site(self.root)
        self.catalog = Catalog(self.root / "catalog.db")
        self.recover()
        if backfill:
            self.index_missing_texts()
        self.ensure_source_pages()

    # -- writing ------------------------------------------------------------------------------
    def save(
        self,
        article: Article,
        fetched: datetime | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Saved:
        """Write `article` unless the archive already has its text (under its id or another)."""
        [result] = self.save_many([ToSave(article, fetched, etag, last_modified)])
        if isinstance(result, Exception):
            raise result
        return result

    def save_many(self, items: list[ToSave]) -> list[Saved | Exception]:
        """Save each of `items` as `save` would, in order, as one group commit (module doc):
        returns, per item, its `Saved` or the error that kept it out of the archive (an item
        that fails fails alone; the others are saved). Two items of one batch that are the
        same story, the same path or the same text are saved one after the other, as by
        `save`: the first is written before the second is looked at."""
        results: list[Saved | Exception | None] = [None] * len(items)
        group = _Group()
        for index, item in enumerate(items):
            try:
                text_hash = item.article.text_hash  # a hash of the whole text: taken once
                if group.clashes(item.article, text_hash):  # the second sees the first saved
                    self._commit(group, results)
                    group = _Group()
                    group.clashes(item.article, text_hash)
                self._plan(index, item, text_hash, group)
            except Exception as exc:  # noqa: BLE001 - this item fails alone
                results[index] = exc
        self._commit(group, results)
        return results  # type: ignore[return-value]

    def _plan(self, index: int, item: ToSave, text_hash: str, group: _Group) -> None:
        """What saving `item` takes, added to `group`: a check (its text is archived as it
        is), an alias (another article has its text) or a post to write (rendered here: an
        article that cannot be rendered raises before anything is written)."""
        article = item.article
        fetched = item.fetched or utc_now()
        validators = {"etag": item.etag, "last_modified": item.last_modified}
        known = self.catalog.find(article.source, article.id)
        path = str(post_path(article))
        same = known and known["text_hash"] == text_hash and known["path"] == path
        if same and (self.root / path).exists():
            group.checks.append((index, article, fetched, validators))
            return
        if not known:
            twin = self.catalog.by_text_hash(text_hash)
            if twin and (twin["source"], twin["id"]) != (article.source, article.id):
                group.aliases.append((index, article, twin, fetched))
                return
        updated = fetched if known else None
        text = render_post(article, fetched, updated)
        meta = front_matter(article, fetched, updated)  # the row says what the file says
        write = _Write(index, article, known, path, fetched, updated, validators, text, meta)
        write.text_hash = text_hash
        write.revision = self._revision(known) if known else None
        group.writes.append(write)

    def _commit(self, group: _Group, results: list) -> None:
        """Steps 1 to 5 of the module doc for every write of `group`, each step once for all;
        the checks and aliases ride along in the rows' transaction."""
        if group.empty:
            return
        db = self.catalog.db
        writes = group.writes
        if writes:
            journaled = []
            try:
                # db.atomic(), not `with db.conn`: sqlite-utils commits each statement outside
                with db.atomic():  # 1. journal (synchronous=FULL: it must outlive a power cut)
                    for w in writes:
                        try:
                            with db.atomic():  # a savepoint: an entry that fails fails alone
                                self._journal(w)
                        except Exception as exc:  # noqa: BLE001 - this post is not written
                            if not db.conn.in_transaction:  # SQLite undid all of it
                                raise
                            results[w.index] = exc
                        else:
                            journaled.append(w)
            except Exception as exc:  # nothing journaled, nothing written
                for w in writes:
                    results[w.index] = exc
                journaled = []
            writes = journaled
        unsettled: list[str] = []
        files = self._write_files([(self.root / w.path, w.text) for w in writes])  # 2. files
        for w, error in zip(writes, files, strict=True):
            if error is not None:
                results[w.index] = error
                unsettled.append(w.path)
        written = [w for w, error in zip(writes, files, strict=True) if error is None]
        try:
            self._record_rows(group, written, results, unsettled)  # 3. rows
        except Exception as exc:  # the transaction did not commit: none of it happened
            for w in written:
                results[w.index] = exc
                unsettled.append(w.path)
            for index, *_ in group.checks + group.aliases:
                results[index] = exc
        moved = [w for w in written if isinstance(results[w.index], Saved) and w.moved]
        self._remove_moved(moved, results, unsettled)  # 4. replaced files
        for path in unsettled:
            self._settle_after_failure(path)
        self._finish_site(group, results)  # 5. the site; then the listeners

    def _journal(self, w: _Write) -> None:
        """Step 1 for one post, inside the journal transaction."""
        db = self.catalog.db
        db.execute(
            "insert or replace into pending (path, old_path, source, id) values (?, ?, ?, ?)",
            [w.path, w.known["path"] if w.known else None, w.article.source, w.article.id],
        )
        if w.revision is not None:
            db["revisions"].insert(w.revision)

    def _write_files(self, files: list[tuple[Path, str]]) -> list[Exception | None]:
        """Step 2: the post files, synced (one file: `write_atomic`, which is the same)."""
        if len(files) == 1:
            try:
                write_atomic(files[0][0], files[0][1], root=self.root)
            except Exception as exc:  # noqa: BLE001 - handed back: this file failed
                return [exc]
            return [None]
        return write_batch(self.root, files)

    def _record_rows(
        self, group: _Group, written: list[_Write], results: list, unsettled: list[str]
    ) -> None:
        """Step 3 for all `written` posts, the checks and the aliases, in one transaction (a
        savepoint each: a row that fails fails alone).

        synchronous=NORMAL here, and only here: a power cut may lose this commit (a kill
        cannot: the WAL is written before COMMIT returns), and that is what the journal
        repairs. Every post file is already fsynced and its `pending` entry committed with
        synchronous=FULL, so the next open records the file again (`recover`); a lost check
        or alias is only a date or a URL redone on the next visit."""
        db = self.catalog.db
        with self.catalog.relaxed_sync(), db.atomic():
            for w in written:
                try:
                    with db.atomic():
                        text = (w.article.title, w.article.body)
                        replaced = w.fetched.isoformat()
                        self._finish(self._row(w), replaced=replaced, done=not w.moved, text=text)
                except Exception as exc:  # noqa: BLE001 - this post's journal entry settles it
                    if not db.conn.in_transaction:  # SQLite undid all of it (e.g. disk full)
                        raise
                    results[w.index] = exc
                    unsettled.append(w.path)
                else:
                    outcome = UPDATED if w.known else NEW
                    results[w.index] = Saved(outcome, self.root / w.path)
            for index, article, fetched, validators in group.checks:
                self.catalog._mark_checked(
                    article.source, article.id, fetched.isoformat(), **validators
                )
                results[index] = Saved(UNCHANGED, self.root / post_path(article))
            for index, article, twin, fetched in group.aliases:
                self._record_alias(article, twin, fetched)
                results[index] = Saved(ALIAS, self.root / twin["path"])

    def _remove_moved(self, moved: list[_Write], results: list, unsettled: list[str]) -> None:
        """Step 4: the files the moved posts replace; their journal entries go once they are
        gone (a post whose old file cannot be removed keeps its entry: the next open retries)."""
        removed = []
        for w in moved:
            try:
                self._remove_replaced(w.known, w.path)
            except Exception as exc:  # noqa: BLE001 - reported as this post's failure
                results[w.index] = exc
                unsettled.append(w.path)
            else:
                removed.append(w.path)
        if removed:
            with self.catalog.db.atomic():
                for path in removed:
                    self.catalog.db.execute("delete from pending where path = ?", [path])

    def _finish_site(self, group: _Group, results: list) -> None:
        """Step 5: the page of each source saved for the first time; step 6: the history page of
        each updated article; then the listeners."""
        pages: dict[str, Exception | None] = {}
        for w in group.writes:
            source = w.article.source
            if source in pages or not isinstance(results[w.index], Saved):
                continue
            try:
                ensure_source_page(self.root, source, w.article.publication)
                pages[source] = None
            except Exception as exc:  # noqa: BLE001 - the save of its articles failed
                pages[source] = exc
        for w in group.writes:
            if pages.get(w.article.source) is not None:
                results[w.index] = pages[w.article.source]
            elif w.known and isinstance(results[w.index], Saved):  # 6. its history page
                # (derived from the catalog: a failure is only logged, never the save's)
                write_history_page(self.root, self.catalog.db, w.article.source, w.article.id)
        for index, article in group.saved_articles():
            if isinstance(results[index], Saved):
                try:
                    self._notify(article.source, article.id)
                except Exception as exc:  # noqa: BLE001 - e.g. Redis: this item failed
                    results[index] = exc

    def _row(self, w: _Write) -> dict:
        """The catalog row of a written post."""
        article, fetched = w.article, w.fetched
        return {
            "url": article.url,
            "source": article.source,
            "id": article.id,
            "title": article.title,
            "published": article.published.isoformat(),
            "path": w.path,
            "text_hash": w.text_hash,
            "fetched": fetched.isoformat(),
            "updated": w.updated.isoformat() if w.updated else None,
            "bylines": w.meta.get("bylines", []),
            "agency": w.meta.get("agency"),
            "section": w.meta.get("section"),
            "lang": w.meta.get("lang"),
            "date_source": guessed_date_source(article),
            "chars": len(article.body),
            "checked": fetched.isoformat(),
            **w.validators,
        }

    def _settle_after_failure(self, path: str) -> None:
        """A save failed after its journal entry (disk full, a bug): finish or undo it now, as
        the next run's recovery would. If that fails too (the catalog cannot be written), the
        entry stays for the next run."""
        try:
            entry = self.catalog.db["pending"].get(path)
        except Exception:  # noqa: BLE001 - NotFoundError, or a catalog we cannot read
            return
        try:
            done = self._settle(entry)
        except Exception as exc:  # noqa: BLE001 - the save's own error is what is reported
            logger.warning("the unfinished write of %s is left to the next run (%s)", path, exc)
            return
        logger.warning("after a failed save: %s", done)

    def _notify(self, source: str, article_id: str) -> None:
        if self.listeners:
            row = self.catalog.find(source, article_id)
            if row is not None:
                for listener in self.listeners:
                    listener(row)

    def _revision(self, known: dict) -> dict:
        """The archived version about to be replaced: its row and its whole post file."""
        try:
            post = read_inside(self.root, known["path"])
        except FileNotFoundError:
            post = None
        return {
            "url": known["url"],
            "source": known["source"],
            "id": known["id"],
            "title": known["title"],
            "published": known["published"],
            "text_hash": known["text_hash"],
            "fetched": known["fetched"],
            "replaced": None,
            "post": post,
        }

    def _finish(
        self, row: dict, replaced: str, done: bool = True, text: tuple[str, str] | None = None
    ) -> None:
        """Step 3, inside a transaction: row in, its searchable `text` (title, body) replaced,
        pending revision marked, journal entry out (unless not `done`: a moved post's entry
        goes only once the old file is removed)."""
        self.catalog._record(row)
        if text is not None:
            index_text(self.catalog.db, row["source"], row["id"], row["url"], *text)
        self.catalog.db.execute(
            "update revisions set replaced = ? where source = ? and id = ? and replaced is null",
            [replaced, row["source"], row["id"]],
        )
        if done:
            self.catalog.db.execute("delete from pending where path = ?", [row["path"]])

    def _remove_replaced(self, known: dict | None, path: str) -> None:
        if known and known["path"] != path:
            unlink_inside(self.root, known["path"])

    def _record_alias(self, article: Article, twin: dict, fetched: datetime) -> None:
        with self.catalog.db.atomic():
            self.catalog.db["aliases"].upsert(
                {"url": article.url, "source": twin["source"], "id": twin["id"],
                 "text_hash": article.text_hash, "found": fetched.isoformat()},
                pk="url",
            )  # fmt: skip
        logger.info("alias: %s has the text of %s (%s)", article.url, twin["url"], twin["path"])

    def mark_not_modified(self, source: str, article_id: str, checked: datetime) -> bool:
        """A revisit answered 304: remember when we checked. False when the article is unknown."""
        if not self.catalog.find(source, article_id):
            return False
        self.catalog.mark_checked(source, article_id, checked.isoformat())
        self._notify(source, article_id)
        return True

    # -- recovery -----------------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Finish or undo the writes a killed run left in the journal; returns what was done."""
        done = []
        for leftover in remove_stale_temp_files(self.root):  # posts, source pages, skeleton
            done.append(f"removed temp file {leftover}")
        db = self.catalog.db
        for entry in list(db["pending"].rows):
            done.append(self._settle(entry))
        for line in done:
            logger.warning("recovery after an interrupted run: %s", line)
        return done

    def _settle(self, entry: dict) -> str:
        """Finish or undo one journaled write (a `pending` row); says what was done."""
        db = self.catalog.db
        path = entry["path"]
        meta, body = self._read_post(path) or (None, None)
        known = self.catalog.find(entry["source"], entry["id"])
        with db.atomic():
            if meta and (
                not known or known["text_hash"] != meta["text_hash"] or known["path"] != path
            ):
                row = row_from_post(meta, path, body)  # the file was written: the row follows
                text = (row["title"], body)
                self._finish(row, replaced=row["updated"] or row["fetched"], text=text)
                done = f"recorded {path}"
            else:  # the file never changed: drop the revision that was about to be made
                db.execute(
                    "delete from revisions where source = ? and id = ? and replaced is null",
                    [entry["source"], entry["id"]],
                )
                db.execute("delete from pending where path = ?", [path])
                done = f"dropped unfinished write of {path}"
        if meta and entry["old_path"] and entry["old_path"] != path:
            self._remove_replaced({"path": entry["old_path"]}, path)
        return done

    def _read_meta(self, path: str) -> dict | None:
        found = self._read_post(path)
        return found[0] if found else None

    def _read_post(self, path: str) -> tuple[dict, str] | None:
        """(front matter, body) of a post file written by us; None if missing or broken."""
        try:
            meta, body = parse_post(read_inside(self.root, path))
        except (FileNotFoundError, OutsideArchive, ValueError):
            return None
        return (meta, body) if "text_hash" in meta and "from" in meta else None

    def index_missing_texts(self) -> int:
        """Index the text of articles archived before search existed (read from their files);
        returns how many articles were indexed."""
        db = self.catalog.db
        if db["articles"].count == db["texts"].count:
            return 0
        missing = list(
            db.query(
                "select a.* from articles a where not exists "
                "(select 1 from texts t where t.source = a.source and t.id = a.id)"
            )
        )
        done = 0
        for row in missing:
            found = self._read_post(row["path"])
            if found is None:
                continue  # `newsarchive verify` reports it
            meta, body = found
            with db.atomic():
                index_text(db, row["source"], row["id"], row["url"], row["title"], body)
                db.execute(
                    "update articles set chars = ?, date_source = ? where url = ?",
                    [len(body), meta.get("date_source"), row["url"]],
                )
            done += 1
        if done:
            logger.info("indexed the text of %d articles archived before search", done)
        return done

    def ensure_source_pages(self) -> list[str]:
        """Write the site page of each archived source that lacks one (a run killed before it
        wrote it, an archive from before source pages); returns the sources written."""
        written = []
        for row in self.catalog.db.query(
            "select source, min(path) as path from articles group by source"
        ):
            if (self.root / source_page_path(row["source"])).exists():
                continue
            meta = self._read_meta(row["path"]) or {}
            if ensure_source_page(self.root, row["source"], str(meta.get("author") or "")):
                written.append(row["source"])
        return written

    def close(self) -> None:
        self.catalog.close()
