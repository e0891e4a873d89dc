"""Extraction on every core: a process pool fed from the pipeline without blocking the reactor.

Extraction is CPU-bound (lxml, trafilatura) and pure, so pages go to worker processes and the
reactor thread keeps fetching. The workers are spawned (no fork of the crawling
process with its threads, sockets and memory), its workers ignore SIGINT (the crawl shuts them down
cleanly on close, also after SIGINT/SIGTERM), and a crashed worker loses no page: the pool is
restarted and the page extracted again once; if it crashes the worker again it is reported.

Workers never outlive the crawl, even one killed with ``kill -9`` (which runs no clean-up):
each worker asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``, Linux), and
also watches its parent from a thread, which covers what the kernel's signal does not: a parent
that died before the worker set it up, the death of the *thread* that spawned the worker (the
kernel's signal fires on that), and systems without ``prctl``.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

from crawler.extract import Article, extract_article
from crawler.sources.base import Source

logger = logging.getLogger(__name__)


class WorkerCrashed(RuntimeError):
    """Extracting this page crashed a worker process twice."""


def worker_count(setting: str | int | None) -> int:
    """EXTRACT_WORKERS: "auto" (or empty) -> one per core; 0 -> extract in the crawling process."""
    if setting in (None, "", "auto"):
        return os.cpu_count() or 1
    return max(0, int(setting))


#: how often a worker checks that its parent is still alive (seconds)
PARENT_CHECK_INTERVAL = 0.5
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies; False where unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux, or no prctl in this libc
        return False


def _watch_parent(parent: int, interval: float) -> None:
    """End this process as soon as `parent` is no longer its parent (it died: we were
    re-parented to init or a subreaper)."""
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


def _init_worker(parent: int, pdeathsig: bool, interval: float = PARENT_CHECK_INTERVAL) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    if pdeathsig:
        _die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent, interval), name="watch-parent", daemon=True
    ).start()


def _warm_up() -> None:
    """Nothing: importing this module (and so the extraction code) is the work."""


def _extract(
    body: bytes,
    url: str,
    headers: dict,
    source: Source | None,
    pages: list[bytes],
    fetched: datetime | None,
) -> Article:
    return extract_article(body, url, headers, source, pages=pages, fetched=fetched)


class ExtractionPool:
    def __init__(self, workers: int):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._worked = False  # has any worker ever returned a result?
        self._broken_pools = 0

    def start(self) -> None:
        if self.workers and self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_init_worker,
                # the kernel's signal follows the spawning thread: a pool started from a
                # thread that may end before the crawl relies on the watcher alone
                initargs=(os.getpid(), threading.current_thread() is threading.main_thread()),
            )
            # start every worker now, so they import the extraction code while the crawl starts
            # up, not when the first article arrives (one call per worker: none is idle yet)
            try:
                for _ in range(self.workers):
                    self._pool.submit(_warm_up)
            except BrokenProcessPool:  # the first extraction finds out and deals with it
                pass

    async def extract(self, *args) -> Article:
        """`extract_article(*args)` in a worker (or here when there are no workers)."""
        if not self.workers:
            return _extract(*args)
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            self.start()
            pool = self._pool
            try:
                article = await loop.run_in_executor(pool, _extract, *args)
            except BrokenProcessPool:
                logger.error("an extraction worker died (attempt %d) on %s", attempt, args[1])
                if self._pool is pool:  # the first to notice replaces the broken pool
                    self._pool = None
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._broken_pools += 1
                if not self._worked and self._broken_pools >= 3:
                    # workers that never extracted anything cannot start here (a __main__
                    # module that cannot be imported again, say): extract in this process
                    logger.warning(
                        "extraction workers cannot start; extracting in the crawl process"
                    )
                    self.workers = 0
                    return _extract(*args)
                continue
            self._worked = True
            return article
        raise WorkerCrashed(f"extracting {args[1]} crashed a worker twice")

    def close(self) -> None:
        """Wait for the pages in hand, then stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
