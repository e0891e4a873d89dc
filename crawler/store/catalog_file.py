"""The catalog file as a file: opening it read-only (also on read-only media) and telling a
damaged one (truncated, garbage, another program's) from a sound one. No Scrapy here."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

logger = logging.getLogger(__name__)

CATALOG_NAME = "catalog.db"
#: what every command says, whatever it was doing, when the catalog cannot be read
DAMAGED = f"{CATALOG_NAME} is damaged: run `newsarchive reindex`"
#: errors that say the file is not the catalog we wrote (the rest: locked, read-only, ...)
_SCHEMA_ERRORS = ("no such table", "no such column", "has no column", "already exists")
_CORRUPT_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


class CatalogDamaged(Exception):
    """The catalog file is not a readable catalog (truncated, garbage, another schema)."""

    def __init__(self, path: Path | str, detail: str):
        super().__init__(f"{DAMAGED} ({detail})")
        self.path = Path(path)
        self.detail = detail


def is_damage(exc: BaseException) -> bool:
    """Whether an SQLite error means the catalog file itself is broken or not ours."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    if isinstance(exc, sqlite3.OperationalError):
        return any(text in str(exc) for text in _SCHEMA_ERRORS)
    if type(exc) is sqlite3.DatabaseError:  # not Integrity/Programming/...: SQLITE_CORRUPT etc.
        return True
    return getattr(exc, "sqlite_errorname", "") in _CORRUPT_CODES


def quick_check(db: sqlite_utils.Database) -> None:
    """SQLite's own check of every page (a fraction of a second per 500 MB of catalog)."""
    found = [row[0] for row in db.execute("PRAGMA quick_check(1)")]
    if found != ["ok"]:
        raise CatalogDamaged(CATALOG_NAME, f"quick_check: {found[0] if found else 'no answer'}")


def readonly_uri(path: Path) -> str:
    """The URI that opens `path` read-only. On read-only media (no ``-shm`` file can be made)
    SQLite's ``mode=ro`` cannot open a WAL database: it is opened ``immutable`` instead."""
    path = path.resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no catalog {path}")
    uri = f"file:{quote(str(path))}?mode=ro"
    try:
        probe = sqlite3.connect(uri, uri=True)
        try:
            probe.execute("select count(*) from sqlite_master").fetchone()
        finally:
            probe.close()
        return uri
    except sqlite3.OperationalError as exc:  # "unable to open database file", "readonly"
        if os.access(path.parent, os.W_OK) and not _read_only_fs(path.parent):
            raise
        logger.debug("%s: %s; opening it immutable (read-only media)", path, exc)
        return f"file:{quote(str(path))}?immutable=1"


def connect_readonly(path: Path) -> sqlite3.Connection:
    """`path` opened read-only (see `readonly_uri`)."""
    return sqlite3.connect(readonly_uri(path), uri=True)


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
