"""What cron sees: the exit code and the run report of `scrapy crawl` in each kind of ending.

0 the run worked; 1 it failed (nothing reached, or errors past RUN_MAX_ERROR_SHARE);
3 it was interrupted. (75, the archive locked by another run: tests/test_lock.py.)
"""

from __future__ import annotations

import json
import signal
import socket
from pathlib import Path

import pytest
import replay_site
from conftest import (
    SLOW,
    crawl_command,
    crawl_stats,
    run_crawl,
    start_crawl,
    stop,
    wait_until,
)
from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.project import get_project_settings
from twisted.internet import task

from crawler.store.catalog import Catalog
from crawler.store.runs import RUNS_DIR


def reports(archive: Path) -> list[dict]:
    """The JSON run reports of `archive`, oldest first."""
    files = sorted((archive / RUNS_DIR).glob("*.json")) if (archive / RUNS_DIR).exists() else []
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def catalog_runs(archive: Path) -> list[dict]:
    catalog = Catalog(archive / "catalog.db", readonly=True)
    try:
        return list(catalog.db.query("select * from runs order by started"))
    finally:
        catalog.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- nothing reachable -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start_url", "reason"),
    [
        pytest.param(
            lambda: f"http://127.0.0.1:{free_port()}/realtime/china", "connection", id="refused"
        ),
        pytest.param(lambda: "https://newsarchive-test.invalid/realtime/china", "dns", id="dns"),
    ],
)
def test_a_run_that_reaches_no_host_fails_with_exit_1(tmp_path, start_url, reason):
    archive = tmp_path / "archive"
    cmd = crawl_command(archive, [start_url()], "RETRY_TIMES=0", "DOWNLOAD_TIMEOUT=20")
    result = run_crawl(cmd, timeout=90)
    assert result.returncode == 1, result.stderr[-3000:]
    [report] = reports(archive)
    assert report["status"] == "failed" and report["exit_code"] == 1
    assert "no page could be fetched" in report["problem"]
    assert report["pages_reached"] == 0
    assert set(report["failed_reasons"]) == {reason}
    assert "FAILED (exit 1)" in result.stderr
    assert "problem: no page could be fetched" in result.stderr
    # one line per failure, no traceback (Scrapy logs a robots.txt it could not get with one)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert f"not fetched ({reason}): its pages are fetched as it would allow" in result.stderr


# -- errors past the threshold -----------------------------------------------------------------
def _small_site_run(tmp_path: Path, articles: int, failing: int, *settings: str):
    pages, listing = replay_site.small_site(articles, failing)
    warc = replay_site.write_warc(tmp_path / "site.warc.gz", pages)
    archive = tmp_path / "archive"
    result = run_crawl(crawl_command(archive, [listing], "LOG_LEVEL=DEBUG", *settings, warc=warc))
    return archive, result


def test_a_run_with_too_many_failed_pages_fails_with_exit_1(tmp_path):
    archive, result = _small_site_run(tmp_path, 4, 3, "RUN_MAX_ERROR_SHARE=0.3")
    assert result.returncode == 1, result.stderr[-3000:]
    [report] = reports(archive)
    assert report["status"] == "failed" and report["exit_code"] == 1
    assert report["failed_reasons"] == {"http-500": 3}
    assert report["counts"]["new"] == 1 and report["counts"]["failed"] == 3
    assert "3 of 5 pages failed" in report["problem"]  # 1 listing + 4 articles
    assert "FAILED (exit 1)" in result.stderr
    assert [r["status"] for r in catalog_runs(archive)] == ["failed"]


def test_a_few_failed_pages_under_the_default_threshold_still_exit_0(tmp_path):
    archive, result = _small_site_run(tmp_path, 6, 1)
    assert result.returncode == 0, result.stderr[-3000:]
    [report] = reports(archive)
    assert report["status"] == "ok" and report["problem"] is None
    assert report["failed_reasons"] == {"http-500": 1}
    assert report["counts"]["new"] == 5
    assert "OK (exit 0)" in result.stderr


# -- a normal run ------------------------------------------------------------------------------
def test_a_normal_run_exits_0_and_its_report_matches_the_stats(tmp_path):
    warc = replay_site.write_warc(tmp_path / "site.warc.gz")
    archive = tmp_path / "archive"
    cmd = crawl_command(archive, replay_site.START_URLS, "LOG_LEVEL=DEBUG", warc=warc)

    first = run_crawl(cmd)
    assert first.returncode == 0, first.stderr[-3000:]
    stats = crawl_stats(first.stderr)
    [report] = reports(archive)
    assert report["status"] == "ok" and report["exit_code"] == 0 and report["problem"] is None
    for name in ("new", "skipped", "failed"):
        assert report["counts"][name] == stats.get(f"newsarchive/{name}", 0), name
    assert report["counts"]["new"] == len(replay_site.fixture_articles())
    assert report["requests"] == stats["downloader/request_count"]
    [row] = catalog_runs(archive)
    assert row["id"] == report["id"] and row["status"] == "ok" and row["exit_code"] == 0
    assert json.loads(row["report"]) == report
    assert (row["new"], row["skipped"], row["failed"]) == tuple(
        report["counts"][n] for n in ("new", "skipped", "failed")
    )

    second = run_crawl(cmd)
    assert second.returncode == 0, second.stderr[-3000:]
    both = reports(archive)
    assert len(both) == 2 and both[0]["id"] != both[1]["id"]
    assert both[1]["counts"]["new"] == 0
    assert both[1]["counts"]["already_archived"] == len(replay_site.fixture_articles())
    assert sorted(r["id"] for r in catalog_runs(archive)) == sorted(r["id"] for r in both)


# -- interrupted -------------------------------------------------------------------------------
def _interrupt(tmp_path: Path, moment: str, *settings: str, test_modules: bool = False):
    """A slow replayed run, sent SIGINT once `moment` is in its log; (exit code, log, archive)."""
    warc = replay_site.write_warc(tmp_path / "site.warc.gz")
    archive = tmp_path / "archive"
    log = tmp_path / "run.log"
    cmd = crawl_command(archive, replay_site.START_URLS, *SLOW, *settings, warc=warc)
    proc = start_crawl(cmd, log, test_modules=test_modules)
    try:
        wait_until(lambda: moment in log.read_text(), 30, repr(moment), proc)
        proc.send_signal(signal.SIGINT)
        code = stop(proc, 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return code, log.read_text(), archive


def test_a_run_stopped_with_sigint_exits_3_and_says_interrupted(tmp_path):
    code, log, archive = _interrupt(tmp_path, "Crawled (200)", "LOG_LEVEL=DEBUG")
    assert code == 3, log[-3000:]
    [report] = reports(archive)
    assert report["status"] == "interrupted" and report["exit_code"] == 3
    assert report["finish_reason"] == "shutdown"
    assert "INTERRUPTED (exit 3)" in log
    assert [r["status"] for r in catalog_runs(archive)] == ["interrupted"]


class SlowSpiderOpen:
    """Test extension: the spider takes a second to open, as with a long recovery or revisit
    scan; a signal in that second comes before the engine runs."""

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls()
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        return ext

    async def spider_opened(self, spider):
        from twisted.internet import reactor

        spider.logger.info("test: the spider is still opening")
        await maybe_deferred_to_future(task.deferLater(reactor, 1.0, lambda: None))


def _slow_open() -> str:
    extensions = get_project_settings().getdict("EXTENSIONS")
    extensions["test_exit_codes.SlowSpiderOpen"] = 0
    return "EXTENSIONS=" + json.dumps(extensions)


def test_a_run_stopped_while_its_spider_opens_does_not_exit_0(tmp_path):
    code, log, _ = _interrupt(
        tmp_path, "test: the spider is still opening", _slow_open(), test_modules=True
    )
    assert "Received SIGINT" in log
    assert code == 3, log[-3000:]


def test_a_run_stopped_while_its_spider_opens_still_leaves_a_report(tmp_path):
    code, log, archive = _interrupt(
        tmp_path, "test: the spider is still opening", _slow_open(), test_modules=True
    )
    [report] = reports(archive)
    assert report["status"] == "interrupted" and report["exit_code"] == 3
