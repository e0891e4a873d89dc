"""``newsarchive stats``: articles per source and per day, and what they lack; ``--health``: the
health and drift figures of each outlet across the last runs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from crawler.cli.common import MAX_COUNT, filter_options, open_reader
from crawler.cli.group import archive_option, main
from crawler.store.stats import MISSING, TREND_MARKS, archive_stats, health_trend

_TREND_TITLES = {
    "no_date": "no date",
    "no_byline": "no byline",
    "short_body": "short",
    "incomplete": "incompl.",
    "empty_body": "no body",
    "fallback_body": "fallback",
    "site_title": "site title",
}


@main.command()
@archive_option
@filter_options
@click.option("--agency", default=None, help="Only stories from this agency (来源, e.g. 新华社).")
@click.option(
    "--days", type=click.IntRange(0, MAX_COUNT), default=30, show_default=True,
    help="Show the last N days that have articles (0: all).",
)  # fmt: skip
@click.option(
    "--health", is_flag=True,
    help="Per outlet, its health and drift figures in each of the last --runs runs.",
)  # fmt: skip
@click.option(
    "--runs", type=click.IntRange(1, MAX_COUNT), default=10, show_default=True,
    help="With --health: how many of the last runs.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="The numbers as one JSON object.")
def stats(
    archive_dir: Path,
    source: str | None,
    since: date | None,
    until: date | None,
    agency: str | None,
    days: int,
    health: bool,
    runs: int,
    as_json: bool,
) -> None:
    """Count articles per source and per publish day, and the share missing a date (taken
    from the URL or guessed), a byline or a body.

    With --health: per outlet, newest run first, its articles, the article links its listing
    pages yielded, the share of articles lacking each thing, read by the generic fallback
    (its body selectors stopped matching) or titled with the site's name, and the warnings
    that named it.

    \b
    Example:
        newsarchive stats --archive /srv/news/archive --days 7
        newsarchive stats --source zaobao --since 2024-01-01 --json
        newsarchive stats --agency 新华社
        newsarchive stats --health --runs 5
    """
    with open_reader(archive_dir) as reader:
        if health:
            trend = health_trend(reader, source, runs)
        else:
            numbers = archive_stats(reader, source, since, until, days or None, agency)
    if health:
        _show_trend(trend, as_json)
        return
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


def _show_trend(trend: dict[str, list], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(trend, ensure_ascii=False, indent=2))
        return
    if not trend:
        click.echo("no run report with health figures yet", err=True)
        return
    header = f"  {'run':<20} {'articles':>8} {'links':>6}"
    header += "".join(f" {_TREND_TITLES[m]:>10}" for m in TREND_MARKS)
    for outlet, rows in trend.items():
        click.echo(click.style(outlet, bold=True))
        click.echo(header)
        for row in rows:
            links = "-" if row["links"] is None else str(row["links"])
            line = f"  {row['run']:<20} {row['articles']:>8} {links:>6}"
            line += "".join(f" {row['share'][m]:>10.0%}" for m in TREND_MARKS)
            click.echo(line)
            for warning in row["warnings"]:
                click.echo(f"    WARNING {warning}")
        click.echo("")
