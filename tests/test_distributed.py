"""Distributed crawling on Redis: workers on a shared frontier, one archive writer.

Unit level: the JSON of an Article, the reliable request queue (take / ack / requeue of a dead
worker's requests), the run claim, the dupefilter's fingerprints, the ingester's reliable item
queue (killed mid-save, killed before the acknowledgement), the add-on's switches. Process
level: three `scrapy crawl zaobao -s REDIS_URL=...` workers and `newsarchive ingest` over a
replayed site; one worker and the ingester are SIGKILLed mid-way; every article ends up in the
archive exactly once. Each test starts its own redis-server (conftest.redis_server).
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
import replay_site
import scrapy
from click.testing import CliRunner
from conftest import (
    REPO,
    SLOW,
    crawl_stats,
    own_settings,
    post_files,
    start_crawl,
    stop,
    wait_until,
)
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from test_crash_safety import check_invariants
from test_store import make_article

import crawler.distributed.ingest as ingest_module
from crawler.cli import main
from crawler.distributed import Keys
from crawler.distributed.addon import RedisAddon
from crawler.distributed.archived import ArchivedIndex
from crawler.distributed.codec import (
    ARTICLE,
    NOT_MODIFIED,
    BadEnvelope,
    decode,
    encode_article,
    encode_not_modified,
)
from crawler.distributed.dupefilter import RedisDupeFilter
from crawler.distributed.ingest import Ingester, IngesterBusy
from crawler.distributed.queue import ReliablePriorityQueue, Workers
from crawler.distributed.report import worker_report
from crawler.items import NotModified
from crawler.store.archive import Archive
from crawler.store.lock import ArchiveLock
from crawler.store.post import post_path, render_post

FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class Killed(BaseException):
    """Stands for a SIGKILL: no `except Exception` stops it."""


@pytest.fixture
def server(redis_server):
    client = redis.Redis.from_url(redis_server)
    yield client
    client.close()


# -- the JSON of an Article ----------------------------------------------------------------
def test_an_article_goes_through_json_unchanged():
    article = make_article(
        # the second 02:30 of the night the clocks go back: only the offset tells which
        published=datetime(
            2024, 10, 27, 2, 30, 15, 123456, fold=1, tzinfo=ZoneInfo("Europe/Paris")
        ),
        fetched=datetime(2026, 11, 21, 12, 0, 1, 500, tzinfo=UTC),
        etag='W/"abc"',
        last_modified="Thu, 21 Nov 2026 12:00:00 GMT",
        image="https://example.com/a.jpg",
        image_caption="说明：「引号」\n换行",
        script="zh-Hans",
        complete=False,
        completeness_reason="paywall",
        pages=3,
        date_source="meta",
        warnings=["one", "two"],
    )
    kind, back, envelope = decode(encode_article(article, worker="w1", run="r1"))
    assert kind == ARTICLE and envelope["worker"] == "w1" and envelope["run"] == "r1"
    assert back == article
    assert back.published.tzinfo == ZoneInfo("Europe/Paris")
    assert back.published.isoformat() == article.published.isoformat()
    assert back.published.isoformat() == "2024-10-27T02:30:15.123456+01:00"
    assert back.fetched.isoformat() == article.fetched.isoformat()
    assert back.text_hash == article.text_hash
    assert render_post(back, FETCHED) == render_post(article, FETCHED)
    assert post_path(back) == post_path(article)


def test_fixed_offsets_and_missing_times_go_through_json():
    article = make_article()  # UTC+8, no fetch time
    _, back, _ = decode(encode_article(article))
    assert back == article and back.fetched is None
    assert back.published.utcoffset() == timedelta(hours=8)
    assert back.published.isoformat() == "2021-08-30T09:33:13+08:00"


def test_a_304_notice_goes_through_json():
    notice = NotModified(url="https://www.zaobao.com/x/story1", source="zaobao", id="story1")
    kind, (back, checked), _ = decode(encode_not_modified(notice, FETCHED))
    assert kind == NOT_MODIFIED and back == notice and checked == FETCHED


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1]", b'{"v": 99, "kind": "article"}', b'{"v": 1, "kind": "x"}',
     b'{"v": 1, "kind": "article", "article": {"title": "no id"}}'],
)  # fmt: skip
def test_what_is_not_our_item_is_refused(raw):
    with pytest.raises(BadEnvelope):
        decode(raw)


# -- the reliable request queue --------------------------------------------------------------
class TinySpider(scrapy.Spider):
    name = "tiny"

    def parse(self, response):
        pass


def _queue(server, keys: Keys, worker: str) -> ReliablePriorityQueue:
    return ReliablePriorityQueue(server, TinySpider(), keys.requests, keys.processing(worker))


def test_a_dead_workers_requests_go_back_to_the_frontier(server):
    keys = Keys("t", "tiny")
    a, b = _queue(server, keys, "A"), _queue(server, keys, "B")
    workers_a, workers_b = Workers(server, keys, "A", 30), Workers(server, keys, "B", 30)
    for n, priority in ((1, 0), (2, 5), (3, 1)):
        a.push(scrapy.Request(f"https://example.com/{n}", a.spider.parse, priority=priority))
    workers_a.beat()
    workers_b.beat()
    first, member1 = a.take()
    second, _ = a.take()
    assert (first.url, second.url) == ("https://example.com/2", "https://example.com/3")
    assert first.callback == a.spider.parse  # the callback comes back
    assert len(a) == 1 and a.in_processing() == 2
    a.ack(member1)  # done with the first
    assert a.in_processing() == 1

    assert workers_b.requeue_dead() == 0  # A is alive: nothing moves
    assert len(a) == 1 and a.in_processing() == 1
    server.delete(keys.heartbeat("A"))  # A dies: its heartbeat expires
    assert workers_b.requeue_dead() == 1
    assert a.in_processing() == 0 and not server.exists(keys.processing("A"))
    assert workers_b.others() == []  # A is forgotten
    again, _ = b.take()
    assert again.url == "https://example.com/3"  # the one A never finished, priority kept
    assert b.in_processing() == 1 and len(b) == 1


def test_two_equal_requests_are_acknowledged_one_by_one(server):
    keys = Keys("t", "tiny")
    queue = _queue(server, keys, "A")
    queue.push(scrapy.Request("https://example.com/same", dont_filter=True))
    queue.push(scrapy.Request("https://example.com/same", dont_filter=True))
    (_, m1), (_, m2) = queue.take(), queue.take()
    assert m1 != m2 and queue.in_processing() == 2
    queue.ack(m1)
    assert queue.in_processing() == 1


def test_the_first_worker_of_a_run_seeds_and_clears_the_last_runs_fingerprints(server):
    keys = Keys("t", "tiny")
    server.sadd(keys.dupefilter, "fingerprint-of-the-last-run")
    first, second = Workers(server, keys, "A", 30), Workers(server, keys, "B", 30)
    assert first.claim_run("run-1") is True
    assert not server.exists(keys.dupefilter)
    first.beat()
    server.sadd(keys.dupefilter, "seen-in-run-1")
    assert second.claim_run("run-2") is False and second.run_id == "run-1"
    second.beat()
    assert server.exists(keys.dupefilter)  # joining clears nothing
    first.leave()
    assert server.get(keys.run) == b"run-1"  # B is still in the run
    second.leave()
    assert not server.exists(keys.run)  # the last one out ends the run
    assert Workers(server, keys, "C", 30).claim_run("run-3") is True


def test_the_dupefilter_uses_our_article_fingerprints(server):
    crawler = get_crawler(
        TinySpider,
        {"REQUEST_FINGERPRINTER_CLASS": "crawler.scheduling.fingerprint.ArticleFingerprinter"},
    )
    dupefilter = RedisDupeFilter(
        server, "t:df", fingerprinter=crawler.request_fingerprinter, stats=None
    )
    key = {"article_key": "zaobao:story20240101-1"}
    com = scrapy.Request("https://www.zaobao.com/news/china/story20240101-1", meta=key)
    sg = scrapy.Request("https://www.zaobao.com.sg/realtime/china/story20240101-1", meta=key)
    other = scrapy.Request(
        "https://www.zaobao.com/news/china/story20240101-2",
        meta={"article_key": "zaobao:story20240101-2"},
    )
    assert dupefilter.request_seen(com) is False
    assert dupefilter.request_seen(sg) is True  # the same story on the other edition
    assert dupefilter.request_seen(other) is False
    dupefilter.close("finished")
    assert server.scard("t:df") == 2  # shared: one worker closing clears nothing


# -- the ingester's reliable item queue ------------------------------------------------------
def _articles(n: int):
    return [
        make_article(
            id=f"story20240301-{n}",
            url=f"https://www.zaobao.com/realtime/china/story20240301-{n}",
            title=f"标题 {n}",
            body=f"第{n}篇的正文。",
            fetched=FETCHED,
        )
        for n in range(1, n + 1)
    ]


def _ingest(server, archive: Path, until_idle: float = 0.3, **kwargs) -> dict:
    return Ingester(server, archive, prefix="t", block=0.1, **kwargs).run(until_idle)


@pytest.mark.parametrize(
    ("batch_size", "in_hand", "saved_before"),
    [(1, 1, 1), (64, 3, 0)],  # one at a time; or all three moved and saved as one batch
)
def test_items_left_by_a_killed_ingester_are_handled_first_and_written_once(
    server, tmp_path, monkeypatch, batch_size, in_hand, saved_before
):
    keys = Keys("t")
    articles = _articles(3)
    for article in articles:
        server.lpush(keys.items, encode_article(article))
    archive = tmp_path / "archive"
    real_save_many = Archive.save_many
    calls = []

    def save_many(self, items):
        calls.extend(item.article.id for item in items)
        if len(calls) >= 2:
            raise Killed("in the middle of the batch that holds the second save")
        return real_save_many(self, items)

    with monkeypatch.context() as patch:
        patch.setattr(Archive, "save_many", save_many)
        with pytest.raises(Killed):
            _ingest(server, archive, batch_size=batch_size)
    assert server.llen(keys.items_processing) == in_hand  # the items in hand stay in hand
    assert server.llen(keys.items) == 3 - saved_before - in_hand
    assert len(post_files(archive)) == saved_before

    report = _ingest(server, archive, batch_size=batch_size)
    assert report["status"] == "ok" and report["exit_code"] == 0
    assert report["recovered"] == in_hand and report["items"] == 3 - saved_before
    assert report["counts"]["new"] == 3 - saved_before
    assert server.llen(keys.items_processing) == 0 and server.llen(keys.items) == 0
    rows = check_invariants(archive)
    assert sorted(r["id"] for r in rows) == sorted(a.id for a in articles)
    index = ArchivedIndex(server, keys)
    assert {a.id for a in articles} == {
        a.id for a in articles if index.find("zaobao", a.id) is not None
    }
    assert index.find("zaobao", "story20240301-1")["published"] == articles[0].published.isoformat()
    runs = sorted((archive / "_runs").glob("*.json"))
    assert len(runs) == 1  # the killed run wrote none
    assert json.loads(runs[0].read_text())["spider"] == "ingest"


def test_an_item_saved_but_not_acknowledged_is_unchanged_when_it_comes_again(
    server, tmp_path, monkeypatch
):
    keys = Keys("t")
    (article,) = _articles(1)
    server.lpush(keys.items, encode_article(article))
    archive = tmp_path / "archive"

    def ack(self, raw, digest):
        raise Killed("after the save, before the acknowledgement")

    with monkeypatch.context() as patch:
        patch.setattr(Ingester, "_ack", ack)
        with pytest.raises(Killed):
            _ingest(server, archive)
    assert len(post_files(archive)) == 1 and server.llen(keys.items_processing) == 1

    report = _ingest(server, archive)
    assert report["counts"]["unchanged"] == 1 and report["counts"]["new"] == 0
    assert len(check_invariants(archive)) == 1
    assert server.llen(keys.items_processing) == 0


def test_unreadable_and_poisonous_items_are_set_aside(server, tmp_path, monkeypatch):
    keys = Keys("t")
    good, poison = _articles(2)
    server.lpush(keys.items, b"garbage", encode_article(good))
    report = _ingest(server, tmp_path / "archive")
    assert report["counts"]["failed"] == 1 and report["failed_reasons"] == {"bad-item": 1}
    assert report["counts"]["new"] == 1
    assert server.lrange(keys.items_failed, 0, -1) == [b"garbage"]

    # an item whose save keeps failing is tried MAX_ATTEMPTS times, then set aside
    monkeypatch.setattr(ingest_module, "MAX_ATTEMPTS", 2)
    server.lpush(keys.items, encode_article(poison))
    real_save_many = Archive.save_many

    def save_many(self, items):  # the poison fails alone, as save_many reports it
        results = real_save_many(self, [i for i in items if i.article.id != poison.id])
        return [
            OSError("No space left on device") if i.article.id == poison.id else results.pop(0)
            for i in items
        ]

    with monkeypatch.context() as patch:
        patch.setattr(Archive, "save_many", save_many)
        for _ in range(2):
            report = _ingest(server, tmp_path / "archive")
            assert report["status"] == "failed" and "No space left" in report["problem"]
            assert report["exit_code"] == 1
            assert server.llen(keys.items_processing) == 1  # kept for the next ingester
        report = _ingest(server, tmp_path / "archive")
    assert report["failed_reasons"] == {"too-many-attempts": 1}
    assert server.llen(keys.items_processing) == 0 and server.llen(keys.items_failed) == 2


def test_a_304_updates_the_check_time_and_what_workers_see(server, tmp_path):
    keys = Keys("t")
    (article,) = _articles(1)
    server.lpush(keys.items, encode_article(article))
    _ingest(server, tmp_path / "archive")
    later = FETCHED + timedelta(hours=5)
    notice = NotModified(url=article.url, source="zaobao", id=article.id)
    server.lpush(keys.items, encode_not_modified(notice, later))
    report = _ingest(server, tmp_path / "archive")
    assert report["counts"]["unchanged"] == 1 and report["counts"]["not_modified"] == 1
    assert ArchivedIndex(server, keys).find("zaobao", article.id)["checked"] == later.isoformat()


def test_the_archived_index_is_rebuilt_from_the_catalog_and_lists_recent_articles(server, tmp_path):
    keys = Keys("t")
    now = datetime.now(UTC)
    recent = make_article(id="story-new", url="https://www.zaobao.com/a/story-new", published=now)
    old = make_article(
        id="story-old", url="https://www.zaobao.com/a/story-old", title="旧", body="旧文。"
    )
    archive = Archive(tmp_path / "archive")
    archive.save(recent, FETCHED)
    archive.save(old, FETCHED)
    archive.close()
    server.hset(keys.archived, "zaobao:gone", "{}")  # no longer in the catalog
    _ingest(server, tmp_path / "archive")
    index = ArchivedIndex(server, keys)
    assert index.find("zaobao", "gone") is None
    assert index.find("zaobao", "story-old")["url"] == old.url
    since = (now - timedelta(days=1)).isoformat()
    assert [r["id"] for r in index.recent("zaobao", since)] == ["story-new"]
    assert list(index.recent("other", since)) == []


def test_one_ingester_per_redis_prefix(server, tmp_path):
    keys = Keys("t")
    server.set(keys.ingester, "another-host:/srv/news/archive:123", ex=30)
    with pytest.raises(IngesterBusy, match="another-host"):
        Ingester(server, tmp_path / "archive", prefix="t", lease_wait=0.2)._take_lease()
    # the same archive on this machine: that ingester is gone (we hold the archive lock)
    mine = f"{socket.gethostname()}:{(tmp_path / 'archive').resolve()}:999999"
    server.set(keys.ingester, mine, ex=30)
    report = _ingest(server, tmp_path / "archive")
    assert report["status"] == "ok"
    assert not server.exists(keys.ingester)  # released at the end


def test_ingest_exits_75_when_another_run_holds_the_archive(redis_server, tmp_path):
    archive = tmp_path / "archive"
    with ArchiveLock(archive):
        result = subprocess.run(
            [sys.executable, "-c", "from crawler.cli import main; main()", "ingest",
             "--redis", redis_server, "--archive", str(archive), "--until-idle", "0"],
            cwd=REPO, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 75, result.stderr
    assert "another run holds the archive lock" in result.stderr


# -- "already archived" and revisits on a machine without the archive ----------------------------
def test_a_worker_checks_and_revisits_what_the_ingester_published(redis_server, server, tmp_path):
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest

    from crawler.downloader.incremental import IncrementalMiddleware, RevisitScheduler
    from crawler.spiders.outlets import ZaobaoSpider

    published = datetime.now(UTC) - timedelta(hours=2)
    article = make_article(published=published, fetched=published, etag='"v1"')
    server.lpush(Keys("newsarchive").items, encode_article(article))
    Ingester(server, tmp_path / "archive", block=0.1).run(until_idle=0.2)

    settings = own_settings(REDIS_URL=redis_server, INCREMENTAL_STORE="redis", ARCHIVE_DIR="")
    crawler = get_crawler(ZaobaoSpider, {**settings, "REVISIT_AFTER": "1h,6h"})
    mw = IncrementalMiddleware.from_crawler(crawler)
    request = Request(article.url, meta={"article_key": f"zaobao:{article.id}"})
    assert mw.process_request(request) is None  # due: the 1 h window has come
    assert request.meta["revisit"] is True and request.headers["If-None-Match"] == b'"v1"'
    crawler = get_crawler(ZaobaoSpider, {**settings, "REVISIT_AFTER": "6h"})
    mw = IncrementalMiddleware.from_crawler(crawler)
    with pytest.raises(IgnoreRequest, match="already archived"):
        mw.process_request(Request(article.url, meta={"article_key": f"zaobao:{article.id}"}))

    # revisits are asked for by the run's first worker only
    for seeds, expected in ((True, [article.url]), (False, [])):
        crawler = get_crawler(ZaobaoSpider, {**settings, "REVISIT_AFTER": "1h,6h"})
        spider = ZaobaoSpider.from_crawler(crawler)
        asked: list = []
        crawler.engine = SimpleNamespace(
            scheduler=SimpleNamespace(seeds_this_run=seeds), crawl=asked.append
        )
        RevisitScheduler.from_crawler(crawler).spider_opened(spider)
        assert [r.url for r in asked] == expected


# -- worker mode's switches and report ---------------------------------------------------------
def _project_settings(**values) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in values.items():
        settings.set(name, value, priority="cmdline")
    return settings


def test_without_redis_url_nothing_changes():
    settings = _project_settings()
    before = settings.copy_to_dict()
    RedisAddon().update_settings(settings)
    assert settings.copy_to_dict() == before


def test_redis_url_turns_a_crawl_into_a_worker():
    settings = _project_settings(REDIS_URL="redis://127.0.0.1:1/0")
    RedisAddon().update_settings(settings)
    assert settings["SCHEDULER"] == "crawler.distributed.scheduler.RedisScheduler"
    assert settings["DUPEFILTER_CLASS"] == "crawler.distributed.dupefilter.RedisDupeFilter"
    assert settings["INCREMENTAL_STORE"] == "redis"
    pipelines = settings.getdict("ITEM_PIPELINES")
    assert pipelines["crawler.pipelines.archive.ArchivePipeline"] is None
    assert pipelines["crawler.pipelines.archive.ExtractPipeline"] == 300
    assert pipelines["crawler.distributed.pipelines.RedisItemPipeline"] == 500
    extensions = settings.getdict("EXTENSIONS")
    assert extensions["crawler.run.report.RunReport"] is None
    assert extensions["crawler.distributed.report.WorkerRunReport"] == 500
    middlewares = settings.getdict("SPIDER_MIDDLEWARES")
    assert "crawler.distributed.seeding.SeedOnceMiddleware" in middlewares


def test_a_worker_that_found_nothing_to_do_ran_fine_and_queued_articles_count_as_handled():
    now = datetime.now(UTC)
    common = dict(spider="zaobao", reason="finished", started=now, finished=now)
    idle = worker_report({}, max_error_share=0.5, **common)
    assert idle["status"] == "ok" and idle["exit_code"] == 0
    busy = {
        "downloader/request_count": 12,
        "downloader/response_count": 12,
        "newsarchive/discovery/listing_pages": 1,
        "newsarchive/discovery/article_links": 11,
        "newsarchive/queued": 9,
        "newsarchive/failed": 2,
    }
    report = worker_report(busy, max_error_share=0.5, **common)
    assert report["status"] == "ok" and report["counts"]["queued"] == 9
    failing = {**busy, "newsarchive/queued": 1, "newsarchive/failed": 9}
    assert worker_report(failing, max_error_share=0.5, **common)["status"] == "failed"


def test_a_worker_without_its_redis_exits_1_with_a_clear_message(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "zaobao",
        "-s",
        "REDIS_URL=redis://127.0.0.1:9/0",
    ]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "cannot reach Redis at redis://127.0.0.1:9/0" in result.stderr


# -- end to end: three workers, one ingester, kills ------------------------------------------------
ARTICLES = 30
INGEST = [sys.executable, "-c", "from crawler.cli import main; main()", "ingest"]


def _worker_command(redis_url: str, warc: Path, listing: str, workdir: Path) -> list:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "zaobao", "-a", f"start_urls={listing}"]
    for setting in (
        f"REDIS_URL={redis_url}",
        f"REPLAY_WARC={warc}",
        f"ARCHIVE_DIR={workdir}",  # a worker never writes there
        "REDIS_IDLE_TIMEOUT=3",
        "REDIS_HEARTBEAT_TTL=2",
        "EXTRACT_WORKERS=0",
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
        *SLOW,
    ):
        cmd += ["-s", setting]
    return cmd


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    assert stop(proc, 10) == -signal.SIGKILL


def test_workers_and_an_ingester_killed_midway_archive_every_article_exactly_once(
    redis_server, server, tmp_path
):
    pages, listing = replay_site.small_site(ARTICLES)
    warc = replay_site.write_warc(tmp_path / "site.warc.gz", pages)
    archive, workdir = tmp_path / "archive", tmp_path / "worker-dir"
    keys = Keys("newsarchive", "zaobao")
    ingest = [*INGEST, "--redis", redis_server, "--archive", str(archive)]
    worker_cmd = _worker_command(redis_server, warc, listing, workdir)
    procs: list[subprocess.Popen] = []
    try:
        first_ingester = start_crawl(ingest, tmp_path / "ingest-1.log")
        procs.append(first_ingester)
        victim = start_crawl(worker_cmd, tmp_path / "worker-0.log")
        procs.append(victim)
        # the victim first (so that it surely gets work), then the other two join its run
        wait_until(
            lambda: any(f":{victim.pid}:".encode() in w for w in server.smembers(keys.workers)),
            60,
            "the first worker to start",
            victim,
        )
        survivors = [start_crawl(worker_cmd, tmp_path / f"worker-{n}.log") for n in (1, 2)]
        procs.extend(survivors)

        def victim_busy():
            log = (tmp_path / "worker-0.log").read_text(errors="replace")
            ids = [w.decode() for w in server.smembers(keys.workers)]
            mine = [w for w in ids if f":{victim.pid}:" in w]
            return (
                mine
                and log.count("queued zaobao:") >= 2
                and server.zcard(keys.processing(mine[0]))
                and mine[0]
            )

        victim_id = wait_until(victim_busy, 60, "the first worker to be mid-crawl", victim)
        _kill(victim)
        held = server.zcard(keys.processing(victim_id))
        assert held >= 1, "the killed worker held no request"

        wait_until(lambda: len(post_files(archive)) >= 6, 60, "6 posts", first_ingester)
        _kill(first_ingester)
        assert len(post_files(archive)) < ARTICLES, "the ingester was killed too late"

        second_ingester = start_crawl([*ingest, "--until-idle", "5"], tmp_path / "ingest-2.log")
        procs.append(second_ingester)
        for n, worker in enumerate(survivors, 1):
            log = tmp_path / f"worker-{n}.log"
            assert stop(worker, 60) == 0, log.read_text()[-3000:]
        assert stop(second_ingester, 60) == 0, (tmp_path / "ingest-2.log").read_text()[-3000:]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)

    # every article exactly once, the archive consistent
    rows = check_invariants(archive)
    expected = sorted(
        replay_site.made_up_article(n)[0].rsplit("/", 1)[1] for n in range(1, ARTICLES + 1)
    )
    assert sorted(r["id"] for r in rows) == expected
    assert len(post_files(archive)) == ARTICLES
    verify = CliRunner().invoke(main, ["verify", "--archive", str(archive)])
    assert verify.exit_code == 0, verify.output
    assert not workdir.exists(), "a worker wrote into its ARCHIVE_DIR"

    # the killed worker's requests were put back; nothing is left anywhere
    logs = [(tmp_path / f"worker-{n}.log").read_text() for n in (1, 2)]
    requeued = sum(crawl_stats(log).get("newsarchive/distributed/requeued", 0) for log in logs)
    assert requeued >= held
    assert not any("went back to the frontier" in log for log in logs)  # all acknowledged
    assert [k.decode() for k in server.keys("newsarchive:zaobao:processing:*")] == []
    for key in (keys.items, keys.items_processing, keys.items_failed, keys.reports):
        assert server.llen(key) == 0, key
    assert server.zcard(keys.requests) == 0 and server.scard(keys.workers) == 0
    assert server.hlen(keys.archived) == ARTICLES

    # the run reports: the second ingester's and the two surviving workers'
    reports = [json.loads(p.read_text()) for p in (archive / "_runs").glob("*.json")]
    ingesters = [r for r in reports if r["spider"] == "ingest"]
    worker_reports = [r for r in reports if r.get("role") == "worker"]
    assert len(ingesters) == 1 and ingesters[0]["status"] == "ok"
    assert len(worker_reports) == 2 and all(r["status"] == "ok" for r in worker_reports)
    assert sum(r["counts"]["queued"] for r in worker_reports) >= ARTICLES - 2 - held
    status = CliRunner().invoke(main, ["status", "--archive", str(archive), "--json"])
    assert len(status.output.splitlines()) == 3

    # the next run starts clean: seeds again, and skips what is archived (read from Redis)
    result = subprocess.run(worker_cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = crawl_stats(result.stderr)
    assert stats["newsarchive/distributed/seeded"] == 1
    assert stats["newsarchive/already_archived"] == ARTICLES
    assert stats.get("newsarchive/queued", 0) == 0
