"""``newsarchive status``: the last runs on an archive."""

from __future__ import annotations

import json
from pathlib import Path

import click

from crawler import settings as project_settings
from crawler.cli.common import COUNT
from crawler.cli.group import archive_option, main
from crawler.store.runs import COUNTS, last_runs


@main.command()
@archive_option(must_exist=False)  # not needed with --redis; checked below
@click.option("--last", "limit", type=COUNT, default=10, show_default=True, help="How many runs.")
@click.option("--json", "as_json", is_flag=True, help="The full reports as JSON lines.")
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="Show the current distributed run on this Redis instead: workers, queues, items.",
)
@click.option(
    "--prefix",
    default=project_settings.REDIS_KEY_PREFIX,
    show_default=True,
    help="With --redis: REDIS_KEY_PREFIX.",
)
def status(
    archive_dir: Path, limit: int, as_json: bool, redis_url: str | None, prefix: str
) -> None:
    """Show the last runs of the crawler on an archive, newest first; with --redis, the
    current distributed run: its workers (alive, last heartbeat, requests held), the queue
    of requests, the items waiting for the ingester and those it set aside. Without --redis,
    runs come from the catalog, or from the reports in ARCHIVE_DIR/_runs/ when there is no
    catalog; a damaged catalog is an error (exit 1), never "no runs".

    \b
    Examples:
        newsarchive status --archive /srv/news/archive --last 24
        newsarchive status --redis redis://10.0.0.5:6379/0
    """
    if redis_url:
        _current_run(redis_url, prefix, as_json)
        return
    if not archive_dir.is_dir():
        raise click.BadParameter(
            f"Directory '{archive_dir}' does not exist.", param_hint="'--archive'"
        )
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


def _current_run(redis_url: str, prefix: str, as_json: bool) -> None:
    import redis

    from crawler.distributed import redacted
    from crawler.distributed.connection import connect
    from crawler.distributed.progress import render, snapshot

    try:
        server = connect(redis_url, reconnect_seconds=2, socket_timeout=10)
        try:
            state = snapshot(server, prefix)
        finally:
            server.close()
    except (redis.RedisError, ValueError) as exc:
        raise click.ClickException(f"cannot read Redis at {redacted(redis_url)}: {exc}") from None
    if as_json:
        click.echo(json.dumps(state.to_dict(), ensure_ascii=False))
        return
    click.echo(f"Redis {redacted(redis_url)}")
    for line in render(state):
        click.echo(line)
