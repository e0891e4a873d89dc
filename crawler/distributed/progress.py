"""Where a distributed run stands, read from Redis: what the ingester waits for, what
``newsarchive status --redis`` shows.

`snapshot` reads, for every spider that had workers under a key prefix (``P:spiders``, and any
frontier or processing set found by name), the frontier's length and each worker: alive or
not (its heartbeat), how long ago it last beat, when it will be given up, and how many
requests it holds; and the ingester's lists (items waiting, in hand, failed; reports).

`RunState.work_left` is the ingester's "not idle yet": a live worker, a queued request, or a
request held by any worker (a dead one's count until they are given back and done). A worker
is *silent* when its heartbeat is still there but it has not beaten for `SILENT_AFTER` seconds
(workers beat every second): probably dead, given up when its heartbeat expires.
No Scrapy here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from crawler.distributed import Keys

#: a worker that has not beaten for this long (seconds) is shown as silent (probably dead)
SILENT_AFTER = 3.0


def _text(value: bytes | str | None) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else (value or "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class WorkerState:
    id: str
    alive: bool  # its heartbeat is there
    held: int  # requests taken and not finished
    run: str = ""
    last_beat: float | None = None  # seconds ago
    expires_in: float | None = None  # seconds until it is given up
    max_held: int | None = None

    @property
    def silent(self) -> bool:
        return self.alive and self.last_beat is not None and self.last_beat >= SILENT_AFTER

    def given_up_at(self, now: datetime) -> str:
        """When its heartbeat expires (UTC, HH:MM:SS)."""
        return (now + timedelta(seconds=self.expires_in or 0)).strftime("%H:%M:%S UTC")


@dataclass
class SpiderState:
    name: str
    run: str = ""
    queued: int = 0
    workers: list[WorkerState] = field(default_factory=list)

    @property
    def live(self) -> list[WorkerState]:
        return [w for w in self.workers if w.alive]

    @property
    def dead(self) -> list[WorkerState]:
        return [w for w in self.workers if not w.alive]

    @property
    def held(self) -> int:
        return sum(w.held for w in self.workers)

    def work_left(self) -> bool:
        return bool(self.queued or self.live or self.held)

    def describe(self, now: datetime) -> str:
        """E.g. ``zaobao: 12 queued, 4 held by 2 live workers, 13 held by 1 silent worker
        (probably dead) until 20:31:05 UTC (then back in the queue)``."""
        parts = [f"{self.queued} queued"]
        beating = [w for w in self.live if not w.silent]
        silent = [w for w in self.live if w.silent]
        if beating:
            held = sum(w.held for w in beating)
            parts.append(f"{held} held by {_plural(len(beating), 'live worker')}")
        if silent:
            held = sum(w.held for w in silent)
            until = max(silent, key=lambda w: w.expires_in or 0).given_up_at(now)
            parts.append(
                f"{held} held by {_plural(len(silent), 'silent worker')} (probably dead) "
                f"until {until} (then back in the queue)"
            )
        dead_held = sum(w.held for w in self.dead)
        if dead_held:
            parts.append(f"{dead_held} held by dead workers (being put back in the queue)")
        if self.queued and not self.live:
            parts.append("no live worker: they wait for the next worker to start")
        return f"{self.name}: " + ", ".join(parts)


@dataclass
class RunState:
    prefix: str
    taken: datetime
    spiders: list[SpiderState] = field(default_factory=list)
    items: int = 0
    items_in_hand: int = 0
    items_failed: int = 0
    reports: int = 0
    ingester: str = ""

    def work_left(self) -> bool:
        """Work that will still produce items: see the module doc."""
        return any(s.work_left() for s in self.spiders)

    def waiting_for(self) -> str:
        busy = [s.describe(self.taken) for s in self.spiders if s.work_left()]
        return "; ".join(busy) or "nothing"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["taken"] = self.taken.isoformat()
        for spider, state in zip(data["spiders"], self.spiders, strict=True):
            for worker, wstate in zip(spider["workers"], state.workers, strict=True):
                worker["silent"] = wstate.silent
        return data


def _spiders(server, prefix: str) -> list[str]:
    names = {_text(s) for s in server.smembers(Keys(prefix).spiders)}
    suffix = ":requests"
    for key in server.scan_iter(match=f"{prefix}:*{suffix}", count=1000):
        name = _text(key)[len(prefix) + 1 : -len(suffix)]
        if name and ":" not in name:
            names.add(name)
    return sorted(names)


def _worker(worker: str, raw, pttl: int, held: int) -> WorkerState:
    state = WorkerState(id=worker, alive=raw is not None, held=int(held))
    if raw is None:
        return state
    state.expires_in = max(0.0, pttl / 1000) if pttl and pttl > 0 else None
    try:
        beat = json.loads(raw)
    except ValueError:  # a worker of an older version: its run id only
        beat = {"run": _text(raw)}
    if not isinstance(beat, dict):
        beat = {"run": _text(raw)}
    state.run = str(beat.get("run", ""))
    state.max_held = beat.get("max_held")
    ttl = beat.get("ttl")
    if isinstance(ttl, int | float) and state.expires_in is not None:
        state.last_beat = round(max(0.0, ttl - state.expires_in), 1)
    return state


def spider_state(server, prefix: str, spider: str) -> SpiderState:
    keys = Keys(prefix, spider)
    ids = {_text(w) for w in server.smembers(keys.workers)}
    for key in server.scan_iter(match=keys.processing("*"), count=1000):
        ids.add(keys.worker_of(key))
    ids = sorted(ids)
    pipe = server.pipeline(transaction=False)
    pipe.zcard(keys.requests)
    pipe.get(keys.run)
    for worker in ids:
        pipe.get(keys.heartbeat(worker))
        pipe.pttl(keys.heartbeat(worker))
        pipe.zcard(keys.processing(worker))
    queued, run, *rest = pipe.execute()
    workers = [_worker(w, *rest[3 * n : 3 * n + 3]) for n, w in enumerate(ids)]
    return SpiderState(name=spider, run=_text(run), queued=int(queued), workers=workers)


def snapshot(server, prefix: str) -> RunState:
    keys = Keys(prefix)
    state = RunState(prefix=keys.prefix, taken=datetime.now(UTC))
    state.spiders = [spider_state(server, keys.prefix, s) for s in _spiders(server, keys.prefix)]
    pipe = server.pipeline(transaction=False)
    for key in (keys.items, keys.items_processing, keys.items_failed, keys.reports):
        pipe.llen(key)
    pipe.get(keys.ingester)
    state.items, state.items_in_hand, state.items_failed, state.reports, ingester = pipe.execute()
    state.ingester = _text(ingester)
    return state


def render(state: RunState) -> list[str]:
    """`state` as ``newsarchive status --redis`` prints it."""
    lines = [f"current run (prefix {state.prefix}) at {state.taken:%Y-%m-%d %H:%M:%S} UTC"]
    if not state.spiders:
        lines.append("  no worker has run under this prefix (or the run left nothing behind)")
    for spider in state.spiders:
        run = f"run {spider.run}" if spider.run else "no run going"
        lines.append(f"{spider.name}: {run}, {spider.queued} requests queued")
        if not spider.workers:
            lines.append("  no worker")
            continue
        width = max(24, *(len(w.id) for w in spider.workers))
        lines.append(f"  {'worker':<{width}} {'last beat':>11} {'held':>5}  state")
        for w in spider.workers:
            beat = f"{w.last_beat:.1f} s ago" if w.last_beat is not None else "-"
            if not w.alive:
                what = "dead: what it held goes back to the queue"
            elif w.silent:
                what = f"silent: given up at {w.given_up_at(state.taken)}"
            else:
                what = "alive"
            lines.append(f"  {w.id:<{width}} {beat:>11} {w.held:>5}  {what}")
    lines.append(
        f"items: {state.items} waiting, {state.items_in_hand} in hand, "
        f"{state.items_failed} failed; worker reports waiting: {state.reports}"
    )
    lines.append(f"ingester: {state.ingester or 'none running'}")
    return lines
