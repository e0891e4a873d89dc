"""The ``newsarchive`` command group and the options its commands share.

Every command's failure is one line on stderr and an honest exit code, never a traceback
(it is logged at DEBUG): 2 for a wrong command line (click's usage errors: every number, day
and path is checked before anything is done), 1 for an archive that cannot be used, such as a
damaged catalog ("catalog.db is damaged: run `newsarchive reindex`").
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from crawler import settings as project_settings
from crawler.store.catalog import DAMAGED, CatalogDamaged, is_damage
from crawler.store.run_status import EXIT_FAILED

logger = logging.getLogger(__name__)


class Failed(click.ClickException):
    """A command that could not do its work: one line, exit 1."""

    exit_code = EXIT_FAILED


def one_line(exc: click.ClickException) -> str:
    """`exc` as one line: ``newsarchive search: Invalid value for '--limit': ...``."""
    message = "; ".join(line.strip() for line in exc.format_message().splitlines() if line.strip())
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "newsarchive"
    hint = f" (see {where} --help)" if isinstance(exc, click.UsageError) else ""
    return f"{where}: {message}{hint}"


class ArchiveGroup(click.Group):
    """Errors as one line on stderr (usage errors too: exit 2); what the store raises becomes
    one line and exit 1."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            value = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:  # no command: the help, as click
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(one_line(exc), err=True)
            sys.exit(exc.exit_code)
        except (click.Abort, EOFError, KeyboardInterrupt):
            click.echo("newsarchive: aborted", err=True)
            sys.exit(EXIT_FAILED)
        sys.exit(value if isinstance(value, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CatalogDamaged as exc:
            logger.debug("damaged catalog", exc_info=True)
            raise Failed(str(exc)) from None
        except sqlite3.Error as exc:
            logger.debug("SQLite error", exc_info=True)
            if is_damage(exc):
                raise Failed(f"{DAMAGED} ({exc})") from None
            raise Failed(f"catalog.db: {exc}") from None
        except OSError as exc:
            logger.debug("OS error", exc_info=True)
            raise Failed(str(exc)) from None


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def main() -> None:
    """Work with a news archive written by the newsarchive crawler (`scrapy crawl zaobao`)."""


def archive_option(func=None, *, must_exist: bool = True):
    """``--archive DIR`` (default ./archive), passed as `archive_dir`. Unless `must_exist` is
    false (the writer of a crawl, `ingest`), a folder that does not exist is a usage error:
    no command but a crawl creates an archive."""

    def decorate(f):
        return click.option(
            "--archive",
            "archive_dir",
            type=click.Path(file_okay=False, exists=must_exist, path_type=Path),
            default=project_settings.ARCHIVE_DIR,
            show_default=True,
            help="The archive folder (the crawl's ARCHIVE_DIR).",
        )(f)

    return decorate(func) if func is not None else decorate
