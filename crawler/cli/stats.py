"""``newsarchive stats``: articles per source and per day, and what they lack."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from crawler.cli.common import MAX_COUNT, filter_options, open_reader
from crawler.cli.group import archive_option, main
from crawler.store.stats import MISSING, archive_stats


@main.command()
@archive_option
@filter_options
@click.option(
    "--days", type=click.IntRange(0, MAX_COUNT), default=30, show_default=True,
    help="Show the last N days that have articles (0: all).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="The numbers as one JSON object.")
def stats(
    archive_dir: Path,
    source: str | None,
    since: date | None,
    until: date | None,
    days: int,
    as_json: bool,
) -> None:
    """Count articles per source and per publish day, and the share missing a date (taken
    from the URL or guessed), a byline or a body.

    \b
    Example:
        newsarchive stats --archive /srv/news/archive --days 7
        newsarchive stats --source zaobao --since 2024-01-01 --json
    """
    with open_reader(archive_dir) as reader:
        numbers = archive_stats(reader, source, since, until, days or None)
    if as_json:
        click.echo(json.dumps(numbers, ensure_ascii=False, indent=2))
        return
    click.echo(f"articles: {numbers['articles']}")
    shares = " · ".join(f"{k} {v:.1%}" for k, v in numbers["missing"].items())
    click.echo(f"missing: {shares}")
    click.echo("")
    header = f"{'source':<12} {'articles':>8}  {'first':<10}  {'last':<10}"
    header += "".join(f" {'no ' + name:>10}" for name in MISSING)
    click.echo(header)
    for row in numbers["sources"]:
        line = f"{row['source']:<12} {row['articles']:>8}  {row['first'][:10]:<10}"
        line += f"  {row['last'][:10]:<10}"
        line += "".join(f" {row['missing_' + name]:>10}" for name in MISSING)
        click.echo(line)
    if numbers["days"]:
        click.echo("")
        click.echo(f"{'day':<12} {'source':<12} {'articles':>8}")
        for row in numbers["days"]:
            click.echo(f"{row['day']:<12} {row['source']:<12} {row['articles']:>8}")
