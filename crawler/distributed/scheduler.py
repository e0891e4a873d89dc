"""The worker's scheduler: scrapy-redis' Scheduler on one shared, reliable frontier.

What it adds to ``scrapy_redis.scheduler.Scheduler`` (0.9.1):

- the frontier is a `ReliablePriorityQueue`: a request taken goes into this worker's
  processing set and is acknowledged only when Scrapy is completely done with it (below);
- requests are de-duplicated by `RedisDupeFilter` (our per-article fingerprints);
- the run: the first worker claims it, clears the previous run's fingerprints and seeds the
  start points (``seeds_this_run``: read by `SeedOnceMiddleware` and the RevisitScheduler);
  later workers join it;
- a heartbeat every second (``REDIS_HEARTBEAT_TTL`` is how long a silent worker is trusted),
  which also puts back what dead workers had taken and wakes the engine when the frontier has
  work (the engine would otherwise look only every 5 s);
- the idle timeout: the worker closes once, for ``REDIS_IDLE_TIMEOUT`` seconds, it has taken
  no request and received no response while the frontier was empty and no other worker had
  a request in hand;
- it never clears the shared frontier or fingerprints when it closes (scrapy-redis does,
  unless ``SCHEDULER_PERSIST``: the first worker to finish would wipe the others' work), and it
  passes no ``spider`` argument to the stats (deprecated in Scrapy 2.19).

"Done with a request" is the moment Scrapy's engine removes it from its in-progress set: after
the download, the callback or errback, every request it yielded is in the frontier and every
item it yielded has been through the item pipelines (so pushed to Redis). Scrapy has no signal
for that moment, so `_watch_engine` wraps the engine slot's ``remove_request`` (the one
private Scrapy API used; checked at start-up).
"""

from __future__ import annotations

import importlib
import logging
from datetime import UTC, datetime
from time import monotonic
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler.distributed import Keys, new_worker_id, redacted
from crawler.distributed.queue import ReliablePriorityQueue, Workers

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: how often a worker beats, looks for dead workers and polls the frontier (seconds)
TICK = 1.0


def run_id_now() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%S.") + f"{now.microsecond // 1000:03d}Z"


class RedisScheduler(Scheduler):
    def __init__(self, crawler: Crawler, server):
        settings = crawler.settings
        super().__init__(server, persist=True, idle_before_close=0)
        self.crawler = crawler
        self.stats = crawler.stats
        self.prefix = settings.get("REDIS_KEY_PREFIX")
        self.idle_timeout = settings.getfloat("REDIS_IDLE_TIMEOUT", 60)
        self.heartbeat_ttl = settings.getint("REDIS_HEARTBEAT_TTL", 30)
        serializer = settings.get("SCHEDULER_SERIALIZER")  # a module, as in scrapy-redis
        self.serializer = (
            importlib.import_module(serializer) if isinstance(serializer, str) else serializer
        )
        self.worker_id = new_worker_id()
        self.run_id = ""
        self.seeds_this_run = False
        self.workers: Workers | None = None
        self._taken: dict[Request, bytes] = {}
        self._last_activity = monotonic()
        self._ticker: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        server = get_redis_from_settings(crawler.settings)
        server.ping()  # fail now, with a clear error, when Redis is not there
        return cls(crawler, server)

    # -- opening and closing -------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.spider = spider
        self._watch_engine()  # first: an unsupported engine fails before joining anything
        keys = Keys(self.prefix, spider.name)
        self.keys = keys
        self.queue = ReliablePriorityQueue(
            self.server,
            spider,
            keys.requests,
            keys.processing(self.worker_id),
            serializer=self.serializer,
        )
        # DUPEFILTER_CLASS: RedisDupeFilter unless given otherwise on the command line
        self.df = build_from_crawler(
            load_object(self.crawler.settings["DUPEFILTER_CLASS"]), self.crawler
        )
        self.workers = Workers(self.server, keys, self.worker_id, self.heartbeat_ttl)
        self.seeds_this_run = self.workers.claim_run(run_id_now())
        self.run_id = self.workers.run_id
        self.workers.beat()
        requeued = self.workers.requeue_dead()
        if requeued:
            self.stats.inc_value("newsarchive/distributed/requeued", requeued)
        self.stats.set_value("newsarchive/distributed/worker", self.worker_id)
        self.stats.set_value("newsarchive/distributed/run", self.run_id)
        self.stats.set_value("newsarchive/distributed/seeded", int(self.seeds_this_run))
        logger.info(
            "worker %s on %s: %s run %s (frontier %s: %d requests)",
            self.worker_id,
            redacted(self.crawler.settings.get("REDIS_URL")),
            "starting (and seeding)" if self.seeds_this_run else "joining",
            self.run_id,
            keys.requests,
            len(self.queue),
        )
        self.crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        self.crawler.signals.connect(self._activity, signal=signals.response_received)
        self._ticker = task.LoopingCall(self._tick)
        self._ticker.start(TICK, now=False)

    def close(self, reason: str) -> None:
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        if self.workers is None:
            return
        try:
            left = self.workers.leave()
        except Exception:  # the heartbeat expires and the others requeue it all the same
            logger.exception("could not leave the run cleanly")
            return
        if left:
            logger.warning("%d requests not finished here went back to the frontier", left)
        logger.info(
            "worker %s left run %s (%d requests left in the frontier)",
            self.worker_id,
            self.run_id,
            len(self.queue),
        )

    def _watch_engine(self) -> None:
        """Acknowledge each request when the engine is done with it (see the module doc)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        remove = getattr(slot, "remove_request", None)
        if remove is None:
            raise RuntimeError(
                "this Scrapy version's engine has no _slot.remove_request: the Redis "
                "frontier cannot tell when a request is done (crawler/distributed/scheduler.py)"
            )

        def remove_request(request: Request) -> None:
            try:
                self._done(request)
            finally:
                remove(request)

        slot.remove_request = remove_request

    def _done(self, request: Request) -> None:
        member = self._taken.pop(request, None)
        if member is None:
            return  # not from the frontier (robots.txt, ...)
        try:
            self.queue.ack(member)
        except Exception:  # left in processing: requeued if we die, at close otherwise
            logger.exception("could not acknowledge %s", request)

    # -- the frontier ----------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        taken = self.queue.take()
        if taken is None:
            return None
        request, member = taken
        self._taken[request] = member
        self._last_activity = monotonic()
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0

    # -- liveness, idleness ----------------------------------------------------------------
    def _activity(self, *args, **kwargs) -> None:
        self._last_activity = monotonic()

    def _tick(self) -> None:
        try:
            self.workers.beat()
            requeued = self.workers.requeue_dead()
            if requeued:
                self.stats.inc_value("newsarchive/distributed/requeued", requeued)
            # the engine looks at the frontier (and checks idleness) only every 5 s otherwise:
            # work pushed by another worker would wait, and so would the idle timeout
            slot = getattr(self.crawler.engine, "_slot", None)
            if slot is not None and slot.closing is None:
                slot.nextcall.schedule()
        except Exception:
            logger.exception("Redis heartbeat failed (will try again)")

    def _spider_idle(self) -> None:
        """Keep the worker open while there is or may be work: until REDIS_IDLE_TIMEOUT."""
        now = monotonic()
        try:
            if len(self.queue) or self.workers.busy_elsewhere():
                self._last_activity = now
        except Exception:
            logger.exception("Redis unreachable while idle")
        idle = now - self._last_activity
        if idle < self.idle_timeout:
            raise DontCloseSpider(f"idle for {idle:.0f} s of {self.idle_timeout:.0f}")
        logger.info("nothing to do for %.0f s (REDIS_IDLE_TIMEOUT): closing", idle)
