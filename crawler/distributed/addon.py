"""``-s REDIS_URL=redis://host:6379/0`` turns a crawl into a worker of a distributed crawl.

`RedisAddon` (listed in ``ADDONS``) does nothing without ``REDIS_URL``. With it, it switches:

======================  ====================================================================
``SCHEDULER``           `RedisScheduler`: the shared, reliable frontier (scrapy-redis)
``DUPEFILTER_CLASS``    `RedisDupeFilter`: one fingerprint set for all workers
``ITEM_PIPELINES``      `ArchivePipeline` out, `RedisItemPipeline` in (articles go to Redis)
``EXTENSIONS``          `RunReport` out, `WorkerRunReport` in (the report goes to Redis)
``SPIDER_MIDDLEWARES``  `SeedOnceMiddleware` in (start points from the run's first worker only)
``INCREMENTAL_STORE``   ``redis``: "already archived" is read from what the ingester published
======================  ====================================================================

A value given on the command line (``-s NAME=...``) is left alone.
"""

from __future__ import annotations

import logging

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

logger = logging.getLogger(__name__)

_REPLACED = {
    "ITEM_PIPELINES": (
        "crawler.pipelines.archive.ArchivePipeline",
        "crawler.distributed.pipelines.RedisItemPipeline",
        500,
    ),
    "EXTENSIONS": (
        "crawler.run.report.RunReport",
        "crawler.distributed.report.WorkerRunReport",
        500,
    ),
}
_SET = {
    "SCHEDULER": "crawler.distributed.scheduler.RedisScheduler",
    "DUPEFILTER_CLASS": "crawler.distributed.dupefilter.RedisDupeFilter",
    "INCREMENTAL_STORE": "redis",
}


def _set(settings: BaseSettings, name: str, value) -> None:
    """Override `name` unless it was given on the command line (or by a spider)."""
    current = settings.getpriority(name) or 0
    if current >= SETTINGS_PRIORITIES["spider"]:
        logger.info("REDIS_URL: keeping %s as given", name)
        return
    settings.set(name, value, max(current, SETTINGS_PRIORITIES["addon"]))


def redis_problem(settings: BaseSettings) -> str | None:
    """Why a worker cannot start (Redis unreachable, a bad URL), or None."""
    import redis
    from scrapy_redis.connection import get_redis_from_settings

    from crawler.distributed import redacted

    url = redacted(settings.get("REDIS_URL"))
    try:
        server = get_redis_from_settings(settings)
    except ValueError as exc:
        return f"REDIS_URL {url}: {exc}"
    try:
        server.ping()
    except redis.RedisError as exc:
        return f"cannot reach Redis at {url}: {exc}"
    finally:
        server.close()
    return None


class RedisAddon:
    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in _SET.items():
            _set(settings, name, value)
        for name, (old, new, order) in _REPLACED.items():
            components = settings[name]  # a BaseSettings: per-key priorities
            if components.getpriority(old) is not None:
                _set(components, old, None)
            _set(components, new, order)
        _set(settings["SPIDER_MIDDLEWARES"], "crawler.distributed.seeding.SeedOnceMiddleware", 10)
