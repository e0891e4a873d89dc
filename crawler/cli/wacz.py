"""``newsarchive wacz``: package the recorded WARCs as a WACZ for ReplayWeb.page and pywb."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from crawler.cli.common import filter_options, open_reader, warcs_option
from crawler.cli.group import archive_option, main
from crawler.store.reextract import warc_files
from crawler.store.wacz import Page, build_wacz


@main.command(name="wacz")
@archive_option
@warcs_option
@filter_options
@click.option(
    "--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The WACZ file to write.",
)  # fmt: skip
@click.option("--title", default="newsarchive", show_default=True, help="The collection's title.")
def wacz_command(
    archive_dir: Path,
    warcs: tuple[Path, ...],
    source: str | None,
    since: date | None,
    until: date | None,
    output: Path,
    title: str,
) -> None:
    """Package the crawl's WARC files (WARC_DIR) as a WACZ: the WARCs, a CDXJ index and a list
    of the archived articles' captures. It opens in ReplayWeb.page and pywb, showing each page
    as it was fetched.

    Without --source/--since/--until every record is packaged (listing pages too); with them
    only the captures of the matching articles (publish days, as for `export`).

    \b
    Example:
        newsarchive wacz --archive /srv/news/archive --warc /srv/news/warc -o news.wacz
        newsarchive wacz --source zaobao --since 2024-06-01 --until 2024-06-30 -o june.wacz
    """
    paths = list(warcs) or [archive_dir / "warc"]
    if not warcs and not paths[0].is_dir():
        raise click.ClickException(f"no {paths[0]} folder: name the WARC files with --warc")
    files = warc_files(paths)
    if not files:
        raise click.ClickException(f"no WARC file in {', '.join(map(str, paths))}")
    filtered = bool(source or since or until)
    with open_reader(archive_dir) as reader:
        pages = {
            row["url"]: Page(row["url"], row["title"]) for row in reader.rows(source, since, until)
        }
    try:
        result = build_wacz(output, files, pages, pages if filtered else None, title)
    except ValueError as exc:
        raise click.ClickException(f"nothing written: {exc}") from None
    for broken in result.broken:
        click.echo(f"warning: {broken} ends with a broken record; its rest was left out", err=True)
    click.echo(
        f"wrote {output}: {len(result.files)} WARC files, {result.records} records, "
        f"{result.pages} pages",
        err=True,
    )
    if result.broken:
        sys.exit(1)
