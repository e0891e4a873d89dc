"""A distributed run ends when its work ends (issue 12), checked without Scrapy processes.

`newsarchive ingest --until-idle S` waits while a worker is alive, while requests are queued,
and while a worker holds requests, even a dead one (whose requests it gives back itself, with
the code workers use); it says what it waits for. Workers hold at most REDIS_MAX_HELD
requests. `newsarchive status --redis` shows the current run. Each test starts its own
redis-server (conftest.redis_server); "workers" here are `Workers` objects driven by the test.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime

import pytest
import redis
import scrapy
from click.testing import CliRunner
from conftest import post_files, wait_until
from scrapy.settings import Settings
from test_crash_safety import check_invariants
from test_store import make_article

from crawler.cli import main
from crawler.distributed import Keys
from crawler.distributed.codec import encode_article
from crawler.distributed.connection import retries_for
from crawler.distributed.ingest import Ingester
from crawler.distributed.progress import snapshot
from crawler.distributed.queue import ReliablePriorityQueue, Workers
from crawler.distributed.scheduler import max_held

PREFIX, SPIDER = "t", "tiny"
FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class TinySpider(scrapy.Spider):
    name = SPIDER

    def parse(self, response):
        pass


@pytest.fixture
def server(redis_server):
    client = redis.Redis.from_url(redis_server)
    yield client
    client.close()


def _article(n: int):
    return make_article(
        id=f"story20240301-{n}",
        url=f"https://www.zaobao.com/realtime/china/story20240301-{n}",
        title=f"标题 {n}",
        body=f"第{n}篇的正文。",
        fetched=FETCHED,
    )


class Worker:
    """A worker as the test drives it: registers, takes requests, hands articles over, leaves."""

    def __init__(self, server, name: str, ttl: int = 30):
        self.server = server
        self.keys = Keys(PREFIX, SPIDER)
        self.workers = Workers(server, self.keys, name, ttl, max_held=4)
        self.queue = ReliablePriorityQueue(
            server, TinySpider(), self.keys.requests, self.keys.processing(name)
        )
        self.workers.claim_run("run-1")
        self.workers.beat()

    def take_all(self) -> list[tuple[scrapy.Request, bytes]]:
        taken = []
        while found := self.queue.take():
            taken.append(found)
        return taken

    def finish(self, taken) -> None:
        """Each request's article to P:items, then the acknowledgement (as the scheduler)."""
        for request, member in taken:
            n = int(request.url.rsplit("/", 1)[1])
            self.server.lpush(self.keys.items, encode_article(_article(n)))
            self.queue.ack(member)


def _push_requests(server, count: int) -> None:
    queue = ReliablePriorityQueue(server, TinySpider(), Keys(PREFIX, SPIDER).requests, "t:unused")
    for n in range(1, count + 1):
        queue.push(scrapy.Request(f"https://example.com/{n}"))


class IngesterThread(threading.Thread):
    def __init__(self, server, archive, until_idle: float = 0.3):
        super().__init__(daemon=True)
        self.ingester = Ingester(server, archive, prefix=PREFIX, block=0.1, wait_log_every=0.2)
        self.until_idle = until_idle
        self.report: dict | None = None

    def run(self) -> None:
        self.report = self.ingester.run(self.until_idle)

    def finish(self, timeout: float = 30) -> dict:
        self.join(timeout)
        if self.is_alive():
            self.ingester.stop()
            self.join(10)
            pytest.fail("the ingester did not end once the work was over")
        return self.report


def _logged(caplog, text: str) -> bool:
    return any(text in r.getMessage() for r in caplog.records)


def test_until_idle_waits_for_a_live_worker_and_ends_when_it_leaves(server, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    worker = Worker(server, "A")
    thread = IngesterThread(server, tmp_path / "archive")
    thread.start()
    wait_until(lambda: _logged(caplog, "0 held by 1 live worker"), 30, "the waiting message")
    thread.join(1.0)  # many times --until-idle: the old ingester would be gone
    assert thread.is_alive(), "the ingester ended while a worker was alive"
    _push_requests(server, 2)
    worker.finish(worker.take_all())
    worker.workers.leave()
    report = thread.finish()
    assert report["status"] == "ok" and report["exit_code"] == 0
    assert report["items"] == 2 and report["counts"]["new"] == 2
    message = next(r.getMessage() for r in caplog.records if "live worker" in r.getMessage())
    assert "but the run is not over: waiting for tiny: 0 queued, 0 held by 1 live worker" in (
        message
    )


def test_a_dead_workers_requests_keep_the_ingester_waiting_and_are_given_back(
    server, tmp_path, caplog
):
    caplog.set_level(logging.INFO)
    keys = Keys(PREFIX, SPIDER)
    _push_requests(server, 3)
    victim = Worker(server, "A")
    taken = victim.take_all()
    assert len(taken) == 3
    # A stops beating: its heartbeat (TTL 30 s) was last renewed 10 s ago
    value = json.dumps({"run": "run-1", "ttl": 30, "max_held": 4})
    server.set(keys.heartbeat("A"), value, ex=20)
    thread = IngesterThread(server, tmp_path / "archive")
    thread.start()
    wait_until(
        lambda: _logged(caplog, "3 held by 1 silent worker (probably dead) until"),
        30,
        "a silent worker",
    )
    assert thread.is_alive()
    server.delete(keys.heartbeat("A"))  # ... and now it has expired
    wait_until(lambda: server.zcard(keys.requests) == 3, 30, "A's requests given back")
    assert not server.exists(keys.processing("A")) and not server.smembers(keys.workers)
    wait_until(lambda: _logged(caplog, "no live worker: they wait"), 30, "the no-worker note")
    assert thread.is_alive(), "the ingester ended with requests queued"
    assert any("worker A is gone" in r.getMessage() for r in caplog.records)

    survivor = Worker(server, "B")
    survivor.finish(survivor.take_all())
    survivor.workers.leave()
    report = thread.finish()
    assert report["status"] == "ok" and report["items"] == 3
    assert len(check_invariants(tmp_path / "archive")) == 3
    state = snapshot(server, PREFIX)
    assert not state.work_left() and state.items == state.items_in_hand == 0


def test_an_item_left_in_processing_while_running_is_ingested_before_the_end(server, tmp_path):
    keys = Keys(PREFIX, SPIDER)
    worker = Worker(server, "A")
    thread = IngesterThread(server, tmp_path / "archive")
    thread.start()
    # a BLMOVE whose reply was lost when Redis restarted: the item sits in processing
    wait_until(lambda: server.exists(keys.ingester), 30, "the ingester to start")
    server.lpush(keys.items_processing, encode_article(_article(7)))
    worker.workers.leave()
    report = thread.finish()
    assert report["recovered"] == 1 and report["counts"]["new"] == 1
    assert len(post_files(tmp_path / "archive")) == 1
    assert server.llen(keys.items_processing) == 0


def test_until_idle_ends_after_the_wait_when_no_work_is_left(server, tmp_path):
    server.lpush(Keys(PREFIX).items, encode_article(_article(1)))
    report = IngesterThread(server, tmp_path / "archive", until_idle=0.2)
    report.start()
    assert report.finish()["items"] == 1


# -- how much a worker holds -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [({}, 8), ({"REDIS_MAX_HELD": 3}, 3), ({"CONCURRENT_REQUESTS": 4}, 4),
     ({"CONCURRENT_REQUESTS_PER_DOMAIN": 1}, 2)],
)  # fmt: skip
def test_a_worker_holds_about_what_it_can_download_at_once(given, expected):
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(given, priority="cmdline")
    assert max_held(settings) == expected


@pytest.mark.parametrize(("seconds", "at_least"), [(0, 1), (1, 3), (30, 30)])
def test_redis_commands_are_retried_for_about_the_reconnect_timeout(seconds, at_least):
    assert retries_for(seconds) >= at_least
    assert retries_for(seconds) <= at_least + 5


# -- newsarchive status --redis ------------------------------------------------------------
def test_status_shows_the_current_run(redis_server, server):
    keys = Keys(PREFIX, SPIDER)
    _push_requests(server, 5)
    live = Worker(server, "host:1:live")
    live.queue.take()
    live.queue.take()
    Worker(server, "host:2:silent").queue.take()
    value = json.dumps({"run": "run-1", "ttl": 30, "max_held": 4})
    server.set(keys.heartbeat("host:2:silent"), value, ex=20)
    server.lpush(keys.items, b"x", b"y")
    server.lpush(keys.items_failed, b"z")

    result = CliRunner().invoke(main, ["status", "--redis", redis_server, "--prefix", PREFIX])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "tiny: run run-1, 2 requests queued" in lines
    live_line = next(line for line in lines if "host:1:live" in line)
    assert live_line.split()[-2:] == ["2", "alive"] and "s ago" in live_line
    silent_line = next(line for line in lines if "host:2:silent" in line)
    assert "10.0 s ago" in silent_line and "silent: given up at" in silent_line
    assert "items: 2 waiting, 0 in hand, 1 failed; worker reports waiting: 0" in lines

    as_json = CliRunner().invoke(
        main, ["status", "--redis", redis_server, "--prefix", PREFIX, "--json"]
    )
    state = json.loads(as_json.output)
    (spider,) = state["spiders"]
    assert spider["queued"] == 2 and state["items"] == 2 and state["items_failed"] == 1
    workers = {w["id"]: w for w in spider["workers"]}
    assert workers["host:1:live"]["held"] == 2 and not workers["host:1:live"]["silent"]
    assert workers["host:2:silent"]["silent"] and workers["host:2:silent"]["last_beat"] == 10.0


def test_status_without_its_redis_says_so_in_one_line():
    result = CliRunner().invoke(main, ["status", "--redis", "redis://127.0.0.1:9/0"])
    assert result.exit_code == 1
    assert "cannot read Redis at redis://127.0.0.1:9/0" in result.output
    assert "Traceback" not in result.output
