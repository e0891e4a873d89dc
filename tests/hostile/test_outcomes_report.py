"""The run report accounts for every link, and says so when the outcomes do not add up or the
run was stopped because nothing more could be saved (issue 10). Pure: stats in, report out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.store.run_report import build_report
from crawler.store.run_summary import summary

STARTED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
PROBLEM = "cannot write to ARCHIVE_DIR (/srv/news/archive): disk full"


def report_of(reason: str = "finished", **counts: int | str) -> dict:
    stats = {"downloader/request_count": 10, "downloader/response_count": 10}
    stats["newsarchive/discovery/listing_pages"] = 1
    stats["newsarchive/discovery/article_links"] = 9
    stats.update({f"newsarchive/{k}": v for k, v in counts.items()})
    return build_report(
        stats,
        spider="zaobao",
        reason=reason,
        started=STARTED,
        finished=STARTED + timedelta(minutes=1),
        max_error_share=0.5,
    )


def test_links_that_add_up_are_summed_in_one_line():
    report = report_of(links=10, links_ended=10, new=6, failed=1, duplicate=2, pages_read=1)
    assert report["links"]["unaccounted"] == 0 and report["links"]["unfinished"] == 0
    text = summary(report)
    assert "links: 10 requested: new 6, failed 1, duplicate 2, pages read 1" in text
    assert "WARNING" not in text


@pytest.mark.parametrize(
    ("counts", "unaccounted"),
    [
        pytest.param({"new": 6, "pages_read": 1}, 3, id="outcomes-missing"),
        pytest.param({"new": 9, "skipped": 1, "pages_read": 1}, -1, id="counted-twice"),
    ],
)
def test_links_that_do_not_add_up_are_warned_about(counts, unaccounted):
    report = report_of(links=10, links_ended=10, **counts)
    assert report["links"]["unaccounted"] == unaccounted
    assert f"WARNING {unaccounted} links ended without exactly one counted outcome" in summary(
        report
    )


def test_links_left_when_a_run_stops_are_unfinished_not_lost():
    report = report_of("shutdown", links=10, links_ended=4, new=3, pages_read=1)
    assert report["links"]["unfinished"] == 6 and report["links"]["unaccounted"] == 0
    assert "not fetched (the run stopped first): 6" in summary(report)


def test_a_run_stopped_because_the_archive_is_unwritable_failed_with_exit_1():
    report = report_of("archive-unwritable", archive_unwritable=PROBLEM, new=2, failed=1)
    assert (report["status"], report["exit_code"], report["problem"]) == ("failed", 1, PROBLEM)
    assert f"problem: {PROBLEM}" in summary(report)
