"""The shared frontier, made reliable: a request taken is not lost when its worker dies.

`ReliablePriorityQueue` is scrapy-redis' `PriorityQueue` (a sorted set of pickled requests,
score = -priority) whose `pop` moves the request, atomically (a Lua script), into the
worker's own *processing* set instead of just removing it. `ack` removes it from there once
the worker is done with it. The registry of a run's workers, their heartbeats, and giving back
what a dead worker had taken are in crawler/distributed/workers.py (`Workers`, re-exported
here). No Scrapy engine here: this module is usable, and tested, on its own.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from scrapy_redis.queue import PriorityQueue

from crawler.distributed.workers import Workers

__all__ = ["ReliablePriorityQueue", "Workers"]

if TYPE_CHECKING:
    from redis import Redis
    from scrapy import Request, Spider

logger = logging.getLogger(__name__)

#: KEYS: frontier, processing. Pop the best request into processing (same score); its member.
_POP = """
local m = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #m == 0 then return false end
redis.call('ZREM', KEYS[1], m[1])
redis.call('ZADD', KEYS[2], m[2], m[1])
return m[1]
"""


class ReliablePriorityQueue(PriorityQueue):
    """scrapy-redis' PriorityQueue with a reliable pop (into `processing_key`) and `ack`."""

    def __init__(
        self,
        server: Redis,
        spider: Spider,
        key: str,
        processing_key: str,
        serializer=None,
    ):
        super().__init__(server, spider, key, serializer)
        self.processing_key = processing_key
        self._pop = server.register_script(_POP)

    def _encode_request(self, request: Request) -> bytes:
        obj = request.to_dict(spider=self.spider)
        # a nonce: two equal requests stay two members (each is acknowledged on its own)
        obj["_nonce"] = os.urandom(8).hex()
        return self.serializer.dumps(obj)

    def pop(self, timeout: int = 0) -> Request | None:
        """Not used by our scheduler (it needs the member to acknowledge): `take`."""
        taken = self.take()
        return taken[0] if taken else None

    def take(self) -> tuple[Request, bytes] | None:
        """(request, its member) of the best request, now in the processing set; or None."""
        while True:
            member = self._pop(keys=[self.key, self.processing_key])
            if member is None:
                return None
            try:
                return self._decode_request(member), member
            except Exception:  # e.g. a callback this version of the spider lacks
                logger.exception("dropped a request that cannot be read back")
                self.ack(member)

    def ack(self, member: bytes) -> None:
        self.server.zrem(self.processing_key, member)

    def in_processing(self) -> int:
        return self.server.zcard(self.processing_key)
