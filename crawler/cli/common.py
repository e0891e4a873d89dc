"""What several commands share: the article filters, counts, output paths, opening a reader,
the progress bar."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TextIO, TypeVar

import click
from tqdm import tqdm

from crawler.store.reader import Reader

T = TypeVar("T")
_DAY = click.DateTime(formats=["%Y-%m-%d"])
#: the largest count any option takes (a number SQLite and the terminal can both hold)
MAX_COUNT = 1_000_000_000
COUNT = click.IntRange(1, MAX_COUNT)


def _to_date(ctx: click.Context, param: click.Parameter, value: datetime | None) -> date | None:
    return value.date() if value else None


#: the WARCs a command reads (``reextract``, ``wacz``)
warcs_option = click.option(
    "--warc", "warcs", multiple=True, type=click.Path(exists=True, path_type=Path),
    help="A WARC file or a folder of them (repeatable). Default: the archive's warc/ folder.",
)  # fmt: skip


def filter_options(func: Callable) -> Callable:
    """``--source``, ``--since`` and ``--until`` (publish days, inclusive, outlet's timezone);
    `--since` later than `--until` is a usage error."""

    command = func

    @functools.wraps(command)
    def checked(*args, since: date | None = None, until: date | None = None, **kwargs):
        if since and until and since > until:
            raise click.UsageError(f"--since {since} is later than --until {until}")
        return command(*args, since=since, until=until, **kwargs)

    func = checked
    for option in reversed(
        (
            click.option("--source", help="Only this source (e.g. zaobao)."),
            click.option(
                "--since", type=_DAY, callback=_to_date, help="Published on or after this day."
            ),
            click.option(
                "--until", type=_DAY, callback=_to_date, help="Published on or before this day."
            ),
        )
    ):
        func = option(func)
    return func


@contextmanager
def open_reader(archive_dir: Path) -> Iterator[Reader]:
    """A Reader on `archive_dir` (read-only: works on read-only media). No catalog there is a
    usage error; an old or damaged one a clean error (exit 1, see group.ArchiveGroup)."""
    try:
        reader = Reader(archive_dir)
    except FileNotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint="'--archive'") from None
    except LookupError as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None
    try:
        yield reader
    except LookupError as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None
    finally:
        reader.close()


def _probe_writable(folder: Path) -> None:
    """BadParameter unless a file can be made in `folder` (made and removed at once)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".newsarchive-probe-", dir=folder)
    except OSError as exc:
        raise click.BadParameter(f"cannot write in {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(name)


def writable_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """An output file option: its folder must exist and take a new file; not a folder itself."""
    if value is None or str(value) == "-":
        return value
    if value.is_dir():
        raise click.BadParameter(f"{value} is a folder")
    folder = value.parent
    if not folder.is_dir():
        what = f"{folder} is not a folder" if folder.exists() else f"no folder {folder}"
        raise click.BadParameter(f"{what} to write {value.name} in")
    _probe_writable(folder)
    return value


def writable_dir(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """An output folder option: a folder (made later if missing) under one that takes files."""
    if value is None:
        return value
    existing = value
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise click.BadParameter(f"{existing} is not a folder")
    _probe_writable(existing)
    return value


@contextmanager
def output_file(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or `path` written whole or not at all (a temp file renamed at the end)."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # as a plain open() would make it
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def progress_bar(iterable: Iterable[T], total: int | None = None, desc: str = "") -> Iterable[T]:
    """A progress bar on stderr when it is a terminal; nothing at all in pipes and logs."""
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=" posts",
        leave=False,
        dynamic_ncols=True,
        disable=not sys.stderr.isatty(),
    )
