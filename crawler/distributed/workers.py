"""The workers of a run: heartbeats, the run claim, and giving back what a worker held.

`Workers` keeps the registry of one spider's workers (``P:S:workers``) and their heartbeats
(``P:S:worker:<id>``, a JSON value that expires ``REDIS_HEARTBEAT_TTL`` seconds after the last
beat). `requeue_dead` puts back into the frontier, atomically, what a worker whose heartbeat
expired had taken: it is called by every worker each second *and* by the ingester while it
waits for the run to end (the same code: a dead worker's requests are given back by whoever
looks first). No Scrapy here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from crawler.distributed import Keys

if TYPE_CHECKING:
    from redis import Redis

logger = logging.getLogger(__name__)

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

#: KEYS: heartbeat, run, workers, spiders; ARGV: ttl, run id, worker, heartbeat, spider. A beat:
#: alive for ttl seconds more, registered (again, if someone had given us up), the spider
#: listed (what the ingester and `status` look at), and the run kept alive.
_BEAT = """
redis.call('SET', KEYS[1], ARGV[4], 'EX', ARGV[1])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[5])
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

#: KEYS: processing, frontier; ARGV: members. Back into the frontier (same scores): requests
#: in our processing set that we do not hold (a pop whose reply was lost in a reconnection).
_GIVE_BACK = """
local n = 0
for _, member in ipairs(ARGV) do
  local score = redis.call('ZSCORE', KEYS[1], member)
  if score then
    redis.call('ZADD', KEYS[2], score, member)
    redis.call('ZREM', KEYS[1], member)
    n = n + 1
  end
end
return n
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def requeue_dead(server: Redis, keys: Keys, workers: Iterable[str]) -> int:
    """Give back what each of `workers` whose heartbeat has expired had taken; how many.
    A worker still beating is left alone (checked inside Redis, atomically)."""
    script = server.register_script(_REQUEUE_DEAD)
    total = 0
    for worker in workers:
        n = script(
            keys=[keys.processing(worker), keys.requests, keys.workers, keys.heartbeat(worker)],
            args=[worker],
        )
        if n >= 0:
            logger.warning(
                "worker %s is gone (its heartbeat expired): %d requests it had taken are "
                "back in the frontier %s",
                worker,
                n,
                keys.requests,
            )
            total += n
    return total


class Workers:
    """One worker's view of its spider's runs (`worker` is this worker's id)."""

    def __init__(self, server: Redis, keys: Keys, worker: str, ttl: int, max_held: int = 0):
        self.server = server
        self.keys = keys
        self.worker = worker
        self.ttl = max(1, int(ttl))
        self.max_held = max_held
        self._beat = server.register_script(_BEAT)
        self._claim = server.register_script(_CLAIM_RUN)
        self._leave = server.register_script(_LEAVE)
        self._give_back = server.register_script(_GIVE_BACK)
        self.run_id = ""

    def claim_run(self, run_id: str) -> bool:
        """Join the current run, or start one (True: this worker seeds it)."""
        seeds, current = self._claim(
            keys=[self.keys.run, self.keys.dupefilter], args=[run_id, self.ttl]
        )
        self.run_id = _text(current) if isinstance(current, bytes | str) else str(current)
        return bool(seeds)

    def heartbeat_value(self) -> str:
        """What `status` and the ingester read about this worker."""
        return json.dumps({"run": self.run_id, "ttl": self.ttl, "max_held": self.max_held})

    def beat(self) -> None:
        self._beat(
            keys=[
                self.keys.heartbeat(self.worker),
                self.keys.run,
                self.keys.workers,
                self.keys.spiders,
            ],
            args=[
                self.ttl,
                self.run_id or "?",
                self.worker,
                self.heartbeat_value(),
                self.keys.spider,
            ],
        )

    def others(self) -> list[str]:
        members = self.server.smembers(self.keys.workers)
        return sorted(w for w in map(_text, members) if w != self.worker)

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
        return requeue_dead(self.server, self.keys, self.others())

    def give_back(self, members: Iterable[bytes]) -> int:
        """Requests of our processing set we do not hold go back into the frontier."""
        members = list(members)
        if not members:
            return 0
        return self._give_back(
            keys=[self.keys.processing(self.worker), self.keys.requests], args=members
        )

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
