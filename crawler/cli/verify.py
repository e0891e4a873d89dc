"""``newsarchive verify``: the files against the catalog and the format contract."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.common import progress_bar
from crawler.cli.group import archive_option, main
from crawler.store.verify import verify as verify_archive


@main.command()
@archive_option
def verify(archive_dir: Path) -> None:
    """Check the archive: every catalog row has its post file and every post file its row,
    no id or URL twice, front matter that parses and has every required key, paths that follow
    the rule, a search index entry per article, no temp file or unfinished write left behind.

    Prints every problem; exits with 1 if there is any.

    \b
    Example:
        newsarchive verify --archive /srv/news/archive || newsarchive reindex --archive /srv/news/archive
    """
    if not archive_dir.is_dir():
        raise click.ClickException(f"no archive folder {archive_dir}")
    problems = 0
    for problem in verify_archive(archive_dir, progress=progress_bar):
        click.echo(str(problem))
        problems += 1
    if problems:
        click.echo(f"{problems} problem{'s' * (problems != 1)} in {archive_dir}", err=True)
        sys.exit(1)
    click.echo(f"{archive_dir}: no problems", err=True)
