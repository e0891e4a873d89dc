"""What several commands share: the article filters, opening a reader, the progress bar."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import click
from tqdm import tqdm

from crawler.store.reader import Reader

T = TypeVar("T")
_DAY = click.DateTime(formats=["%Y-%m-%d"])


def _to_date(ctx: click.Context, param: click.Parameter, value: datetime | None) -> date | None:
    return value.date() if value else None


def filter_options(func: Callable) -> Callable:
    """``--source``, ``--since`` and ``--until`` (publish days, inclusive, outlet's timezone)."""
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
    """A Reader on `archive_dir`; a missing catalog or search index is a clean error."""
    try:
        reader = Reader(archive_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield reader
    except LookupError as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None
    except sqlite3.OperationalError as exc:  # e.g. a catalog of an older schema, opened read-only
        raise click.ClickException(
            f"cannot read {archive_dir}/catalog.db ({exc}); `newsarchive reindex` upgrades it"
        ) from None
    finally:
        reader.close()


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
