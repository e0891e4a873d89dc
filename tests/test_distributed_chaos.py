"""Chaos: two workers and an ingester over a replayed site, with something killed mid-run.

Each case runs real processes (`scrapy crawl zaobao -s REDIS_URL=...` twice, `newsarchive
ingest --until-idle 2`) against a redis-server of its own with ``appendonly yes`` and
``appendfsync always`` (so it can be restarted mid-run), and SIGKILLs a worker (holding only
the listing page; mid-crawl), SIGKILLs the ingester mid-batch and starts a new one, or restarts
redis-server. Every time, the ingester ends by itself once the work is over (not before: the
killed worker's requests count until they are given back and done), every article of the
replay is archived exactly once, `verify` passes and nothing is left in Redis. Heartbeats and
idle timeouts are 2 s, so no case waits for long.

Last: Redis gone for longer than the workers' and the ingester's reconnect timeout: both stop
with a one-line reason and exit 1, and a re-run finishes the work.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import replay_site
from click.testing import CliRunner
from conftest import post_files, require_tool, start_crawl, stop, wait_until
from test_crash_safety import check_invariants

from crawler.cli import main
from crawler.distributed import Keys
from crawler.distributed.progress import snapshot

ARTICLES = 24
INGEST = [sys.executable, "-c", "from crawler.cli import main; main()", "ingest"]
KEYS = Keys("newsarchive", "zaobao")


class RestartableRedis:
    """A redis-server on a fixed loopback port that keeps its data (AOF) across restarts."""

    def __init__(self, folder: Path):
        self.binary = require_tool("redis-server")
        self.folder = folder
        self.folder.mkdir()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with (self.folder / "redis.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder),
                 "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5)
        deadline = time.monotonic() + 15
        try:
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    time.sleep(0.05)
        finally:
            client.close()
        pytest.fail(
            f"redis-server did not start: {(self.folder / 'redis.log').read_text()[-2000:]}"
        )

    def stop(self) -> None:
        """SIGTERM: Redis shuts down cleanly (the AOF is fsynced at every write anyway)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def aof_redis(tmp_path):
    server = RestartableRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(tmp_path):
    pages, listing = replay_site.small_site(ARTICLES)
    return replay_site.write_warc(tmp_path / "site.warc.gz", pages), listing


def _worker_command(redis_url: str, site, workdir: Path, *extra: str) -> list:
    warc, listing = site
    cmd = [sys.executable, "-m", "scrapy", "crawl", "zaobao", "-a", f"start_urls={listing}"]
    for setting in (
        f"REDIS_URL={redis_url}",
        f"REPLAY_WARC={warc}",
        f"ARCHIVE_DIR={workdir}",
        "REDIS_IDLE_TIMEOUT=2",
        "REDIS_HEARTBEAT_TTL=2",
        "EXTRACT_WORKERS=0",
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
        "AUTOTHROTTLE_ENABLED=False",
        "DOWNLOAD_DELAY=0.2",
        "DOWNLOAD_DELAY_JITTER=0",
        "CONCURRENT_REQUESTS=4",
        *extra,
    ):
        cmd += ["-s", setting]
    return cmd


def _log(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def _worker_id(server, proc: subprocess.Popen) -> str | None:
    mine = [w.decode() for w in server.smembers(KEYS.workers) if f":{proc.pid}:".encode() in w]
    return mine[0] if mine else None


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    assert stop(proc, 10) == -signal.SIGKILL


def _check_everything_archived_once(archive: Path, server) -> None:
    rows = check_invariants(archive)
    expected = sorted(
        replay_site.made_up_article(n)[0].rsplit("/", 1)[1] for n in range(1, ARTICLES + 1)
    )
    assert sorted(r["id"] for r in rows) == expected
    assert len(post_files(archive)) == ARTICLES
    verify = CliRunner().invoke(main, ["verify", "--archive", str(archive)])
    assert verify.exit_code == 0, verify.output
    state = snapshot(server, "newsarchive")
    assert not state.work_left(), state.waiting_for()
    assert (state.items, state.items_in_hand, state.items_failed, state.reports) == (0, 0, 0, 0)
    assert server.hlen(KEYS.archived) == ARTICLES


@pytest.mark.parametrize(
    "chaos", ["kill-worker-holding-the-listing", "kill-worker-mid-crawl", "kill-ingester",
              "restart-redis"],
)  # fmt: skip
def test_every_article_is_archived_once_whatever_is_killed(chaos, aof_redis, site, tmp_path):
    server = redis.Redis.from_url(aof_redis.url, **_retrying())
    archive, workdir = tmp_path / "archive", tmp_path / "worker-dir"
    ingest = [*INGEST, "--redis", aof_redis.url, "--archive", str(archive), "--until-idle", "2"]
    worker_cmd = _worker_command(aof_redis.url, site, workdir)
    logs = {name: tmp_path / f"{name}.log" for name in ("ingest-1", "ingest-2", "w0", "w1")}
    procs: dict[str, subprocess.Popen] = {}
    try:
        # the ingester once a worker is there: with no worker and nothing queued, a run is
        # over (it would end after --until-idle)
        procs["w0"] = start_crawl(worker_cmd, logs["w0"])
        first = procs["w0"]
        wait_until(lambda: _worker_id(server, first), 60, "the first worker to start", first)
        procs["ingest-1"] = start_crawl(ingest, logs["ingest-1"])
        procs["w1"] = start_crawl(worker_cmd, logs["w1"])
        ingester = "ingest-1"

        if chaos.startswith("kill-worker"):
            articles_first = 0 if chaos.endswith("listing") else 3

            def victim_holds():
                worker = _worker_id(server, first)
                queued = _log(logs["w0"]).count("queued zaobao:")
                if worker and server.zcard(KEYS.processing(worker)) and (queued >= articles_first):
                    return worker
                return None

            victim = wait_until(victim_holds, 60, "the first worker to hold requests", first)
            _kill(first)
            held = server.zcard(KEYS.processing(victim))
            assert 1 <= held <= 4, "REDIS_MAX_HELD is 4 here (CONCURRENT_REQUESTS)"
            survivors = ["w1"]
        else:
            survivors = ["w0", "w1"]
            wait_until(lambda: len(post_files(archive)) >= 5, 90, "5 posts", procs["ingest-1"])
            if chaos == "kill-ingester":
                _kill(procs["ingest-1"])
                assert len(post_files(archive)) < ARTICLES, "the ingester was killed too late"
                procs["ingest-2"] = start_crawl(ingest, logs["ingest-2"])
                ingester = "ingest-2"
            else:
                aof_redis.stop()
                assert len(post_files(archive)) < ARTICLES, "Redis was restarted too late"
                aof_redis.start()

        for name in survivors:
            assert stop(procs[name], 90) == 0, _log(logs[name])[-3000:]
        # the ingester ends by itself, once the work is over, and not before
        assert stop(procs[ingester], 90) == 0, _log(logs[ingester])[-3000:]
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    try:
        _check_everything_archived_once(archive, server)
        assert not workdir.exists(), "a worker wrote into its ARCHIVE_DIR"
        for name in (*survivors, ingester):
            assert "Traceback" not in _log(logs[name]), _log(logs[name])[-3000:]
        if chaos.startswith("kill-worker"):  # given back by the survivor or the ingester
            gone = f"worker {victim} is gone (its heartbeat expired): {held} requests"
            assert any(gone in _log(logs[name]) for name in ("w1", ingester))
        if chaos == "restart-redis":
            assert _log(aof_redis.folder / "redis.log").count("Ready to accept connections") == 2
    finally:
        server.close()


def test_a_worker_holds_no_more_than_redis_max_held(redis_server, site, tmp_path):
    """With 16 concurrent requests allowed, the engine would take 16 from the frontier at once
    (most of them to wait out the download delay): a death would strand them all."""
    server = redis.Redis.from_url(redis_server)
    archive, workdir = tmp_path / "archive", tmp_path / "worker-dir"
    worker_cmd = _worker_command(
        redis_server, site, workdir, "CONCURRENT_REQUESTS=16",
        "CONCURRENT_REQUESTS_PER_DOMAIN=16", "REDIS_MAX_HELD=3",
    )  # fmt: skip
    ingest = [*INGEST, "--redis", redis_server, "--archive", str(archive), "--until-idle", "2"]
    worker = start_crawl(worker_cmd, tmp_path / "worker.log")
    ingester = None
    try:
        worker_id = wait_until(lambda: _worker_id(server, worker), 60, "the worker", worker)
        ingester = start_crawl(ingest, tmp_path / "ingest.log")
        most = 0
        while worker.poll() is None:
            most = max(most, server.zcard(KEYS.processing(worker_id)))
            time.sleep(0.005)
        assert worker.returncode == 0, _log(tmp_path / "worker.log")[-3000:]
        assert stop(ingester, 60) == 0, _log(tmp_path / "ingest.log")[-3000:]
    finally:
        for proc in (worker, ingester):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert 1 <= most <= 3
    assert "holding at most 3" in _log(tmp_path / "worker.log")
    _check_everything_archived_once(archive, server)
    server.close()


def _retrying() -> dict:
    from crawler.distributed.connection import retrying

    return retrying(20)


def test_redis_gone_for_too_long_stops_everyone_clearly_and_a_rerun_finishes(
    aof_redis, site, tmp_path
):
    server = redis.Redis.from_url(aof_redis.url, socket_connect_timeout=1, **_retrying())
    archive, workdir = tmp_path / "archive", tmp_path / "worker-dir"
    ingest = [*INGEST, "--redis", aof_redis.url, "--archive", str(archive), "--until-idle", "2"]
    worker_cmd = _worker_command(aof_redis.url, site, workdir, "REDIS_RECONNECT_TIMEOUT=1")
    logs = {name: tmp_path / f"{name}.log" for name in ("ingest-1", "ingest-2", "w-1", "w-2")}
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["w-1"] = start_crawl(worker_cmd, logs["w-1"])
        wait_until(lambda: _worker_id(server, procs["w-1"]), 60, "the worker", procs["w-1"])
        procs["ingest-1"] = start_crawl([*ingest, "--reconnect-timeout", "1"], logs["ingest-1"])
        wait_until(lambda: len(post_files(archive)) >= 3, 90, "3 posts", procs["w-1"])
        aof_redis.stop()
        assert stop(procs["w-1"], 60) == 1, _log(logs["w-1"])[-3000:]
        assert stop(procs["ingest-1"], 60) == 1, _log(logs["ingest-1"])[-3000:]
        for name in ("w-1", "ingest-1"):
            assert "lost Redis" in _log(logs[name]), _log(logs[name])[-3000:]
            assert "Traceback" not in _log(logs[name]), _log(logs[name])[-3000:]
        assert len(post_files(archive)) < ARTICLES, "Redis was stopped too late"

        aof_redis.start()  # the queues come back from the AOF; the same commands again
        procs["w-2"] = start_crawl(worker_cmd, logs["w-2"])
        wait_until(lambda: _worker_id(server, procs["w-2"]), 60, "the worker", procs["w-2"])
        procs["ingest-2"] = start_crawl(ingest, logs["ingest-2"])
        assert stop(procs["w-2"], 90) == 0, _log(logs["w-2"])[-3000:]
        assert stop(procs["ingest-2"], 90) == 0, _log(logs["ingest-2"])[-3000:]
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    try:
        _check_everything_archived_once(archive, server)
    finally:
        server.close()
