"""``newsarchive ingest``: the archive writer of a distributed crawl (docs/distributed.md)."""

from __future__ import annotations

import logging
import math
import signal
import sys
from pathlib import Path

import click

from crawler import settings as project_settings
from crawler.cli.group import archive_option, main
from crawler.store.catalog import check_catalog
from crawler.store.lock import ArchiveLocked
from crawler.store.run_status import EXIT_FAILED, EXIT_LOCKED

#: the longest wait an option takes: a day
MAX_SECONDS = 86_400
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def _redis_url(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.startswith(REDIS_SCHEMES):
        raise click.BadParameter(f"not a Redis URL (it starts with {', '.join(REDIS_SCHEMES)})")
    return value


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds")
    return value


@main.command()
@archive_option(must_exist=False)
@click.option(
    "--redis",
    "redis_url",
    required=True,
    envvar="NEWSARCHIVE_REDIS_URL",
    metavar="URL",
    callback=_redis_url,
    help="The Redis server the workers use (their REDIS_URL), e.g. redis://10.0.0.5:6379/0.",
)
@click.option(
    "--until-idle",
    type=click.FloatRange(0, MAX_SECONDS),
    callback=_finite,
    metavar="SECONDS",
    help="Exit once the run is over: this many seconds with nothing to ingest, no live worker, "
    "and no request queued or held by any worker, dead or alive (default: run until "
    "SIGINT/SIGTERM).",
)
@click.option(
    "--prefix",
    default=project_settings.REDIS_KEY_PREFIX,
    show_default=True,
    help="The workers' REDIS_KEY_PREFIX.",
)
@click.option(
    "--lease-ttl",
    type=click.IntRange(3, MAX_SECONDS),
    default=30,
    show_default=True,
    help="Seconds another ingester waits for a stopped one's lease to expire.",
)
@click.option(
    "--reconnect-timeout",
    "reconnect_seconds",
    type=click.FloatRange(min=0),
    default=project_settings.REDIS_RECONNECT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long to keep retrying a Redis that went away (a restart) before failing (exit 1).",
)
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
)
def ingest(
    archive_dir: Path,
    redis_url: str,
    until_idle: float | None,
    prefix: str,
    lease_ttl: int,
    reconnect_seconds: float,
    log_level: str,
) -> None:
    """Write what the crawl workers extracted into the archive: the single writer.

    Workers (`scrapy crawl SOURCE -s REDIS_URL=...`, on any machine) push the articles they
    extracted to Redis; this command, on the archive machine, saves them one at a time, tells
    the workers what is archived, and writes the workers' run reports and its own into
    ARCHIVE_DIR/_runs/. Killed at any moment, the next one starts with the item in hand.

    With --until-idle, it ends when the run does: while workers are alive or requests are
    queued or held (a dead worker's until they are given back and done), it waits, and says
    once a minute what for.

    Exit codes: 0 ok; 1 failed (Redis unreachable, an item could not be saved); 3 stopped by a
    signal before --until-idle was reached; 75 another run holds the archive lock, or another
    ingester the Redis prefix.

    \b
    Examples:
        newsarchive ingest --redis redis://10.0.0.5:6379/0 --archive /srv/news/archive
        newsarchive ingest --redis redis://localhost:6379/0 --until-idle 300   # from cron
    """
    import redis

    from crawler.distributed import redacted
    from crawler.distributed.connection import connect
    from crawler.distributed.ingest import Ingester, IngesterBusy

    logging.basicConfig(
        level=log_level.upper(),
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    check_catalog(archive_dir)  # a damaged one: the one message (exit 1), nothing written
    block = 1.0
    try:
        server = connect(redis_url, reconnect_seconds, socket_timeout=block + 30)
        server.ping()
    except (redis.RedisError, ValueError) as exc:
        click.echo(f"newsarchive: cannot reach Redis at {redacted(redis_url)}: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    ingester = Ingester(server, archive_dir, prefix=prefix, lease_ttl=lease_ttl, block=block)

    def stop(signum, frame):
        if ingester.stopping:  # a second signal: stop now (the item in hand is kept in Redis)
            raise KeyboardInterrupt
        logging.getLogger(__name__).info(
            "%s: stopping once the item in hand is saved", signal.Signals(signum).name
        )
        ingester.stop()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        report = ingester.run(until_idle)
    except (ArchiveLocked, IngesterBusy) as exc:
        click.echo(f"newsarchive: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    except redis.RedisError as exc:
        click.echo(f"newsarchive: Redis failed: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.close()
    sys.exit(report["exit_code"])
