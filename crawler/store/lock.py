"""One writer per archive: an exclusive flock on ``ARCHIVE_DIR/.newsarchive.lock``.

The kernel drops the lock when its process dies, so a run killed with SIGKILL never blocks the
next one. Within one process the lock is shared (the crawl command takes it before the crawl
starts; the crawl's own components then find it held by themselves).
"""

from __future__ import annotations

import fcntl
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = ".newsarchive.lock"

_held: dict[Path, tuple[int, int]] = {}  # lock path -> (fd, users in this process)
_guard = threading.Lock()


class ArchiveLocked(RuntimeError):
    def __init__(self, path: Path, holder: str):
        super().__init__(
            f"another run holds the archive lock {path} ({holder or 'holder unknown'}); "
            "not starting. It is released when that run ends or dies."
        )
        self.path = path
        self.holder = holder


class ArchiveLock:
    """Use as a context manager, or call `acquire()` / `release()`."""

    def __init__(self, archive_dir: Path | str):
        self.path = (Path(archive_dir) / LOCK_NAME).resolve()
        self.acquired = False

    def acquire(self) -> ArchiveLock:
        with _guard:
            if self.path in _held:
                fd, users = _held[self.path]
                _held[self.path] = (fd, users + 1)
                self.acquired = True
                return self
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                os.close(fd)
                raise ArchiveLocked(self.path, holder) from None
            os.ftruncate(fd, 0)
            now = datetime.now(UTC).replace(microsecond=0).isoformat()
            os.pwrite(fd, f"pid {os.getpid()} since {now}\n".encode(), 0)
            _held[self.path] = (fd, 1)
            self.acquired = True
            return self

    def release(self) -> None:
        if not self.acquired:
            return
        self.acquired = False
        with _guard:
            fd, users = _held[self.path]
            if users > 1:
                _held[self.path] = (fd, users - 1)
                return
            del _held[self.path]
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> ArchiveLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def lock_holder(archive_dir: Path | str) -> str | None:
    """What holds the archive's lock ("pid 123 since ..."), or None when no process holds it.
    Only looks: never takes the lock for longer than the test, works on read-only media."""
    path = (Path(archive_dir) / LOCK_NAME).resolve()
    with _guard:
        if path in _held:
            return f"pid {os.getpid()} (this process)"
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "holder unknown"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
