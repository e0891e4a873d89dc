"""``newsarchive site build``: the archive's Jekyll site, searchable in the browser."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.group import archive_option, main
from crawler.store.site_build import SiteBuildError, build_site


@main.group()
def site() -> None:
    """The archive as a static website, searchable in the browser.

    \b
    Example:
        newsarchive site build --archive archive --dest /srv/www/news
    """


@site.command()
@archive_option
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the site goes (replaced).  [default: DIR/_site]",
)
def build(archive_dir: Path, dest: Path | None) -> None:
    """Build the site with Jekyll, then index it for search with Pagefind.

    Writes the pages the archive lacks first (a page per source and month, the URL entry of
    each source in _config.yml), never overwriting one. The site gets a search page (/search/)
    and a search box on every page; a query in Traditional or Simplified script finds both.
    Serve DEST with any static web server. Exit 1 when a step fails, with its reason.

    \b
    Example:
        newsarchive site build --archive archive --dest /srv/www/news
        python3 -m http.server -d /srv/www/news 8000
    """
    dest = dest if dest is not None else archive_dir / "_site"
    try:
        result = build_site(archive_dir, dest)
    except SiteBuildError as exc:
        click.echo(f"site build: {exc}", err=True)
        sys.exit(1)
    for line in result.prepared.notes:
        click.echo(f"note: {line}", err=True)
    for line in result.warnings:
        click.echo(f"warning: {line}", err=True)
    wrote = result.prepared
    if wrote.skeleton or wrote.urls or wrote.pages:
        click.echo(
            f"wrote {len(wrote.skeleton)} site files, {len(wrote.urls)} source URL entries, "
            f"{len(wrote.pages)} source and month pages into {archive_dir}",
            err=True,
        )
    indexed = "?" if result.indexed_pages is None else result.indexed_pages
    click.echo(
        f"built {dest}: {result.posts} articles, {result.simplified_copies} with a Simplified "
        f"copy, {indexed} pages indexed for search",
        err=True,
    )
