"""Site drift, caught the day it happens (issue 13): per-outlet rules a layout change trips even
when the run went well -- a listing yielding far fewer links than its usual, body selectors that
stopped matching, titles equal to the site name -- one warning line each, and the trend per
outlet in ``newsarchive stats --health``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.cli import main
from crawler.extract import extract_article
from crawler.extract.article import Article
from crawler.pipelines.archive import health_marks
from crawler.run.drift import drift_warnings, listing_stat, listings, title_is_site_name
from crawler.spiders.outlets import ZaobaoSpider
from crawler.store.archive import Archive
from crawler.store.run_report import build_report
from crawler.store.run_summary import summary
from crawler.store.runs import write_run_report

STARTED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
LISTING = "https://www.people.com.cn/"


def stats_of(health: dict | None = None, links: dict | None = None) -> dict:
    stats = {"downloader/request_count": 30, "downloader/response_count": 30}
    stats["newsarchive/discovery/listing_pages"] = 1
    stats["newsarchive/discovery/article_links"] = 20
    for source, counts in (health or {}).items():
        for mark, value in counts.items():
            stats[f"newsarchive/health/{source}/{mark}"] = value
        stats[f"newsarchive/source/{source}/new"] = counts.get("articles", 0)
        stats["newsarchive/new"] = stats.get("newsarchive/new", 0) + counts.get("articles", 0)
    for (source, url), count in (links or {}).items():
        stats[listing_stat(source, url)] = count
    return stats


def report_of(stats: dict, previous: list[dict] | None = None, n: int = 0) -> dict:
    started = STARTED + timedelta(days=n)
    return build_report(
        stats,
        spider="people",
        reason="finished",
        started=started,
        finished=started + timedelta(minutes=3),
        max_error_share=0.5,
        previous=previous,
    )


def history(counts: list[int], url: str = LISTING) -> list[dict]:
    """Earlier reports of the listing yielding `counts` links (oldest first), newest first."""
    return [report_of(stats_of(links={("people", url): c}), n=i) for i, c in enumerate(counts)][
        ::-1
    ]


@pytest.mark.parametrize(
    ("before", "now", "warns"),
    [
        ([40, 42, 38, 41, 40], 3, True),  # the link markup changed
        ([40, 42, 38, 41, 40], 20, True),  # half of the median: still a warning
        ([40, 42, 38, 41, 40], 25, False),
        ([40, 42], 3, False),  # too few runs to know what is usual
        ([4, 3, 4, 4], 0, False),  # a listing that never yields many
        ([0, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40], 3, True),  # the last 10 runs count
    ],
)
def test_a_listing_far_below_its_median_is_drift(before, now, warns):
    report = report_of(stats_of(links={("people", LISTING): now}), history(before))
    assert report["status"] == "ok"
    assert report["listings"] == {"people": {LISTING: now}}
    lines = [w for w in report["drift_warnings"] if w.startswith("people: listing:")]
    assert bool(lines) is warns, report["drift_warnings"]
    if warns:
        assert LISTING in lines[0] and f"yielded {now} article links" in lines[0]


def test_listing_counts_are_read_per_source_and_url():
    stats = stats_of(links={("people", LISTING): 7, ("sina", "https://news.sina.com.cn/"): 9})
    assert listings(stats) == {
        "people": {LISTING: 7},
        "sina": {"https://news.sina.com.cn/": 9},
    }


@pytest.mark.parametrize(
    ("counts", "rule"),
    [
        ({"articles": 6, "fallback_body": 5}, "selectors"),
        ({"articles": 4, "fallback_body": 2}, "selectors"),
        ({"articles": 6, "site_title": 6}, "site-title"),
        ({"articles": 6, "fallback_body": 1}, None),
        ({"articles": 2, "fallback_body": 2}, None),  # too few articles to tell
        ({"articles": 6}, None),
    ],
)
def test_selectors_and_site_titles_trip_on_a_good_day(counts, rule):
    report = report_of(stats_of({"people": counts}))
    assert report["status"] == "ok"
    rules = [w.split(": ")[1] for w in report["drift_warnings"]]
    assert rules == ([rule] if rule else [])
    if rule:
        assert report["drift_warnings"][0].startswith(f"people: {rule}: ")


def test_each_drift_warning_is_one_summary_line_naming_outlet_and_rule():
    report = report_of(
        stats_of({"people": {"articles": 6, "fallback_body": 6, "site_title": 6}}, {("people", LISTING): 1}),
        history([40, 40, 40]),
    )  # fmt: skip
    lines = [line for line in summary(report).splitlines() if "WARNING drift" in line]
    assert len(lines) == 3
    assert [line.split()[2:4] for line in lines] == [
        ["people:", "listing:"],
        ["people:", "selectors:"],
        ["people:", "site-title:"],
    ]


def test_earlier_reports_without_the_counts_are_no_baseline():
    before = [{}, {"listings": None}, {"listings": {"people": {LISTING: "x"}}}, *history([40] * 3)]
    report = report_of(stats_of(links={("people", LISTING): 1}), before)
    assert [w.split(": ")[1] for w in report["drift_warnings"]] == ["listing"]
    assert "median of the last 3 runs: 40" in report["drift_warnings"][0]


def test_thresholds_are_settings():
    report = {"listings": {"people": {LISTING: 30}}, "health": {}}
    before = history([40, 40, 40])
    assert drift_warnings(report, before) == []
    assert drift_warnings(report, before, listing_share=0.8)


@pytest.mark.parametrize(
    ("title", "site"),
    [
        ("人民网", True),
        ("人民网 - ", True),
        ("人民网_人民网", True),
        ("女儿出嫁，郑板桥画了几笔兰花当嫁妆", False),
        ("人民网评：某事", False),
        ("标题 - 人民网", False),
    ],
)
def test_title_equal_to_the_site_name(title, site):
    assert title_is_site_name(title, ("人民网",)) is site


def _article(**fields) -> Article:
    base = dict(
        source="people",
        id="c1002-1",
        url="https://world.people.com.cn/n1/2024/0301/c1002-1.html",
        title="标题",
        published=STARTED,
        body="正文。" * 100,
        publication="人民网",
        bylines=["记者甲"],
    )
    return Article(**(base | fields))


@pytest.mark.parametrize(
    ("fields", "marks"),
    [
        ({}, []),
        ({"body_fallback": True}, ["fallback_body"]),
        ({"title": "人民网"}, ["site_title"]),
    ],
)
def test_the_pipeline_counts_the_drift_marks(fields, marks):
    assert health_marks(_article(**fields), short_body_chars=200) == marks


PARAGRAPH = "<p>" + "这是一段足够长的正文，用来确认文章被识别为文章而不是菜单。" * 4 + "</p>"


@pytest.mark.parametrize(
    ("body_class", "fallback"),
    [("rm_txt_con", False), ("renamed_in_a_redesign", True)],
)
def test_extraction_says_when_the_generic_fallback_read_the_body(body_class, fallback):
    page = (
        "<html><head><meta charset='utf-8'><meta property='og:type' content='article'></head>"
        "<body><div class='rm_txt'><h1>标题一则</h1></div>"
        "<div class='col-1-1'>2024年03月01日08:18 来源：人民网</div>"
        f"<div class='{body_class}'>{PARAGRAPH * 4}</div></body></html>"
    ).encode()
    url = "http://world.people.com.cn/n1/2024/0301/c1002-40000000.html"
    assert extract_article(page, url).body_fallback is fallback


def test_the_spider_counts_the_links_of_each_listing():
    crawler = get_crawler(ZaobaoSpider)
    spider = ZaobaoSpider.from_crawler(crawler)
    url = "https://www.zaobao.com.sg/realtime/china"
    links = "".join(f"<a href='/realtime/china/story2024030{n}-12345{n}'>x</a>" for n in range(3))
    list(spider.parse(HtmlResponse(url, body=f"<html><body>{links}</body></html>".encode())))
    assert crawler.stats.get_value(listing_stat("zaobao", url)) == 3


def run(*args) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_stats_health_shows_the_trend_per_outlet(tmp_path: Path):
    Archive(tmp_path).close()
    previous: list[dict] = []
    for n, (links, fallback) in enumerate([(40, 0), (41, 0), (39, 0), (2, 5)]):
        health = {"people": {"articles": 5, "fallback_body": fallback}, "sina": {"articles": 4}}
        report = report_of(stats_of(health, {("people", LISTING): links}), previous, n)
        write_run_report(tmp_path, report)
        previous.insert(0, report)
    trend = json.loads(run("stats", "--archive", tmp_path, "--health", "--json"))
    assert set(trend) == {"people", "sina"}
    people = trend["people"]
    assert [row["links"] for row in people] == [2, 39, 41, 40]  # newest first
    assert [row["share"]["fallback_body"] for row in people] == [1.0, 0.0, 0.0, 0.0]
    assert [r.split(": ")[1] for r in people[0]["warnings"]] == ["listing", "selectors"]
    assert trend["sina"][0]["links"] is None and trend["sina"][0]["warnings"] == []

    out = run("stats", "--archive", tmp_path, "--health", "--runs", "2", "--source", "people")
    assert "sina" not in out
    assert out.count("WARNING people: listing:") == 1
    assert "fallback" in out and "site title" in out


def test_stats_health_without_runs_says_so(tmp_path: Path):
    Archive(tmp_path).close()
    result = CliRunner().invoke(main, ["stats", "--archive", str(tmp_path), "--health"])
    assert result.exit_code == 0
    assert "no run report" in result.output
