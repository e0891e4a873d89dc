"""``newsarchive diff``: the versions of an updated article and what changed between them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.common import open_reader
from crawler.cli.group import archive_option, main
from crawler.store.history import HISTORY_DIR, terminal_history, versions, write_history_pages
from crawler.store.lock import ArchiveLock, ArchiveLocked
from crawler.store.run_status import EXIT_LOCKED, EXIT_USAGE

#: the usage-error exit code (as click's own)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@main.command(name="diff")
@archive_option
@click.argument("key", metavar="ID|URL", required=False)
@click.option("--source", help="The source, when the id is in several.")
@click.option(
    "--rev", type=int, default=None,
    help="Only the change that made version N (2 = the first update).",
)  # fmt: skip
@click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Colour the changes (auto: only on a terminal).",
)  # fmt: skip
@click.option(
    "--write-pages", is_flag=True,
    help="Instead: (re)write the site's history page of every updated article.",
)  # fmt: skip
def diff_command(
    archive_dir: Path,
    key: str | None,
    source: str | None,
    rev: int | None,
    color: str,
    write_pages: bool,
) -> None:
    """Show every version of an article (fetch time, title) and the changes between consecutive
    versions: character by character in Chinese text, word by word in Latin text.

    Without colour, deletions are shown as [-text-] and insertions as {+text+}. Version 1 is the
    first one archived; the last is the current post. Exits with 2 for an unknown article or a
    --rev it does not have.

    \b
    Example:
        newsarchive diff story20240521-3615828
        newsarchive diff https://www.zaobao.com/news/china/story20240521-3615828 --rev 2
        newsarchive diff --write-pages     # history pages for an archive updated before them
    """
    if write_pages:
        _write_pages(archive_dir)
        return
    if key is None:
        _fail("name an article (ID or URL), or give --write-pages")
    with open_reader(archive_dir) as reader:  # no archive, or an old one: exit 1
        try:
            post = reader.load(key, source)
        except KeyError as exc:
            _fail(str(exc).strip("'\""))
        except (ValueError, OSError) as exc:
            _fail(f"{key}: cannot read the post ({exc})")
        found = versions(reader.db, reader.root, post.meta["source"], str(post.meta["id"]))
    if not found:
        _fail(f"{key}: not in the catalog")
    if rev is not None and not 2 <= rev <= len(found):
        span = f"2..{len(found)}" if len(found) > 1 else "none: it was never updated"
        _fail(f"bad --rev {rev}: {key} has {len(found)} version(s); --rev takes {span}")
    colored = color == "always" or (color == "auto" and sys.stdout.isatty())
    if len(found) == 1:
        click.echo(terminal_history(found, colored))
        click.echo("(one version: never updated)")
        return
    click.echo(terminal_history(found, colored, rev), color=colored)


def _write_pages(archive_dir: Path) -> None:
    """The history page of every article with revisions, under the archive's lock."""
    try:
        with ArchiveLock(archive_dir), open_reader(archive_dir) as reader:
            written = write_history_pages(reader.root, reader.db)
    except ArchiveLocked as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_LOCKED)
    click.echo(f"wrote {written} history pages under {archive_dir / HISTORY_DIR}")
