"""Crash-safe file writes: a hidden temp file in the same folder, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

#: temp files start with this; Jekyll ignores dotfiles and `verify` reports leftovers
TEMP_PREFIX = ".tmp-"


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace `path` with `data` so that readers only ever see the old or the new whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temp_files(root: Path) -> list[Path]:
    """Delete temp files a killed run left behind under `root`; returns what was removed."""
    removed = []
    for tmp in root.rglob(TEMP_PREFIX + "*"):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
            removed.append(tmp)
    return removed
