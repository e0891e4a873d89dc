"""Redis connections that live through a Redis restart: every command is retried for a while.

A Redis server restarted (``appendonly yes`` keeps the queues) drops every connection. With
`retrying`, a command that meets a closed connection or a refused one is tried again with a
backoff (0.05 s, 0.1 s, ... at most 1 s apart) for about `reconnect_seconds`; only then does
it raise ``redis.ConnectionError``, and the worker or the ingester stops with a one-line reason
and exit code 1 (a re-run then finishes the work: nothing taken is lost).

A command retried after a reply was lost may run twice. Everything we send allows that: a
repeated push is a duplicate item (the archive is idempotent), a repeated pop leaves a request
or an item in a processing list that its owner does not know about, and that is given back
(crawler/distributed/workers.py, `give_back`; the ingester's `_recover`).

No Scrapy here: the ingester and ``newsarchive status`` use it too.
"""

from __future__ import annotations

import math

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

#: how long a command keeps being retried while Redis is away (seconds); REDIS_RECONNECT_TIMEOUT
RECONNECT_SECONDS = 30.0
_BASE, _CAP = 0.05, 1.0


def retries_for(seconds: float) -> int:
    """How many retries, with our backoff, wait about `seconds` in all."""
    waited, retries = 0.0, 0
    while waited < seconds:
        waited += min(_CAP, _BASE * 2 ** (retries + 1))
        retries += 1
    return max(1, retries)


def retrying(reconnect_seconds: float = RECONNECT_SECONDS) -> dict:
    """redis-py client parameters: retry refused/closed connections and timeouts."""
    seconds = max(0.0, float(reconnect_seconds))
    return {
        "retry": Retry(ExponentialBackoff(cap=_CAP, base=_BASE), retries_for(seconds)),
        "retry_on_error": [redis.ConnectionError, redis.TimeoutError],
    }


def connect(
    url: str,
    reconnect_seconds: float = RECONNECT_SECONDS,
    socket_timeout: float | None = 30,
) -> redis.Redis:
    """A client for `url` (raises ValueError on a bad URL); no command is sent yet."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=min(10.0, max(1.0, math.ceil(reconnect_seconds))),
        socket_timeout=socket_timeout,
        **retrying(reconnect_seconds),
    )


def server_from_settings(settings) -> redis.Redis:
    """scrapy-redis' client for a worker (``REDIS_URL``, ``REDIS_PARAMS``), retrying for
    ``REDIS_RECONNECT_TIMEOUT`` seconds (a ``retry`` given in ``REDIS_PARAMS`` wins)."""
    from scrapy_redis import defaults
    from scrapy_redis.connection import get_redis

    params = defaults.REDIS_PARAMS.copy()
    params.pop("retry_on_timeout", None)  # deprecated in redis-py; TimeoutError is retried
    params.update(retrying(settings.getfloat("REDIS_RECONNECT_TIMEOUT")))
    params.update(settings.getdict("REDIS_PARAMS"))
    if isinstance(params.get("redis_cls"), str):
        from scrapy.utils.misc import load_object

        params["redis_cls"] = load_object(params["redis_cls"])
    params["url"] = settings.get("REDIS_URL")
    return get_redis(**params)
