"""``newsarchive status``: the last runs on an archive."""

from __future__ import annotations

import json
from pathlib import Path

import click

from crawler.cli.common import COUNT
from crawler.cli.group import archive_option, main
from crawler.store.runs import COUNTS, last_runs


@main.command()
@archive_option
@click.option("--last", "limit", type=COUNT, default=10, show_default=True, help="How many runs.")
@click.option("--json", "as_json", is_flag=True, help="The full reports as JSON lines.")
def status(archive_dir: Path, limit: int, as_json: bool) -> None:
    """Show the last runs of the crawler on an archive, newest first (from the catalog, or
    from the reports in ARCHIVE_DIR/_runs/ when there is no catalog). A damaged catalog is an
    error (exit 1), never "no runs".

    \b
    Example:
        newsarchive status --archive /srv/news/archive --last 24
    """
    runs = last_runs(archive_dir, limit)
    if as_json:
        for run in runs:
            click.echo(json.dumps(run, ensure_ascii=False))
        return
    if not runs:
        click.echo(f"no runs recorded in {archive_dir}")
        return
    width = max(22, *(len(run["id"]) for run in runs))  # worker reports: id + "-<worker>"
    header = f"{'run':<{width}} {'spider':<10} {'status':<12} {'secs':>7} {'reqs':>6}"
    header += "".join(f" {c:>9}" for c in COUNTS)
    click.echo(header)
    for run in runs:
        line = f"{run['id']:<{width}} {run['spider']:<10} {run['status']:<12}"
        line += f" {run['duration_seconds']:>7.1f} {run['requests']:>6}"
        line += "".join(f" {run['counts'].get(c, 0):>9}" for c in COUNTS)
        click.echo(line)
    latest = runs[0]
    if latest.get("problem"):
        click.echo(f"last run: {latest['problem']}")
    if latest.get("failed_reasons"):
        click.echo(
            "last run failed: " + ", ".join(f"{k} {v}" for k, v in latest["failed_reasons"].items())
        )
