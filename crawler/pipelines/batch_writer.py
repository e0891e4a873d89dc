"""Group commit for the crawl: saves collected on the reactor, written by one thread in batches.

`BatchWriter.add` returns an awaitable for one article's result; the articles waiting are
handed to the writer thread together, as one `Archive.save_many`, once ``size`` of them are
waiting or ``wait`` seconds after the first of them came (ARCHIVE_BATCH_SIZE,
ARCHIVE_BATCH_MS). Each article still gets its own result (`Saved` or the error that kept it
out), so the pipeline counts and logs every article as before. Every other archive call runs
in the same thread, after the batches submitted before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any


class BatchWriter:
    def __init__(
        self,
        executor: Executor,
        write: Callable[[list[Any]], list[Any]],
        size: int = 64,
        wait: float = 0.1,
    ):
        """`write` runs in `executor` (one thread) with a list of entries and returns one
        result per entry (a value, or an Exception: raised to the entry's awaiter)."""
        self.executor = executor
        self.write = write
        self.size = max(1, size)
        self.wait = max(0.0, wait)
        self.waiting: list[tuple[Any, asyncio.Future]] = []
        self.timer: asyncio.TimerHandle | None = None

    async def add(self, entry: Any) -> Any:
        """Queue `entry` for the next batch; its result once that batch is written."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append((entry, future))
        if len(self.waiting) >= self.size or self.wait == 0:
            self.flush()
        elif self.timer is None:
            self.timer = loop.call_later(self.wait, self.flush)
        return await future

    def flush(self) -> None:
        """Hand what is waiting to the writer thread now."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.waiting = self.waiting, []
        if not batch:
            return
        done = asyncio.wrap_future(self.executor.submit(self.write, [e for e, _ in batch]))
        done.add_done_callback(lambda finished: _settle(batch, finished))


def _settle(batch: list[tuple[Any, asyncio.Future]], finished: asyncio.Future) -> None:
    """Give each awaiter of `batch` its result (or the batch's own error, to all)."""
    error = None if finished.cancelled() else finished.exception()
    if finished.cancelled():
        error = asyncio.CancelledError()
    results = [error] * len(batch) if error is not None else finished.result()
    for (_, future), result in zip(batch, results, strict=True):
        if future.done():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
