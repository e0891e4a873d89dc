"""Which WARC files ``REPLAY_WARC`` names, what is wrong with them, and where each URL's
latest ``response`` record lives.

Every file is read once, at start-up, while it is indexed; a file that cannot be replayed
raises ``ReplayError`` with one line naming the file and what is wrong with it:

* no such file or folder; a folder holding no ``*.warc``/``*.warc.gz`` file;
* an empty file, a file that is no WARC, a gzip file holding something else;
* a truncated or damaged file: how many records were read, and the offset where it breaks.

The exception: a ``*.warc.open``/``*.warc.gz.open`` file is the WARC a crawl was writing when
it was killed, and its last record is expected to be torn. It is replayed up to that record,
with a warning saying the same (``WarcIndex.problems``).
"""

from __future__ import annotations

import gzip
import logging
import os
import sqlite3
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from w3lib.url import canonicalize_url
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_datetime

if TYPE_CHECKING:
    from warcio.recordloader import ArcWarcRecord

logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz", ".warc.open", ".warc.gz.open")
_GZIP_MAGIC = b"\x1f\x8b"


class ReplayError(OSError):
    """``REPLAY_WARC`` names something that cannot be replayed; the message says what."""


class NoSuchReplayPath(ReplayError, FileNotFoundError):
    """``REPLAY_WARC`` names a path that does not exist."""


def _paths(value: Any) -> Iterator[Path]:
    if isinstance(value, str):
        yield from (Path(part.strip()) for part in value.split(",") if part.strip())
    elif isinstance(value, os.PathLike):
        yield Path(value)
    else:
        for item in value:
            yield from _paths(item)


def warc_files(value: Any) -> list[Path]:
    """Expand a ``REPLAY_WARC`` value (str with commas, Path, or a list of them) into WARC
    file paths; a folder contributes its WARC files sorted by name."""
    files: list[Path] = []
    for path in _paths(value or []):
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.is_file() and p.name.endswith(WARC_SUFFIXES)
            )
            if not found:
                raise ReplayError(
                    f"REPLAY_WARC: {path} is a folder with no WARC file in it "
                    f"({', '.join('*' + s for s in WARC_SUFFIXES)})"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise NoSuchReplayPath(f"REPLAY_WARC: no such file or folder: {path}")
    return list(dict.fromkeys(files))


def _canonical(url: str) -> str | None:
    try:
        return canonicalize_url(url)
    except Exception:  # a malformed URL in somebody else's WARC must not stop the replay
        return None


def _date(record: ArcWarcRecord) -> datetime:
    try:
        return iso_date_to_datetime(record.rec_headers.get_header("WARC-Date"))
    except Exception:
        return datetime.min


def _start(path: Path, size: int = 40) -> str:
    """The first characters of `path` (gunzipped if it is gzip), to show what it is instead."""
    try:
        with path.open("rb") as raw:
            data = raw.read(size)
        if data.startswith(_GZIP_MAGIC):
            with gzip.open(path) as fh:
                data = fh.read(size)
    except (OSError, EOFError, zlib.error):
        return "unreadable data"
    return data.decode("utf-8", "replace")


def _missing_bytes(record: ArcWarcRecord) -> int | None:
    """How many bytes of `record`'s declared length the file lacks (0: complete), once the
    iterator has read past it; None when the record does not even declare its length."""
    if record.length is None:
        return None
    return max(0, getattr(record.raw_stream, "limit", 0) or 0)


@dataclass(frozen=True)
class Capture:
    path: Path
    offset: int
    date: datetime


def _ticks(date: datetime) -> int:
    """A WARC-Date as a sortable integer (microseconds since year 1; warcio's dates are naive
    UTC)."""
    return (date.replace(tzinfo=None) - datetime.min) // timedelta(microseconds=1)


class _Captures(Mapping[str, Capture]):
    """One table of the index (URL -> latest capture) seen as a read-only mapping."""

    def __init__(self, index: WarcIndex, table: str) -> None:
        self._index, self._table = index, table

    def __getitem__(self, url: str) -> Capture:
        row = self._index.db.execute(
            f"SELECT file, offset, date FROM {self._table} WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            raise KeyError(url)
        file, offset, ticks = row
        return Capture(
            self._index.files[file], offset, datetime.min + timedelta(microseconds=ticks)
        )

    def __iter__(self) -> Iterator[str]:
        for (url,) in self._index.db.execute(f"SELECT url FROM {self._table}"):
            yield url

    def __len__(self) -> int:
        return self._index.db.execute(f"SELECT count(*) FROM {self._table}").fetchone()[0]


class WarcIndex:
    """URL -> where its latest ``response`` record lives.

    The index is a SQLite file in a temporary folder (removed with the index, or at exit), not
    a dict: a replay of any size costs the crawl the same memory (SQLite's page cache, at most
    ``CACHE_KIB``), and a lookup is one indexed query. ``exact`` and ``canonical`` (the
    ``canonicalize_url`` form) read it as mappings.
    """

    CACHE_KIB = 2048

    def __init__(self, files: Iterable[Path]) -> None:
        #: the WARC files, in reading order: the index stores a capture's file as its position
        self.files: list[Path] = []
        #: files replayed only up to a torn last record (a killed crawl's ``.open`` WARC)
        self.problems: list[str] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="newsarchive-replay-")
        self.db = sqlite3.connect(
            Path(self._tmp.name) / "replay-index.sqlite", check_same_thread=False
        )
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(f"PRAGMA cache_size = -{self.CACHE_KIB}")
        for table in ("exact", "canonical"):
            self.db.execute(
                f"CREATE TABLE {table} (url TEXT PRIMARY KEY, file INTEGER, offset INTEGER,"
                " date INTEGER) WITHOUT ROWID"
            )
        self.exact = _Captures(self, "exact")
        self.canonical = _Captures(self, "canonical")
        try:
            with self.db:
                for path in files:
                    self.files.append(path)
                    self._add_file(path)
        except BaseException:
            self.close()
            raise

    def __len__(self) -> int:
        return len(self.exact)

    def close(self) -> None:
        self.db.close()
        self._tmp.cleanup()

    def _add_file(self, path: Path) -> None:
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise ReplayError(f"REPLAY_WARC: {path} cannot be read: {exc.strerror}") from None
        with fh:
            head = fh.read(4)
            fh.seek(0)
            if not head:
                raise ReplayError(f"REPLAY_WARC: {path} is empty: no WARC record in it")
            records, problem, started = self._read_records(path, ArchiveIterator(fh))
        gzipped = head.startswith(_GZIP_MAGIC)
        if not started:
            what = "a gzip file that holds no WARC" if gzipped else "not a WARC file"
            raise ReplayError(f"REPLAY_WARC: {path} is {what}: it starts with {_start(path)!r}")
        if problem is None:
            return
        message = f"REPLAY_WARC: {path} is truncated or damaged: {records} records read, {problem}"
        if not path.name.endswith(".open"):
            raise ReplayError(message)
        logger.warning("%s; replaying the %d records before it", message, records)
        self.problems.append(message)

    def _read_records(self, path: Path, it: ArchiveIterator) -> tuple[int, str | None, bool]:
        """Index the complete response records of one file: (complete records read, what
        broke if anything, whether any record began). A record is known complete only once
        the iterator has read past it."""
        records, pending = 0, None
        try:
            for record in it:
                if pending is not None:
                    problem = self._finish(path, *pending)
                    if problem:
                        return records, problem, True
                    records += 1
                pending = (record, it.get_record_offset())
            if pending is not None:
                problem = self._finish(path, *pending)
                if problem:
                    return records, problem, True
                records += 1
        except Exception as exc:  # ArchiveLoadFailed, zlib.error, EOFError: a damaged file
            reason = (str(exc).splitlines() or [""])[0][:120] or type(exc).__name__
            offset = it.offset
            if pending is not None:
                problem = self._finish(path, *pending)
                if problem:
                    return records, f"{problem} ({reason})", True
                records += 1
            return (
                records,
                f"the record at byte offset {offset} is unreadable ({reason})",
                pending is not None,
            )
        return records, None, pending is not None

    def _finish(self, path: Path, record: ArcWarcRecord, offset: int) -> str | None:
        """Index `record` (read to its end) if it is whole; else say how it breaks off."""
        missing = _missing_bytes(record)
        if missing is None:
            return f"the record at byte offset {offset} breaks off inside its headers"
        if missing:
            return (
                f"the record at byte offset {offset} breaks off: {missing} of its "
                f"{record.length} bytes are missing"
            )
        if record.rec_type == "response":
            uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
            if uri:
                self._add(uri, Capture(path, offset, _date(record)))
        return None

    #: ">=": at equal dates (second-resolution WARC/1.0), the later record in reading order wins
    _UPSERT = (
        "INSERT INTO {table} (url, file, offset, date) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (url) DO UPDATE SET file = excluded.file, offset = excluded.offset, "
        "date = excluded.date WHERE excluded.date >= {table}.date"
    )

    def _add(self, uri: str, capture: Capture) -> None:
        row = (len(self.files) - 1, capture.offset, _ticks(capture.date))
        self.db.execute(self._UPSERT.format(table="exact"), (uri, *row))
        key = _canonical(uri)
        if key:
            self.db.execute(self._UPSERT.format(table="canonical"), (key, *row))

    def lookup(self, url: str) -> Capture | None:
        capture = self.exact.get(url)
        if capture is not None:
            return capture
        key = _canonical(url)
        return self.canonical.get(key) if key else None


_LOADED: dict[tuple, WarcIndex] = {}


def load_index(files: list[Path]) -> WarcIndex:
    """The index of `files`, read once per process: the crawl command checks the files
    before the crawl starts, and the download handler then uses the same index."""
    key = tuple((str(p.resolve()), *_signature(p)) for p in files)
    if key not in _LOADED:
        for index in _LOADED.values():  # one replay per process: keep no other index alive
            index.close()
        _LOADED.clear()
        _LOADED[key] = WarcIndex(files)
    return _LOADED[key]


def _signature(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


def replay_problem(value: Any) -> str | None:
    """What is wrong with the WARC files of a ``REPLAY_WARC`` value, in one line; None when
    they can be replayed (and are now indexed)."""
    try:
        files = warc_files(value)
        if not files:
            return "REPLAY_WARC names no WARC file"
        load_index(files)
    except ReplayError as exc:
        return str(exc)
    return None
