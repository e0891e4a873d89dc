"""One status decision for every run (issue 15): a crawl, a distributed worker and the ingester
get their status, problem and exit code from `decide`. Pure: facts in, verdict out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.store.run_report import IDLE, SIGNAL, build_report, ingest_report
from crawler.store.run_status import (
    CRAWL,
    INGESTER,
    NOTHING_REACHED,
    WORKER,
    RunFacts,
    decide,
)
from crawler.store.run_summary import summary

STARTED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
FINISHED = STARTED + timedelta(minutes=2)
DISK_FULL = "cannot write to ARCHIVE_DIR (/srv/news/archive): disk full"
#: a crawl that went fine: 10 pages reached, a listing page with 9 article links
FINE = dict(requests=10, pages_reached=10, listing_pages=1, article_links=9, handled=10)


@pytest.mark.parametrize(
    ("facts", "status", "exit_code", "problem"),
    [
        pytest.param(RunFacts(**FINE, failed=1), "ok", 0, None, id="crawl-ok"),
        pytest.param(RunFacts(**FINE, fatal=DISK_FULL), "failed", 1, DISK_FULL, id="disk-full"),
        pytest.param(
            RunFacts(**FINE, fatal=DISK_FULL, ended_early="the run ended early (shutdown)"),
            "failed",
            1,
            DISK_FULL,
            id="disk-full-beats-signal",
        ),
        pytest.param(
            RunFacts(**FINE, ended_early="the run ended early (shutdown)"),
            "interrupted",
            3,
            "the run ended early (shutdown)",
            id="stopped-by-signal",
        ),
        pytest.param(
            RunFacts(requests=4, pages_reached=0, failed=4, handled=4),
            "failed",
            1,
            NOTHING_REACHED,
            id="nothing-reached",
        ),
        pytest.param(RunFacts(), "failed", 1, NOTHING_REACHED, id="crawl-with-no-request"),
        pytest.param(
            RunFacts(requests=3, pages_reached=3, listing_pages=2, handled=2),
            "failed",
            1,
            "no article link on any of the 2 listing pages and feeds read: has the site changed?",
            id="no-article-link",
        ),
        pytest.param(
            RunFacts(requests=3, pages_reached=3, listing_pages=2, revisits=1, handled=3),
            "ok",
            0,
            None,
            id="no-article-link-but-revisits",
        ),
        pytest.param(
            RunFacts(**FINE, failed=6),
            "failed",
            1,
            "6 of 10 pages failed (60% > 50%)",
            id="error-share-above",
        ),
        pytest.param(RunFacts(**FINE, failed=5), "ok", 0, None, id="error-share-at-limit"),
        pytest.param(
            RunFacts(requests=2, pages_reached=2),
            "failed",
            1,
            "0 of 0 pages failed (100% > 50%)",
            id="crawl-reached-but-handled-nothing",
        ),
        pytest.param(RunFacts(role=WORKER), "ok", 0, None, id="worker-found-nothing-to-do"),
        pytest.param(
            RunFacts(role=WORKER, requests=2, pages_reached=0, failed=2, handled=2),
            "failed",
            1,
            NOTHING_REACHED,
            id="worker-nothing-reached",
        ),
        pytest.param(
            RunFacts(role=WORKER, requests=2, pages_reached=2),
            "ok",
            0,
            None,
            id="worker-reached-but-handled-nothing",
        ),
        pytest.param(
            RunFacts(role=WORKER, **FINE, fatal="lost Redis (ConnectionError)"),
            "failed",
            1,
            "lost Redis (ConnectionError)",
            id="worker-lost-redis",
        ),
        pytest.param(
            RunFacts(role=WORKER, **FINE, ended_early="the run ended early (shutdown)"),
            "interrupted",
            3,
            "the run ended early (shutdown)",
            id="worker-stopped-by-signal",
        ),
        pytest.param(RunFacts(role=INGESTER), "ok", 0, None, id="ingester-nothing-to-do"),
        pytest.param(
            RunFacts(role=INGESTER, fatal="lost Redis: ConnectionError: gone"),
            "failed",
            1,
            "lost Redis: ConnectionError: gone",
            id="ingester-error",
        ),
        pytest.param(
            RunFacts(role=INGESTER, ended_early="stopped by a signal before it was idle"),
            "interrupted",
            3,
            "stopped by a signal before it was idle",
            id="ingester-stopped-before-idle",
        ),
        pytest.param(
            RunFacts(role=INGESTER, handled=10, failed=6),
            "failed",
            1,
            "6 of 10 items could not be saved",
            id="ingester-error-share-above",
        ),
        pytest.param(
            RunFacts(role=INGESTER, handled=10, failed=5), "ok", 0, None, id="ingester-at-limit"
        ),
    ],
)
def test_the_status_and_exit_code_of_every_kind_of_run(facts, status, exit_code, problem):
    verdict = decide(facts, max_error_share=0.5)
    assert (verdict.status, verdict.exit_code, verdict.problem) == (status, exit_code, problem)


def _stats(**counts: int) -> dict:
    stats = {"downloader/request_count": 12, "downloader/response_count": 12}
    stats["newsarchive/discovery/listing_pages"] = 1
    stats["newsarchive/discovery/article_links"] = 11
    stats.update({f"newsarchive/{k}": v for k, v in counts.items()})
    return stats


def _report(stats: dict, reason: str = "finished", role: str = CRAWL) -> dict:
    return build_report(
        stats,
        spider="zaobao",
        reason=reason,
        started=STARTED,
        finished=FINISHED,
        max_error_share=0.5,
        role=role,
    )


@pytest.mark.parametrize(
    ("reason", "role", "counts", "status", "exit_code"),
    [
        pytest.param("finished", CRAWL, {"new": 9, "failed": 2}, "ok", 0, id="crawl-ok"),
        pytest.param("closespider_timeout", CRAWL, {"new": 9}, "ok", 0, id="crawl-limit"),
        pytest.param("shutdown", CRAWL, {"new": 9}, "interrupted", 3, id="crawl-signal"),
        # a worker's queued articles count as handled: 2 failed of 1 + 9 + 2
        pytest.param("finished", WORKER, {"queued": 9, "failed": 2}, "ok", 0, id="worker-ok"),
        pytest.param("finished", CRAWL, {"queued": 9, "failed": 2}, "failed", 1, id="not-queued"),
        pytest.param(
            "archive-unwritable",
            CRAWL,
            {"new": 9, "archive_unwritable": DISK_FULL},
            "failed",
            1,
            id="crawl-disk-full",
        ),
        # a worker whose WARC_DIR filled up failed, as its exit code (crawler/commands/crawl.py)
        pytest.param(
            "archive-unwritable",
            WORKER,
            {"queued": 9, "failed": 1, "archive_unwritable": DISK_FULL},
            "failed",
            1,
            id="worker-disk-full",
        ),
    ],
)
def test_a_crawl_or_worker_report_takes_the_one_decision(reason, role, counts, status, exit_code):
    report = _report(_stats(**counts), reason, role)
    assert (report["status"], report["exit_code"]) == (status, exit_code)
    assert f"{status.upper()} (exit {exit_code})" in summary(report).splitlines()[0]


@pytest.mark.parametrize(
    ("reason", "until_idle", "status", "exit_code"),
    [
        pytest.param(IDLE, 5.0, "ok", 0, id="idle"),
        pytest.param(SIGNAL, None, "ok", 0, id="signal-without-until-idle"),
        pytest.param(SIGNAL, 5.0, "interrupted", 3, id="signal-before-idle"),
    ],
)
def test_the_ingester_report_takes_the_one_decision(reason, until_idle, status, exit_code):
    report = ingest_report(
        started=STARTED,
        finished=FINISHED,
        reason=reason,
        error=None,
        until_idle=until_idle,
        max_error_share=0.5,
        counts={"new": 3, "unchanged": 1, "not_modified": 1},
        sources={"zaobao": {"new": 3, "unchanged": 1}},
        failed_reasons={},
        items=5,
        recovered=1,
        worker_reports=2,
        redis_prefix="newsarchive",
    )
    assert (report["status"], report["exit_code"]) == (status, exit_code)


def test_one_summary_renders_the_ingester_report_with_its_own_first_line():
    report = ingest_report(
        started=STARTED,
        finished=FINISHED,
        reason=IDLE,
        error=None,
        until_idle=5.0,
        max_error_share=0.5,
        counts={"new": 3, "failed": 1, "not_modified": 1},
        sources={"zaobao": {"new": 3, "alias": 1}},
        failed_reasons={"bad-item": 1},
        items=5,
        recovered=1,
        worker_reports=2,
        redis_prefix="newsarchive",
    )
    assert report["sources"] == {
        "zaobao": {"new": 3, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 0, "alias": 1}
    }
    assert summary(report).splitlines() == [
        "ingest 20240301T080000.000Z: OK (exit 0) in 120.0 s, 5 items"
        " (1 left by a stopped ingester), 2 worker reports",
        "  source                  new    updated  unchanged    skipped     failed",
        "  zaobao                    3          0          0          0          0",
        "  total                     3          0          0          0          1",
        "  failed: bad-item 1",
        "  also: not modified 1",
    ]
