"""``newsarchive export``: articles as JSON Lines or CSV, streamed."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from crawler.cli.common import filter_options, open_reader, output_file, progress_bar, writable_file
from crawler.cli.group import archive_option, main
from crawler.store.export import FORMATS, export


@main.command(name="export")
@archive_option
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True,
    help="jsonl: one JSON object per line; csv: a header row, lists as JSON arrays.",
)  # fmt: skip
@filter_options
@click.option("--query", default="", help="Only articles matching this search query.")
@click.option("--agency", default=None, help="Only stories from this agency (来源, e.g. 新华社).")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
    callback=writable_file,
    help="Write to this file (whole or not at all) instead of standard output.",
)  # fmt: skip
def export_command(
    archive_dir: Path,
    fmt: str,
    source: str | None,
    since: date | None,
    until: date | None,
    query: str,
    agency: str | None,
    output: Path | None,
) -> None:
    """Export articles, oldest first: every front-matter field, the body and the path.

    One article is read at a time, so any archive exports in little memory.

    \b
    Example:
        newsarchive export --source zaobao --since 2024-06-01 > june.jsonl
        newsarchive export --format csv --query 台湾 -o taiwan.csv
        newsarchive export --agency 新华社 > xinhua.jsonl
    """
    with open_reader(archive_dir) as reader:
        total = reader.count(source, since, until, query, agency) if sys.stderr.isatty() else None
        posts = reader.articles(source, since, until, query, agency)
        posts = progress_bar(posts, total, "exporting")
        with output_file(output) as out:
            count = export(posts, out, fmt)
    if output is not None:
        click.echo(f"exported {count} articles to {output}", err=True)
