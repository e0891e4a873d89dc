"""The run report's health table: per source, the share of articles with no stated date, no
byline, a short or empty body, or only part of the article -- so a redesign shows the day it
happens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.extract.article import Article
from crawler.pipelines.archive import health_marks
from crawler.store.run_report import build_report
from crawler.store.run_summary import summary

STARTED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def stats_of(health: dict[str, dict[str, int]], **extra: int) -> dict:
    stats = {"downloader/request_count": 30, "downloader/response_count": 30}
    stats["newsarchive/discovery/listing_pages"] = 1
    stats["newsarchive/discovery/article_links"] = 20
    for source, counts in health.items():
        for mark, value in counts.items():
            stats[f"newsarchive/health/{source}/{mark}"] = value
        stats[f"newsarchive/source/{source}/new"] = counts.get("articles", 0)
        stats["newsarchive/new"] = stats.get("newsarchive/new", 0) + counts.get("articles", 0)
    stats.update({k.replace("__", "/"): v for k, v in extra.items()})
    return stats


def report_of(stats: dict, previous: list[dict] | None = None) -> dict:
    return build_report(
        stats,
        spider="zaobao",
        reason="finished",
        started=STARTED,
        finished=STARTED + timedelta(minutes=3),
        max_error_share=0.5,
        previous=previous,
    )


def test_health_counts_and_shares_per_source():
    stats = stats_of(
        {
            "zaobao": {"articles": 20, "no_date": 2, "no_byline": 5, "incomplete": 1},
            "cna": {"articles": 4, "short_body": 1, "empty_body": 1},
        },
        newsarchive__incomplete__teaser_marker=1,
    )
    report = report_of(stats)
    zaobao = report["health"]["zaobao"]
    assert zaobao["articles"] == 20
    assert zaobao["share"] == {
        "no_date": 0.1,
        "no_byline": 0.25,
        "short_body": 0.0,
        "incomplete": 0.05,
        "empty_body": 0.0,
    }
    cna = report["health"]["cna"]
    assert cna["share"]["short_body"] == 0.25
    assert cna["share"]["empty_body"] == 0.2  # of the 5 article pages, counting the empty one
    assert report["incomplete_reasons"] == {"teaser_marker": 1}
    assert report["status"] == "ok"  # health warns; it does not fail a run


def test_first_run_warns_on_high_shares_only():
    report = report_of(stats_of({"zaobao": {"articles": 10, "no_byline": 9}}))
    assert report["health_warnings"] == ["zaobao: no byline 90% of 10"]


def test_a_share_that_jumps_over_the_earlier_runs_is_a_warning():
    before = [
        report_of(stats_of({"zaobao": {"articles": 10, "no_byline": 1, "no_date": 0}}))
        for _ in range(3)
    ]
    same = report_of(stats_of({"zaobao": {"articles": 12, "no_byline": 1}}), previous=before)
    assert same["health_warnings"] == []
    redesign = report_of(
        stats_of({"zaobao": {"articles": 12, "no_byline": 12, "empty_body": 6}}), previous=before
    )
    assert redesign["health_warnings"] == [
        "zaobao: no byline 100% of 12 (was 10%)",
        "zaobao: empty body 33% of 18 (was 0%)",
    ]


def test_an_outlet_that_never_has_bylines_does_not_warn_every_run():
    before = [report_of(stats_of({"xinhua": {"articles": 10, "no_byline": 10}}))]
    again = report_of(stats_of({"xinhua": {"articles": 10, "no_byline": 10}}), previous=before)
    assert again["health_warnings"] == []


def test_too_few_articles_say_nothing():
    report = report_of(stats_of({"rare": {"articles": 2, "no_date": 2}}))
    assert report["health_warnings"] == []


def test_reports_from_before_health_are_a_missing_baseline():
    old = report_of(stats_of({}))
    old.pop("health")
    report = report_of(stats_of({"zaobao": {"articles": 5, "incomplete": 5}}), previous=[old])
    assert report["health_warnings"] == ["zaobao: incomplete 100% of 5"]


def test_summary_shows_the_health_table_and_warnings():
    stats = stats_of(
        {"zaobao": {"articles": 8, "no_byline": 8, "incomplete": 2}},
        newsarchive__incomplete__not_free=2,
    )
    text = summary(report_of(stats))
    lines = text.splitlines()
    header = next(line for line in lines if line.strip().startswith("health"))
    assert "no date" in header and "no byline" in header and "incomplete" in header
    row = next(line for line in lines if line.strip().startswith("zaobao") and "%" in line)
    assert row.split()[1:] == ["8", "0%", "100%", "0%", "25%", "0%"]
    assert "incomplete: not_free 2" in text
    assert "WARNING zaobao: no byline 100% of 8" in text


def test_no_health_lines_without_articles():
    assert "health" not in summary(report_of(stats_of({})))


def _article(**fields) -> Article:
    base = dict(
        source="zaobao",
        id="story20240301-1",
        url="https://www.zaobao.com/realtime/china/story20240301-1",
        title="标题",
        published=STARTED,
        body="正文。" * 100,
        publication="联合早报",
        bylines=["记者甲"],
    )
    return Article(**(base | fields))


@pytest.mark.parametrize(
    ("fields", "marks"),
    [
        ({}, []),
        ({"date_source": "url"}, ["no_date"]),
        ({"date_source": "htmldate"}, ["no_date"]),
        ({"date_source": "fetched"}, ["no_date"]),
        ({"date_source": "meta"}, []),
        ({"bylines": []}, ["no_byline"]),
        ({"body": "很短。"}, ["short_body"]),
        ({"complete": False, "completeness_reason": "not-free"}, ["incomplete"]),
    ],
)
def test_health_marks_of_an_article(fields, marks):
    assert health_marks(_article(**fields), short_body_chars=200) == marks
