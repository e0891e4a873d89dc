"""A single article that raises anywhere (extraction, save, the spider) is counted
``failed/<reason>``, logged in one line (the traceback only at DEBUG) and counts toward
RUN_MAX_ERROR_SHARE; the crawl goes on (issue 10)."""

from __future__ import annotations

import pytest

from .test_save_disk_full import fault_crawl, reports

#: URL endings of the made-up articles (tests/replay_site.py `small_site`)
SECOND, THIRD, FOURTH = "-8000002", "-8000003", "-8000004"


@pytest.mark.parametrize(
    ("fault", "reason", "line"),
    [
        pytest.param("extract-error", "extraction", "extraction failed for", id="extraction"),
        pytest.param("save-error", "save", "could not save", id="save"),
        pytest.param("spider-error", "spider-error", "spider error on", id="spider"),
    ],
)
def test_articles_that_raise_are_counted_failed_and_can_fail_the_run(tmp_path, fault, reason, line):
    result, archive = fault_crawl(
        tmp_path, f"{fault}:{SECOND}|{THIRD}|{FOURTH}", "RUN_MAX_ERROR_SHARE=0.3", articles=4
    )
    assert result.returncode == 1, result.stderr[-4000:]
    [report] = reports(archive)
    assert report["failed_reasons"] == {reason: 3}
    assert report["counts"]["failed"] == 3 and report["counts"]["new"] == 1
    assert report["sources"]["zaobao"]["failed"] == 3
    assert "3 of 5 pages failed" in report["problem"]  # 1 listing + 4 articles
    assert report["links"]["unaccounted"] == 0 and report["links"]["unfinished"] == 0
    errors = [x for x in result.stderr.splitlines() if " ERROR: " in x and line in x]
    assert len(errors) == 3, result.stderr[-4000:]
    assert all("ValueError: test fault" in x for x in errors), errors
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fault", ["extract-error", "save-error", "spider-error"])
def test_one_failing_article_under_the_threshold_still_exits_0(tmp_path, fault):
    result, archive = fault_crawl(tmp_path, f"{fault}:{SECOND}", articles=6)
    assert result.returncode == 0, result.stderr[-4000:]
    [report] = reports(archive)
    assert report["counts"]["failed"] == 1 and report["counts"]["new"] == 5
    assert "Traceback" not in result.stderr


def test_the_traceback_of_a_failing_article_is_logged_only_at_debug(tmp_path):
    fault = f"extract-error:{SECOND}"
    quiet, _ = fault_crawl(tmp_path / "info", fault, "LOG_LEVEL=INFO", articles=3)
    assert quiet.returncode == 0, quiet.stderr[-4000:]
    assert "Traceback" not in quiet.stderr
    assert quiet.stderr.count("extraction failed for") == 1
    debug, _ = fault_crawl(tmp_path / "debug", fault, "LOG_LEVEL=DEBUG", articles=3)
    assert debug.returncode == 0, debug.stderr[-4000:]
    assert debug.stderr.count("Traceback") == 1
    assert 'raise ValueError(f"test fault: extraction of {url}")' in debug.stderr
