"""The worker's scheduler: scrapy-redis' Scheduler on one shared, reliable frontier.

What it adds to ``scrapy_redis.scheduler.Scheduler`` (0.9.1):

- the frontier is a `ReliablePriorityQueue`: a request taken goes into this worker's
  processing set and is acknowledged only when Scrapy is completely done with it (below);
- a worker holds at most ``REDIS_MAX_HELD`` requests (taken, not yet done): Scrapy's engine
  would otherwise take as many as its downloader accepts (CONCURRENT_REQUESTS), most of them
  to wait in a per-host queue, and a worker's death would strand them all until its heartbeat
  expires;
- requests are de-duplicated by `RedisDupeFilter` (our per-article fingerprints);
- the run: the first worker claims it, clears the previous run's fingerprints and seeds the
  start points (``seeds_this_run``: read by `SeedOnceMiddleware` and the RevisitScheduler);
  later workers join it;
- a heartbeat every second (``REDIS_HEARTBEAT_TTL`` is how long a silent worker is trusted),
  which also puts back what dead workers had taken, gives back requests of its own processing
  set it does not hold (a pop whose reply was lost while Redis restarted), and wakes the engine
  when the frontier has work (the engine would otherwise look only every 5 s);
- Redis gone for longer than ``REDIS_RECONNECT_TIMEOUT`` (commands are retried until then):
  the worker stops with one line saying so, finish reason ``redis_unreachable`` (exit 1), and
  acknowledges nothing more: what it held is given back once its heartbeat expires;
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

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler.distributed import Keys, new_worker_id, redacted
from crawler.distributed.connection import server_from_settings
from crawler.distributed.queue import ReliablePriorityQueue, Workers

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: how often a worker beats, looks for dead workers and polls the frontier (seconds)
TICK = 1.0
#: the finish reason of a worker that lost Redis (its report: failed, exit 1)
REDIS_LOST = "redis_unreachable"


def max_held(settings) -> int:
    """REDIS_MAX_HELD, or by default what a worker downloads at once from two hosts (a source's
    two editions): 2 x CONCURRENT_REQUESTS_PER_DOMAIN, at most CONCURRENT_REQUESTS."""
    given = settings.getint("REDIS_MAX_HELD")
    if given > 0:
        return given
    per_host = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
    return max(1, min(settings.getint("CONCURRENT_REQUESTS"), 2 * per_host))


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
        self.idle_timeout = settings.getfloat("REDIS_IDLE_TIMEOUT")
        self.heartbeat_ttl = settings.getint("REDIS_HEARTBEAT_TTL")
        self.max_held = max_held(settings)
        self.lost_redis: str | None = None
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
        server = server_from_settings(crawler.settings)
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
        self.workers = Workers(
            self.server, keys, self.worker_id, self.heartbeat_ttl, max_held=self.max_held
        )
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
            "worker %s on %s: %s run %s (frontier %s: %d requests; holding at most %d)",
            self.worker_id,
            redacted(self.crawler.settings.get("REDIS_URL")),
            "starting (and seeding)" if self.seeds_this_run else "joining",
            self.run_id,
            keys.requests,
            len(self.queue),
            self.max_held,
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
        if self.lost_redis:
            logger.error(
                "worker %s left without a word (Redis unreachable): the %d requests it holds "
                "go back to the frontier once its heartbeat expires",
                self.worker_id,
                len(self._taken),
            )
            return
        try:
            left = self.workers.leave()
        except redis.RedisError as exc:  # the heartbeat expires and its requests go back
            logger.error("could not leave the run cleanly: %s", exc)
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
        if member is None or self.lost_redis:
            return  # not from the frontier (robots.txt, ...); or its item may not be pushed
        try:
            self.queue.ack(member)
        except redis.RedisError as exc:  # left in processing: given back when we are gone
            self.lose_redis(exc)

    def lose_redis(self, exc: Exception) -> None:
        """Redis did not answer for REDIS_RECONNECT_TIMEOUT: stop (once), acknowledge nothing
        more. Called by the pipeline too (an article that could not be pushed)."""
        if self.lost_redis:
            return
        self.lost_redis = f"{type(exc).__name__}: {exc}"
        logger.error(
            "lost Redis at %s (%s): stopping this worker; what it holds goes back to the "
            "frontier when its heartbeat expires",
            redacted(self.crawler.settings.get("REDIS_URL")),
            self.lost_redis,
        )
        logger.debug("where", exc_info=exc)
        self.stats.set_value("newsarchive/distributed/lost_redis", self.lost_redis)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=REDIS_LOST))

    # -- the frontier ----------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        if self.lost_redis:
            return False
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        except redis.RedisError as exc:
            self.lose_redis(exc)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.lost_redis or len(self._taken) >= self.max_held:
            return None  # REDIS_MAX_HELD: the engine asks again when one is done
        try:
            taken = self.queue.take()
        except redis.RedisError as exc:
            self.lose_redis(exc)
            return None
        if taken is None:
            return None
        request, member = taken
        self._taken[request] = member
        self._last_activity = monotonic()
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.lost_redis:
            return False
        try:
            return len(self.queue) > 0
        except redis.RedisError as exc:
            self.lose_redis(exc)
            return False

    # -- liveness, idleness ----------------------------------------------------------------
    def _activity(self, *args, **kwargs) -> None:
        self._last_activity = monotonic()

    def _tick(self) -> None:
        if self.lost_redis:
            return
        try:
            self.workers.beat()
            requeued = self.workers.requeue_dead()
            if requeued:
                self.stats.inc_value("newsarchive/distributed/requeued", requeued)
            self._give_back_orphans()
        except redis.RedisError as exc:
            self.lose_redis(exc)
            return
        # the engine looks at the frontier (and checks idleness) only every 5 s otherwise:
        # work pushed by another worker would wait, and so would the idle timeout
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()

    def _give_back_orphans(self) -> None:
        """Requests in our processing set we do not hold: a pop whose reply was lost (and
        retried) while Redis restarted. Back into the frontier, or they would wait for us."""
        if self.queue.in_processing() <= len(self._taken):
            return
        held = set(self._taken.values())
        members = self.server.zrange(self.queue.processing_key, 0, -1)
        given = self.workers.give_back(m for m in members if m not in held)
        if given:
            logger.warning("%d requests taken but never received went back to the frontier", given)
            self.stats.inc_value("newsarchive/distributed/given_back", given)

    def _spider_idle(self) -> None:
        """Keep the worker open while there is or may be work: until REDIS_IDLE_TIMEOUT."""
        now = monotonic()
        if self.lost_redis:
            return
        try:
            if len(self.queue) or self.workers.busy_elsewhere():
                self._last_activity = now
        except redis.RedisError as exc:
            self.lose_redis(exc)
            return
        idle = now - self._last_activity
        if idle < self.idle_timeout:
            raise DontCloseSpider(f"idle for {idle:.0f} s of {self.idle_timeout:.0f}")
        logger.info("nothing to do for %.0f s (REDIS_IDLE_TIMEOUT): closing", idle)
