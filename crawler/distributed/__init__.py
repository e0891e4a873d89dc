"""Distributed crawling on Redis: several crawling machines (workers), one archive writer.

``scrapy crawl <source> -s REDIS_URL=redis://host:6379/0`` turns a crawl into a *worker*
(`RedisAddon`, crawler/distributed/addon.py): it shares one frontier with the other workers and
hands what it extracted to Redis instead of writing an archive. ``newsarchive ingest`` on the
archive machine is the single writer (crawler/distributed/ingest.py). Without ``REDIS_URL``
nothing here is loaded: a crawl is the plain single-machine one.

Keys (``P`` is ``REDIS_KEY_PREFIX``, default ``newsarchive``; ``S`` the spider, e.g. zaobao):

=================================  ======  ===================================================
``P:S:requests``                   zset    the shared frontier (scrapy-redis PriorityQueue;
                                           pickled requests, score = -priority)
``P:S:dupefilter``                 set     fingerprints of requests scheduled this run (our
                                           per-article fingerprints: one per story)
``P:S:run``                        string  the current run's id; set NX by the run's first
                                           worker (which seeds), kept alive by the workers'
                                           heartbeats, deleted by the last worker to leave
``P:S:workers``                    set     the workers of the run
``P:S:worker:<id>``                string  a worker's heartbeat (expires REDIS_HEARTBEAT_TTL
                                           seconds after its last beat): JSON, its run, ttl
                                           and max_held
``P:S:processing:<id>``            zset    requests a worker has taken and not finished
``P:S:reports:recent``             list    the last worker run reports (health baseline)
``P:items``                        list    extracted articles and 304 notices, JSON
``P:items:processing``             list    the item the ingester has in hand
``P:items:failed``                 list    items the ingester could not save (dead letters)
``P:items:attempts``               hash    sha1 of an item in hand -> saves tried (a poison
                                           item is set aside after MAX_ATTEMPTS)
``P:reports``                      list    worker run reports, written into ``_runs/`` by the
                                           ingester (``P:reports:processing`` while in hand)
``P:archived``                     hash    ``source:id`` -> published/fetched/checked/etag/
                                           last_modified/url of every archived article
``P:recent``                       zset    ``source:id`` by publish time (last 30 days):
                                           what revisits look at
``P:ingester``                     string  the ingester's lease (one writer per Redis prefix)
``P:spiders``                      set     the spiders that ever had a worker here: where the
                                           ingester and ``status`` look for work left
=================================  ======  ===================================================

Delivery guarantees (see docs/distributed.md):

- a request taken from the frontier is moved, atomically, into its worker's ``processing``
  set, and removed from it only once Scrapy is completely done with it (downloaded, its
  callback run, every request it yielded pushed to the frontier, every item it yielded pushed
  to ``P:items``). A worker holds at most ``REDIS_MAX_HELD`` of them. A worker that dies
  leaves them there; once its heartbeat has expired, any live worker, the ingester (or the
  next run's first worker) puts them back into the frontier;
- an item is moved, atomically, into ``P:items:processing``, saved (``Archive.save`` is
  idempotent), published to ``P:archived``, and only then removed. An ingester that dies
  leaves it there and the next ingester handles it first;
- ``newsarchive ingest --until-idle S`` ends only once, for S seconds, nothing was ingested,
  no worker was alive and the frontiers and processing sets of every spider were empty
  (crawler/distributed/progress.py).

So work is done at least once, and the archive holds it exactly once: a redelivered article is
"unchanged" (same text) and a request repeated after a crash is skipped as already archived.
"""

from __future__ import annotations

import os
import socket
import uuid

DEFAULT_PREFIX = "newsarchive"


class Keys:
    """Every Redis key of one prefix (and, for the crawl's own keys, one spider)."""

    def __init__(self, prefix: str = DEFAULT_PREFIX, spider: str = ""):
        self.prefix = prefix or DEFAULT_PREFIX
        self.spider = spider
        p = self.prefix
        self.items = f"{p}:items"
        self.items_processing = f"{p}:items:processing"
        self.items_failed = f"{p}:items:failed"
        self.reports = f"{p}:reports"
        self.reports_processing = f"{p}:reports:processing"
        self.archived = f"{p}:archived"
        self.recent = f"{p}:recent"
        self.ingester = f"{p}:ingester"
        self.spiders = f"{p}:spiders"
        s = f"{p}:{spider}"
        self.requests = f"{s}:requests"
        self.dupefilter = f"{s}:dupefilter"
        self.run = f"{s}:run"
        self.workers = f"{s}:workers"
        self.recent_reports = f"{s}:reports:recent"

    @classmethod
    def for_crawler(cls, crawler) -> Keys:
        """The keys of this crawl: REDIS_KEY_PREFIX and the spider's name."""
        return cls(crawler.settings.get("REDIS_KEY_PREFIX"), crawler.spidercls.name)

    def heartbeat(self, worker: str) -> str:
        return f"{self.prefix}:{self.spider}:worker:{worker}"

    def processing(self, worker: str) -> str:
        return f"{self.prefix}:{self.spider}:processing:{worker}"

    def worker_of(self, processing_key: bytes | str) -> str:
        """The worker id of one of this spider's processing keys."""
        key = processing_key.decode() if isinstance(processing_key, bytes) else processing_key
        return key[len(self.processing("")) :]


def new_worker_id() -> str:
    """``host:pid:random``: unique, and tells a person which process it is."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def redacted(url: str) -> str:
    """`url` without its password, for logs."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
