"""The single writer of a distributed crawl: Redis -> the archive (``newsarchive ingest``).

No Scrapy here. `Ingester.run`:

1. takes the archive lock (exit 75 when another run holds it) and the ingester lease in Redis
   (``P:ingester``: one writer per key prefix, whatever machine it runs on; exit 75 too);
2. opens the archive (finishing a write a killed run left: crawler/store/archive.py) and
   rebuilds ``P:archived`` / ``P:recent`` from the catalog, then publishes every save;
3. handles first what a killed ingester left in ``P:items:processing``, then moves items one
   at a time with the reliable-queue pattern: ``BLMOVE P:items -> P:items:processing``,
   ``Archive.save``, publish, ``LREM`` (the acknowledgement). Items already queued behind the
   first are moved with it, up to `batch_size`, and saved as one group commit
   (``Archive.save_many``); each is still counted, published and acknowledged on its own. Worker run reports in
   ``P:reports`` go the same way into ``_runs/``;
4. stops on `stop()` (SIGINT/SIGTERM) once the item in hand is done, or, with `until_idle`,
   once the run is over: for `until_idle` seconds nothing was ingested, no worker was alive,
   and no request was queued or held by any worker (crawler/distributed/progress.py). While
   work remains it says once a minute what it waits for, and gives back itself what dead
   workers held (crawler/distributed/workers.py, the code the workers use); then it writes
   its own run report.

An item that cannot be read (not one of ours) goes to ``P:items:failed`` at once; one whose save
raised is left in processing (the ingester stops, once the others of its batch are
acknowledged: a full disk must not eat the queue) and tried
again by the next ingester, up to `MAX_ATTEMPTS` times before it too goes to ``P:items:failed``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import redis

from crawler.distributed import Keys
from crawler.distributed.archived import ArchivedIndex
from crawler.distributed.codec import ARTICLE, BadEnvelope, decode
from crawler.distributed.progress import RunState, snapshot
from crawler.distributed.workers import requeue_dead
from crawler.settings import ARCHIVE_BATCH_SIZE, RUN_MAX_ERROR_SHARE
from crawler.store.archive import Archive, ToSave
from crawler.store.lock import ArchiveLock
from crawler.store.run_report import ERROR, IDLE, SIGNAL, ingest_report
from crawler.store.run_status import OK
from crawler.store.run_summary import summary
from crawler.store.runs import write_run_report

logger = logging.getLogger(__name__)

#: items saved together (one group commit) when that many are queued
BATCH_SIZE = ARCHIVE_BATCH_SIZE
#: saves of one item that may fail (or be killed) before it is set aside as a dead letter
MAX_ATTEMPTS = 5
#: seconds the ingester lease lasts without renewal (renewed every third of it)
LEASE_TTL = 30
#: while the run is not over, say what the ingester waits for this often (seconds)
WAIT_LOG_EVERY = 60.0

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class IngesterBusy(RuntimeError):
    """Another ingester holds the lease on this Redis prefix."""

    def __init__(self, key: str, holder: str):
        super().__init__(
            f"another ingester holds {key} ({holder or 'holder unknown'}); not starting. "
            "One ingester per Redis key prefix: its lease expires when it stops or dies."
        )


def _text(value: bytes | str | None) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else (value or "")


class Ingester:
    def __init__(
        self,
        server,
        archive_dir: Path | str,
        prefix: str | None = None,
        lease_ttl: int = LEASE_TTL,
        max_error_share: float = RUN_MAX_ERROR_SHARE,
        block: float = 1.0,
        lease_wait: float | None = None,
        wait_log_every: float = WAIT_LOG_EVERY,
        batch_size: int = BATCH_SIZE,
    ):
        self.server = server
        self.archive_dir = Path(archive_dir)
        self.keys = Keys(prefix)
        self.attempts_key = f"{self.keys.items}:attempts"
        self.lease_ttl = max(3, int(lease_ttl))
        #: how long to wait for another ingester's lease to expire (default: its lifetime)
        self.lease_wait = self.lease_ttl + 1 if lease_wait is None else lease_wait
        self.max_error_share = max_error_share
        self.block = block
        self.batch_size = max(1, batch_size)
        self.wait_log_every = wait_log_every
        self._wait_logged: float | None = None
        self.stopping = False
        self.archive: Archive | None = None
        self.counts: Counter[str] = Counter()
        self.sources: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.failed_reasons: Counter[str] = Counter()
        self.items = self.recovered = self.worker_reports = self.published = 0
        self._renew = server.register_script(_RENEW)
        self._release = server.register_script(_RELEASE)
        self._lease_value = ""

    def stop(self) -> None:
        """Stop once the item in hand is done (safe to call from a signal handler)."""
        self.stopping = True

    # -- the whole run ---------------------------------------------------------------------
    def run(self, until_idle: float | None = None) -> dict:
        """Ingest until idle (or stopped); returns the run report (written to the archive).
        Raises ArchiveLocked / IngesterBusy before doing anything when another writer runs."""
        started = datetime.now(UTC)
        lock = ArchiveLock(self.archive_dir).acquire()
        try:
            self._take_lease()
            reason, error = IDLE, None
            try:
                reason = self._ingest(until_idle)
            except redis.RedisError as exc:  # after REDIS_RECONNECT_TIMEOUT of retries
                logger.error("ingest stopped: lost Redis (%s: %s)", type(exc).__name__, exc)
                logger.debug("where", exc_info=True)
                reason, error = ERROR, f"lost Redis: {type(exc).__name__}: {exc}"
            except Exception as exc:  # reported (exit 1); the item in hand stays in processing
                logger.error("ingest stopped by an error: %s: %s", type(exc).__name__, exc)
                logger.debug("where", exc_info=True)
                reason, error = ERROR, f"{type(exc).__name__}: {exc}"
            finally:
                self._give_up_lease()
            report = self._report(started, datetime.now(UTC), reason, error, until_idle)
            path = write_run_report(self.archive_dir, report)
            log = logger.info if report["status"] == OK else logger.error
            log("%s\n  report: %s", summary(report), path)
            return report
        finally:
            if self.archive is not None:
                self.archive.close()
            lock.release()

    def _ingest(self, until_idle: float | None) -> str:
        self.archive = Archive(self.archive_dir)
        index = ArchivedIndex(self.server, self.keys)
        self.published = index.rebuild(self._catalog_rows())
        index.trim()
        self.archive.listeners.append(index.publish)
        logger.info(
            "ingesting %s into %s (%d archived articles published to %s)",
            self.keys.items,
            self.archive.root,
            self.published,
            self.keys.archived,
        )
        self._recover("left in hand by a stopped ingester: handling them first")
        last_work = last_item = time.monotonic()
        renewed = time.monotonic()
        while not self.stopping:
            if time.monotonic() - renewed >= self.lease_ttl / 3:
                self._renew_lease()
                renewed = time.monotonic()
            while raw := self.server.lmove(
                self.keys.reports, self.keys.reports_processing, "RIGHT", "LEFT"
            ):
                self._write_report(raw)
                last_work = time.monotonic()
            raw = self.server.blmove(
                self.keys.items, self.keys.items_processing, self.block, "RIGHT", "LEFT"
            )
            if raw is not None:
                self._handle_many([raw, *self._queued(self.batch_size - 1)])
                last_work = last_item = time.monotonic()
                continue
            if until_idle is None:
                continue
            now = time.monotonic()
            state = self._work_left()
            if state is not None:  # the idle clock runs only once the work is over
                last_work = now
                if now - last_item >= until_idle:
                    self._log_wait(now - last_item, state)
                continue
            if now - last_work >= until_idle:
                # a BLMOVE whose reply was lost (Redis restarted) left an item in processing
                if self._recover("in processing with no ingester holding them: handling them"):
                    last_work = last_item = time.monotonic()
                    continue
                logger.info("nothing to ingest for %.0f s and no work left: done", until_idle)
                return IDLE
        return SIGNAL

    def _recover(self, why: str) -> int:
        """Handle what is in P:items:processing (and P:reports:processing), oldest first."""
        left = [*reversed(self.server.lrange(self.keys.items_processing, 0, -1))]
        if left:
            logger.warning("%d items %s", len(left), why)
        for low in range(0, len(left), self.batch_size):
            batch = left[low : low + self.batch_size]
            self._handle_many(batch)
            self.recovered += len(batch)
        for raw in reversed(self.server.lrange(self.keys.reports_processing, 0, -1)):
            self._write_report(raw)
        return len(left)

    def _work_left(self) -> RunState | None:
        """The run's state while work remains (dead workers' requests given back), else None."""
        state = snapshot(self.server, self.keys.prefix)
        gave_back = 0
        for spider in state.spiders:
            dead = [w.id for w in spider.dead]
            if dead:
                gave_back += requeue_dead(self.server, Keys(self.keys.prefix, spider.name), dead)
        if gave_back:
            state = snapshot(self.server, self.keys.prefix)
        if state.work_left():
            return state
        self._wait_logged = None
        return None

    def _log_wait(self, idle: float, state: RunState) -> None:
        """At most once every `wait_log_every` seconds: what the run still has to do."""
        now = time.monotonic()
        if self._wait_logged is not None and now - self._wait_logged < self.wait_log_every:
            return
        self._wait_logged = now
        logger.info(
            "nothing to ingest for %.0f s, but the run is not over: waiting for %s",
            idle,
            state.waiting_for(),
        )

    def _catalog_rows(self):
        return self.archive.catalog.db.query(
            "select source, id, url, published, fetched, checked, etag, last_modified from articles"
        )

    # -- items -----------------------------------------------------------------------------
    def _queued(self, most: int) -> list[bytes]:
        """Up to `most` more items already queued, moved into processing (no waiting)."""
        moved = []
        while len(moved) < most:
            raw = self.server.lmove(self.keys.items, self.keys.items_processing, "RIGHT", "LEFT")
            if raw is None:
                break
            moved.append(raw)
        return moved

    def _handle(self, raw: bytes) -> None:
        """Save one item (already in P:items:processing), then acknowledge it."""
        self._handle_many([raw])

    def _handle_many(self, raws: list[bytes]) -> None:
        """Save `raws` (already in P:items:processing, oldest first): their articles as one
        group commit, then acknowledge each. A save that raised is raised once the others are
        acknowledged (its item stays in processing)."""
        articles: list[tuple[bytes, str, object]] = []
        for raw in raws:
            digest = hashlib.sha1(raw).hexdigest()
            attempts = self.server.hincrby(self.attempts_key, digest, 1)
            if attempts > MAX_ATTEMPTS:
                self._dead_letter(raw, digest, "too-many-attempts")
                continue
            try:
                kind, payload, _ = decode(raw)
            except BadEnvelope as exc:
                logger.error("unreadable item set aside in %s: %s", self.keys.items_failed, exc)
                self._dead_letter(raw, digest, "bad-item")
                continue
            if kind == ARTICLE:
                articles.append((raw, digest, payload))
                continue
            self._save_articles(articles)  # what came before the 304 is saved before it
            articles = []
            notice, checked = payload
            if self.archive.mark_not_modified(notice.source, notice.id, checked):
                self._count("unchanged", notice.source)
                logger.info("unchanged %s (304 not modified)", notice.url)
            else:
                logger.warning("304 for %s, which is not in the archive: ignored", notice.url)
            self.counts["not_modified"] += 1
            self._ack(raw, digest)
        self._save_articles(articles)

    def _save_articles(self, articles: list[tuple[bytes, str, object]]) -> None:
        if not articles:
            return
        results = self.archive.save_many(
            [ToSave(a, a.fetched, a.etag, a.last_modified) for _, _, a in articles]
        )
        error = None
        for (raw, digest, article), saved in zip(articles, results, strict=True):
            if isinstance(saved, Exception):
                error = error or saved
                continue
            self._count(saved.outcome, article.source)
            logger.info(
                "%s %s -> %s", saved.outcome, article.url, saved.path.relative_to(self.archive.root)
            )
            self._ack(raw, digest)
        if error is not None:
            raise error

    def _ack(self, raw: bytes, digest: str) -> None:
        pipe = self.server.pipeline()  # MULTI
        pipe.lrem(self.keys.items_processing, 1, raw)
        pipe.hdel(self.attempts_key, digest)
        pipe.execute()
        self.items += 1

    def _dead_letter(self, raw: bytes, digest: str, reason: str) -> None:
        pipe = self.server.pipeline()
        pipe.lpush(self.keys.items_failed, raw)
        pipe.lrem(self.keys.items_processing, 1, raw)
        pipe.hdel(self.attempts_key, digest)
        pipe.execute()
        self.counts["failed"] += 1
        self.failed_reasons[reason] += 1
        self.items += 1

    def _count(self, outcome: str, source: str) -> None:
        self.counts[outcome] += 1
        self.sources[source][outcome] += 1

    def _write_report(self, raw: bytes) -> None:
        """A worker's run report (in P:reports:processing) into _runs/ and the runs table."""
        try:
            report = json.loads(raw)
            write_run_report(self.archive_dir, report)
            logger.info("worker report %s written", report["id"])
            self.worker_reports += 1
        except (ValueError, KeyError, TypeError) as exc:
            logger.error("unreadable worker report dropped: %s", exc)
        self.server.lrem(self.keys.reports_processing, 1, raw)

    # -- the lease -------------------------------------------------------------------------
    def _take_lease(self) -> None:
        """One ingester per prefix. A lease left by a dead ingester of this very archive on
        this machine is taken over at once (we hold the archive's lock, so it is gone);
        another's is waited for until it expires."""
        me = f"{socket.gethostname()}:{self.archive_dir.resolve()}"
        value = f"{me}:{os.getpid()}"
        deadline = time.monotonic() + self.lease_wait
        while True:
            if self.server.set(self.keys.ingester, value, nx=True, ex=self.lease_ttl):
                break
            holder = _text(self.server.get(self.keys.ingester))
            if holder.rsplit(":", 1)[0] == me:
                logger.warning("taking over the lease of a stopped ingester (%s)", holder)
                self.server.set(self.keys.ingester, value, ex=self.lease_ttl)
                break
            if time.monotonic() >= deadline or self.stopping:
                raise IngesterBusy(self.keys.ingester, holder)
            time.sleep(0.5)
        self._lease_value = value

    def _renew_lease(self) -> None:
        if not self._renew(keys=[self.keys.ingester], args=[self._lease_value, self.lease_ttl]):
            raise RuntimeError(f"lost the lease {self.keys.ingester}: was this process paused?")

    def _give_up_lease(self) -> None:
        if not self._lease_value:
            return
        try:
            self._release(keys=[self.keys.ingester], args=[self._lease_value])
        except Exception:  # it expires by itself
            logger.warning("could not release %s", self.keys.ingester)

    # -- the report ------------------------------------------------------------------------
    def _report(
        self,
        started: datetime,
        finished: datetime,
        reason: str,
        error: str | None,
        until_idle: float | None,
    ) -> dict:
        return ingest_report(
            started=started,
            finished=finished,
            reason=reason,
            error=error,
            until_idle=until_idle,
            max_error_share=self.max_error_share,
            counts=self.counts,
            sources=self.sources,
            failed_reasons=self.failed_reasons,
            items=self.items,
            recovered=self.recovered,
            worker_reports=self.worker_reports,
            redis_prefix=self.keys.prefix,
        )
