"""Crash-safe file writes that stay inside the archive.

A write goes to a hidden temp file in the same folder, is synced, then renamed over the target.
Given the archive's `root`, the folders from the root down to the file are opened one by one
with ``O_NOFOLLOW`` (``openat``), so a symlink planted anywhere under the root (``_posts/zaobao
-> /etc``) makes the write fail with `OutsideArchive` instead of writing elsewhere, and a
symlink in place of the file itself is refused too. Reads and deletes of archive files go
through the same check (`inside`, `unlink_inside`).

`write_batch` writes many files with the same guarantees and fewer waits: every temp file is
written, then all are fsynced together (from a few threads: the file system commits them in
one journal flush instead of one each), renamed, and each folder is fsynced once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

logger = logging.getLogger(__name__)

#: temp files start with this; Jekyll ignores dotfiles and `verify` reports leftovers
TEMP_PREFIX = ".tmp-"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class OutsideArchive(OSError):
    """A path under the archive that goes through a symlink or out of the archive."""

    def __init__(self, root: Path, path: Path | str, why: str):
        super().__init__(f"refusing {path}: {why} (under {root}); `newsarchive verify` lists it")
        self.root = root
        self.path = path


def _parts(root: Path, path: Path | str) -> list[str]:
    """`path` (absolute, or relative to `root`) as the names below `root`; OutsideArchive when
    it is not below it."""
    path = Path(path)
    try:
        rel = path.relative_to(root)
    except ValueError:
        if path.is_absolute():
            raise OutsideArchive(root, path, "not in the archive") from None
        rel = path  # relative to the root
    parts = PurePosixPath(rel.as_posix()).parts
    if not parts or any(p in ("", ".", "..") or p.startswith("/") for p in parts):
        raise OutsideArchive(root, path, "not a plain path in the archive")
    return list(parts)


def _open_dirs(root: Path, names: list[str], create: bool) -> int:
    """An fd on the folder root/names[0]/..., each opened with O_NOFOLLOW; made if `create`."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for n, name in enumerate(names):
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o755, dir_fd=fd)
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                mode = _lmode(fd, name)
                if mode is not None and stat.S_ISLNK(mode):
                    where = "/".join(names[: n + 1])
                    raise OutsideArchive(root, where, "a symlink") from None
                raise exc from None
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _lmode(dir_fd: int, name: str) -> int | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except OSError:
        return None


def _check_target(root: Path, path: Path, dir_fd: int, name: str) -> None:
    mode = _lmode(dir_fd, name)
    if mode is not None and not stat.S_ISREG(mode):
        why = "a symlink" if stat.S_ISLNK(mode) else "not a regular file"
        raise OutsideArchive(root, path, why)


def _write_temp(dir_fd: int, name: str, raw: bytes) -> str:
    """A new temp file beside `name` holding `raw` (not synced); its name."""
    tmp = f"{TEMP_PREFIX}{secrets.token_hex(4)}{Path(name).suffix}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(tmp, flags, 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise
    return tmp


def _encoded(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def write_atomic(path: Path, data: str | bytes, root: Path | None = None) -> None:
    """Replace `path` with `data` so that readers only ever see the old or the new whole file.

    With `root` (the archive), refuse (`OutsideArchive`) to go through any symlink below it.
    Without, `path`'s folder is trusted and only a symlink in place of the file is refused.
    """
    root = Path(root) if root is not None else path.parent
    if root == path.parent:
        root.mkdir(parents=True, exist_ok=True)
    *folders, name = _parts(root, path)
    raw = _encoded(data)
    dir_fd = _open_dirs(root, folders, create=True)
    try:
        _check_target(root, path, dir_fd, name)
        tmp = _write_temp(dir_fd, name, raw)
        try:
            _fsync_file(dir_fd, tmp)
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


def _fsync_file(dir_fd: int, name: str) -> None:
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: fsyncs of one batch run side by side from this many threads (waits on the disk, not CPU)
SYNC_THREADS = 8
_sync_pool: ThreadPoolExecutor | None = None
_sync_pool_lock = threading.Lock()


def _fsync_all(calls: list) -> list[BaseException | None]:
    """Run the no-argument `calls` (fsyncs) side by side; the error of each, or None."""

    def run(call) -> BaseException | None:
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - handed back to the caller, per file
            return exc
        return None

    if len(calls) <= 1:
        return [run(call) for call in calls]
    global _sync_pool
    with _sync_pool_lock:
        if _sync_pool is None:
            _sync_pool = ThreadPoolExecutor(SYNC_THREADS, thread_name_prefix="archive-fsync")
    return list(_sync_pool.map(run, calls))


@dataclass
class _Staged:
    """One file of a batch on its way: its temp file beside it, in the folder `dir_fd`."""

    index: int
    path: Path
    name: str
    dir_fd: int
    tmp: str | None = None


def write_batch(root: Path, files: list[tuple[Path, str | bytes]]) -> list[Exception | None]:
    """Write each (path, data) of `files` under the archive `root` as `write_atomic` would,
    with the waits of the batch shared: all temp files written, fsynced together, renamed,
    then each folder fsynced once. Returns, per file, None (written and durable) or the error
    that stopped it: a file that fails fails alone (its temp file removed), the others are
    written. An error fsyncing a folder is the error of every file renamed into it (those
    files are in place but maybe not durable)."""
    root = Path(root)
    errors: list[Exception | None] = [None] * len(files)
    folders: dict[tuple[str, ...], int] = {}
    staged: list[_Staged] = []
    try:
        for index, (path, data) in enumerate(files):
            try:
                *parts, name = _parts(root, path)
                key = tuple(parts)
                if key not in folders:
                    folders[key] = _open_dirs(root, parts, create=True)
                one = _Staged(index, path, name, folders[key])
                _check_target(root, path, one.dir_fd, name)
                one.tmp = _write_temp(one.dir_fd, name, _encoded(data))
                staged.append(one)
            except Exception as exc:  # noqa: BLE001 - this file fails alone
                errors[index] = exc
        synced = _fsync_all([_bind(_fsync_file, s.dir_fd, s.tmp) for s in staged])
        renamed: dict[int, list[int]] = {}
        for one, error in zip(staged, synced, strict=True):
            try:
                if error is not None:
                    raise error
                os.replace(one.tmp, one.name, src_dir_fd=one.dir_fd, dst_dir_fd=one.dir_fd)
                one.tmp = None
                renamed.setdefault(one.dir_fd, []).append(one.index)
            except Exception as exc:  # noqa: BLE001 - this file fails alone
                errors[one.index] = exc
        dir_fds = list(renamed)
        dir_errors = _fsync_all([_bind(os.fsync, fd) for fd in dir_fds])
        for dir_fd, error in zip(dir_fds, dir_errors, strict=True):
            if error is not None:  # the renames into this folder may not be durable
                for index in renamed[dir_fd]:
                    errors[index] = error  # type: ignore[assignment]
    finally:
        for one in staged:
            if one.tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(one.tmp, dir_fd=one.dir_fd)
        for fd in folders.values():
            os.close(fd)
    return errors


def _bind(call, *args):
    return lambda: call(*args)


def inside(root: Path, path: Path | str) -> Path:
    """``root / path`` when neither it nor a folder between is a symlink; else OutsideArchive.
    (For reading: a planted symlink must not make the archive read a file from elsewhere.)"""
    names = _parts(root, path)
    current = root
    for name in names:
        current = current / name
        if current.is_symlink():
            raise OutsideArchive(root, path, f"{current.relative_to(root)} is a symlink")
    return current


def read_inside(root: Path, path: Path | str) -> str:
    """The text of an archive file (FileNotFoundError, OutsideArchive)."""
    return inside(root, path).read_text(encoding="utf-8")


def unlink_inside(root: Path, path: Path | str) -> bool:
    """Delete an archive file, never one reached through a symlinked folder (a symlink in place
    of the file is itself deleted); a missing file is fine. False when refused (logged: the
    file stays, `newsarchive verify` reports the symlink)."""
    try:
        *folders, name = _parts(root, path)
        dir_fd = _open_dirs(root, folders, create=False)
    except FileNotFoundError:
        return True
    except OutsideArchive as exc:
        logger.warning("not deleting: %s", exc)
        return False
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=dir_fd)
        return True
    finally:
        os.close(dir_fd)


def walk_inside(root: Path) -> Iterator[tuple[Path, list[str], list[str], list[str]]]:
    """(folder, subfolders, files, symlinks) of every folder under `root`, never entering a
    symlinked folder; symlinks (to anything) are listed apart, not among files or folders."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        links = sorted(n for n in dirs + files if (here / n).is_symlink())
        dirs[:] = sorted(d for d in dirs if d not in links)
        yield here, dirs, sorted(f for f in files if f not in links), links


def remove_stale_temp_files(root: Path) -> list[Path]:
    """Delete temp files a killed run left behind under `root`; returns what was removed."""
    removed = []
    for folder, _, files, links in walk_inside(root):
        for name in files + links:
            if name.startswith(TEMP_PREFIX):
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
                    removed.append(folder / name)
    return removed
