"""The shared frontier, made reliable: a request taken is not lost when its worker dies.

`ReliablePriorityQueue` is scrapy-redis' `PriorityQueue` (a sorted set of pickled requests,
score = -priority) whose `pop` moves the request, atomically (a Lua script), into the
worker's own *processing* set instead of just removing it. `ack` removes it from there once
the worker is done with it. `Workers` keeps the registry of a run's workers and their
heartbeats, and puts back into the frontier what a dead worker had taken (`requeue_dead`).
No Scrapy engine here: this module is usable, and tested, on its own.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from scrapy_redis.queue import PriorityQueue

from crawler.distributed import Keys

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

#: KEYS: processing, frontier, workers, heartbeat; ARGV: worker. Only if the heartbeat is
#: gone: everything the worker had taken goes back (same scores), the worker is forgotten.
_REQUEUE_DEAD = """
if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local n = redis.call('ZCARD', KEYS[1])
if n > 0 then
  redis.call('ZUNIONSTORE', KEYS[2], 2, KEYS[2], KEYS[1], 'AGGREGATE', 'MIN')
  redis.call('DEL', KEYS[1])
end
redis.call('SREM', KEYS[3], ARGV[1])
return n
"""

#: KEYS: processing, frontier, workers, heartbeat, run; ARGV: worker, run id. A worker leaving:
#: what it still holds goes back, it is forgotten; the last one to leave ends the run.
_LEAVE = """
local n = redis.call('ZCARD', KEYS[1])
if n > 0 then
  redis.call('ZUNIONSTORE', KEYS[2], 2, KEYS[2], KEYS[1], 'AGGREGATE', 'MIN')
  redis.call('DEL', KEYS[1])
end
redis.call('DEL', KEYS[4])
redis.call('SREM', KEYS[3], ARGV[1])
if redis.call('SCARD', KEYS[3]) == 0 and redis.call('GET', KEYS[5]) == ARGV[2] then
  redis.call('DEL', KEYS[5])
end
return n
"""

#: KEYS: heartbeat, run, workers; ARGV: ttl, run id, worker. A beat: alive for ttl seconds
#: more, registered (again, if a janitor had given us up), and the run kept alive.
_BEAT = """
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1])
redis.call('SADD', KEYS[3], ARGV[3])
local current = redis.call('GET', KEYS[2])
if current == ARGV[2] then
  redis.call('EXPIRE', KEYS[2], ARGV[1])
elseif not current then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1])
end
return 1
"""

#: KEYS: run, dupefilter; ARGV: run id, ttl. The first worker of a run: the run is ours, and
#: starts clean (the previous run's fingerprints would filter listings and revisits out).
_CLAIM_RUN = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('DEL', KEYS[2])
  return {1, ARGV[1]}
end
return {0, redis.call('GET', KEYS[1]) or ARGV[1]}
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


class Workers:
    """The workers of one spider's runs: heartbeats, the run claim, requeueing the dead."""

    def __init__(self, server: Redis, keys: Keys, worker: str, ttl: int):
        self.server = server
        self.keys = keys
        self.worker = worker
        self.ttl = max(1, int(ttl))
        self._beat = server.register_script(_BEAT)
        self._claim = server.register_script(_CLAIM_RUN)
        self._requeue = server.register_script(_REQUEUE_DEAD)
        self._leave = server.register_script(_LEAVE)
        self.run_id = ""

    def claim_run(self, run_id: str) -> bool:
        """Join the current run, or start one (True: this worker seeds it)."""
        seeds, current = self._claim(
            keys=[self.keys.run, self.keys.dupefilter], args=[run_id, self.ttl]
        )
        self.run_id = current.decode() if isinstance(current, bytes) else str(current)
        return bool(seeds)

    def beat(self) -> None:
        self._beat(
            keys=[self.keys.heartbeat(self.worker), self.keys.run, self.keys.workers],
            args=[self.ttl, self.run_id or "?", self.worker],
        )

    def others(self) -> list[str]:
        members = self.server.smembers(self.keys.workers)
        names = sorted(m.decode() if isinstance(m, bytes) else m for m in members)
        return [w for w in names if w != self.worker]

    def busy_elsewhere(self) -> int:
        """Requests other workers (alive, or dead and not yet given up) have in hand."""
        others = self.others()
        if not others:
            return 0
        pipe = self.server.pipeline(transaction=False)
        for worker in others:
            pipe.zcard(self.keys.processing(worker))
        return sum(pipe.execute())

    def requeue_dead(self) -> int:
        """Put back into the frontier what workers whose heartbeat expired had taken."""
        total = 0
        for worker in self.others():
            n = self._requeue(
                keys=[
                    self.keys.processing(worker),
                    self.keys.requests,
                    self.keys.workers,
                    self.keys.heartbeat(worker),
                ],
                args=[worker],
            )
            if n >= 0:
                logger.warning(
                    "worker %s is gone (no heartbeat for %d s): %d requests it had taken are "
                    "back in the frontier",
                    worker,
                    self.ttl,
                    n,
                )
                total += n
        return total

    def leave(self) -> int:
        """Unregister; what this worker still holds goes back (returns how many)."""
        return self._leave(
            keys=[
                self.keys.processing(self.worker),
                self.keys.requests,
                self.keys.workers,
                self.keys.heartbeat(self.worker),
                self.keys.run,
            ],
            args=[self.worker, self.run_id or "?"],
        )
