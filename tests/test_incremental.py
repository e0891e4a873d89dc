"""Several runs over replayed sites: revisits with conditional GET, updates with revisions,
304s, aliases, and backfills with since/until."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import replay_site
from conftest import own_settings
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler
from test_crawl_e2e import crawl
from test_store import make_article

from crawler.downloader.incremental import IncrementalMiddleware
from crawler.sources import get_source
from crawler.store.archive import Archive
from crawler.store.catalog import Catalog
from crawler.store.post import parse_post

ZAOBAO = get_source("zaobao")
HTML = {"Content-Type": "text/html; charset=utf-8"}
EMPTY_LISTING = (200, HTML, "<html><body><h1>即时</h1><p>暂无新闻</p></body></html>".encode())


def story_page(title: str, published: str, paragraphs: list[str]) -> bytes:
    """A small page shaped like zaobao's 2021 markup, with our own text."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    ld = json.dumps({"@type": "NewsArticle", "headline": title, "datePublished": published})
    return (
        f"<html><head><meta charset='utf-8'><script type='application/ld+json'>{ld}</script>"
        f"</head><body><h1 class='article-title'>{title}</h1>"
        f"<article id='article-body' class='article-body'>{body}</article></body></html>"
    ).encode()


def chosen_article() -> tuple[str, bytes, dict]:
    return replay_site.fixture_articles()[0]


def window_after_last_check(tmp_path: Path, canonical: str, expected: dict) -> str:
    """A REVISIT_AFTER window that falls due just after the article's last check (whenever the
    first run, however slow, made it), then waits until it is due: no guess at how long a run
    takes."""
    row = Catalog(tmp_path / "archive" / "catalog.db").find("zaobao", ZAOBAO.article_id(canonical))
    checked = datetime.fromisoformat(row["checked"] or row["fetched"])
    published = datetime.fromisoformat(expected["published"])
    seconds = int((checked - published).total_seconds()) + 1  # due in (checked, checked + 1 s]
    while datetime.now(UTC) < published + timedelta(seconds=seconds):
        time.sleep(0.1)
    return f"{seconds}s"


def first_run(tmp_path: Path, window: str, etag: str) -> tuple[str, dict]:
    url, _, expected = chosen_article()
    pages = replay_site.site()
    for u in (url, replay_site.other_edition(url)):
        status, headers, body = pages[u]
        pages[u] = (
            status,
            {**headers, "ETag": etag, "Last-Modified": "Mon, 10 Jun 2024 01:00:00 GMT"},
            body,
        )
    result, stats = crawl(
        tmp_path,
        replay_site.write_warc(tmp_path / "a.warc.gz", pages),
        "-s",
        f"REVISIT_AFTER={window}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats["newsarchive/new"] == len(replay_site.fixture_articles())
    return ZAOBAO.canonical_url(url), expected


def later_run(tmp_path: Path, name: str, pages: dict, *settings: str, listing=EMPTY_LISTING):
    """A run whose only start point is `listing` (default: empty, so revisits come from the
    catalog)."""
    pages = {**pages, replay_site.LISTING_SG: listing}
    warc = replay_site.write_warc(tmp_path / f"{name}.warc.gz", pages)
    return crawl(tmp_path, warc, "-a", f"start_urls={replay_site.LISTING_SG}", *settings)


def test_a_changed_article_is_rewritten_with_updated_and_its_old_text_kept(tmp_path):
    canonical, expected = first_run(tmp_path, "100000d", etag='"v1"')
    window = window_after_last_check(tmp_path, canonical, expected)
    row = Catalog(tmp_path / "archive" / "catalog.db").find("zaobao", ZAOBAO.article_id(canonical))
    old_post = (tmp_path / "archive" / row["path"]).read_text(encoding="utf-8")
    _, page, _ = chosen_article()
    snippet = expected["must_contain"][0]
    changed = page.replace(snippet.encode(), "【更正】这一句已经改写。".encode())
    assert changed != page
    result, stats = later_run(
        tmp_path, "b", {canonical: (200, {**HTML, "ETag": '"v2"'}, changed)}, "-s", f"REVISIT_AFTER={window}",
        "-s", f"WARC_DIR={tmp_path / 'recorded'}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats["newsarchive/revisits"] == 1 and stats["newsarchive/updated"] == 1
    catalog = Catalog(tmp_path / "archive" / "catalog.db")
    row = catalog.find("zaobao", ZAOBAO.article_id(canonical))
    meta, body = parse_post((tmp_path / "archive" / row["path"]).read_text(encoding="utf-8"))
    assert "【更正】这一句已经改写。" in body and snippet not in body
    assert meta["updated"] and row["updated"] and row["etag"] == '"v2"'
    revisions = list(catalog.db["revisions"].rows)
    assert len(revisions) == 1 and revisions[0]["post"] == old_post and revisions[0]["replaced"]


def test_a_304_keeps_the_post_as_it_is(tmp_path):
    canonical, expected = first_run(tmp_path, "100000d", etag='"v1"')
    window = window_after_last_check(tmp_path, canonical, expected)
    posts = {p: p.stat().st_mtime_ns for p in (tmp_path / "archive" / "_posts").rglob("*.md")}
    result, stats = later_run(
        tmp_path, "c", {canonical: (304, {}, b"")}, "-s", f"REVISIT_AFTER={window}"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats["newsarchive/not_modified"] == 1 and stats["newsarchive/unchanged"] == 1
    assert stats.get("newsarchive/updated", 0) == 0
    assert {p: p.stat().st_mtime_ns for p in posts} == posts
    assert Catalog(tmp_path / "archive" / "catalog.db").count("revisions") == 0


def test_articles_not_due_are_not_fetched_again(tmp_path):
    canonical, _ = first_run(tmp_path, "100000d", etag='"v1"')
    site = replay_site.site()
    result, stats = later_run(
        tmp_path, "d", {**site, canonical: (500, HTML, b"must not be fetched")},
        "-s", "REVISIT_AFTER=100000d", listing=site[replay_site.LISTING_SG],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats.get("newsarchive/revisits", 0) == 0 and canonical not in result.stderr
    assert stats["newsarchive/already_archived"] >= 1


def test_the_same_text_under_another_url_is_an_alias_not_a_second_post(tmp_path):
    text = ["第一段足够长的正文，用来确认文章被识别并且可以比较。", "第二段。"]
    one = "https://www.zaobao.com.sg/realtime/china/story20240610-1000001"
    two = "https://www.zaobao.com.sg/realtime/world/story20240610-1000002"
    page = story_page("同一篇文章", "2024-06-10T08:00:00+08:00", text)
    listing = (200, HTML, f'<a href="{one}">1</a><a href="{two}">2</a>'.encode())
    pages = {replay_site.LISTING_SG: listing, one: (200, HTML, page), two: (200, HTML, page)}
    warc = replay_site.write_warc(tmp_path / "alias.warc.gz", pages)
    result, stats = crawl(
        tmp_path, warc, "-a", f"start_urls={replay_site.LISTING_SG}", "-s", "CONCURRENT_REQUESTS=1"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats["newsarchive/new"] == 1 and stats["newsarchive/alias"] == 1
    catalog = Catalog(tmp_path / "archive" / "catalog.db")
    assert catalog.count() == 1 and catalog.count("aliases") == 1
    assert len(list((tmp_path / "archive" / "_posts").rglob("*.md"))) == 1


def test_backfill_walks_listing_pages_back_to_since_and_keeps_to_until(tmp_path):
    base = replay_site.LISTING_SG
    days = {
        1: ["20240610", "20240609"],
        2: ["20240605", "20240603"],
        3: ["20240531", "20240528"],
        4: ["20240520"],
    }
    pages = {}
    for n, dates in days.items():
        url = base if n == 1 else f"{base}?page={n}"
        links = "".join(
            f'<a href="/realtime/china/story{d}-{n}{i}">x</a>' for i, d in enumerate(dates)
        )
        pages[url] = (
            200,
            HTML,
            f"<html><body>{links}<a href='{base}?page={n + 1}'>下一页</a></body></html>".encode(),
        )
        for i, d in enumerate(dates):
            story = f"https://www.zaobao.com.sg/realtime/china/story{d}-{n}{i}"
            published = f"{d[:4]}-{d[4:6]}-{d[6:]}T09:00:00+08:00"
            pages[story] = (
                200,
                HTML,
                story_page(
                    f"第{n}页第{i}篇", published, [f"第{n}页第{i}篇的正文，内容各不相同。" * 2]
                ),
            )
    warc = replay_site.write_warc(tmp_path / "backfill.warc.gz", pages)
    result, stats = crawl(
        tmp_path,
        warc,
        "-a",
        f"start_urls={base}",
        "-a",
        "since=2024-06-01",
        "-a",
        "until=2024-06-09",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    crawled = re.findall(r"Crawled \(200\) <GET ([^ >]+)>", result.stderr)
    assert f"{base}?page=3" in crawled and f"{base}?page=4" not in crawled
    stories = sorted(u.rsplit("/story", 1)[1] for u in crawled if "/story" in u)
    assert stories == ["20240603-21", "20240605-20", "20240609-11"]
    assert stats["newsarchive/new"] == 3


def test_a_revisit_is_a_conditional_get_and_an_archived_article_is_not_requested(tmp_path):
    archive = Archive(tmp_path)
    published = datetime.now(UTC) - timedelta(hours=2)
    archive.save(
        make_article(published=published),
        fetched=published,
        etag='"v1"',
        last_modified="Mon, 10 Jun 2024 01:00:00 GMT",
    )
    archive.close()
    url = make_article().url
    crawler = get_crawler(
        settings_dict=own_settings(ARCHIVE_DIR=str(tmp_path), REVISIT_AFTER="1h,6h")
    )
    mw = IncrementalMiddleware.from_crawler(crawler)
    request = Request(url, meta={"article_key": "zaobao:story20210830-1188123"})
    assert mw.process_request(request) is None
    assert request.meta["revisit"] is True and request.meta["handle_httpstatus_list"] == [304]
    assert request.headers["If-None-Match"] == b'"v1"'
    assert request.headers["If-Modified-Since"] == b"Mon, 10 Jun 2024 01:00:00 GMT"
    # checked now: the 1 h window is behind it, the 6 h one not yet come
    crawler = get_crawler(settings_dict=own_settings(ARCHIVE_DIR=str(tmp_path), REVISIT_AFTER="6h"))
    mw = IncrementalMiddleware.from_crawler(crawler)
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request(url, meta={"article_key": "zaobao:story20210830-1188123"}))
    assert crawler.stats.get_value("newsarchive/already_archived") == 1
    new = Request(
        "https://www.zaobao.com/x/story20240101-1", meta={"article_key": "zaobao:story20240101-1"}
    )
    assert mw.process_request(new) is None and new.meta["revisit"] is False


def test_a_run_that_finds_no_article_link_anywhere_fails(tmp_path):
    warc = replay_site.write_warc(
        tmp_path / "empty.warc.gz", {replay_site.LISTING_SG: EMPTY_LISTING}
    )
    result, _ = crawl(tmp_path, warc, "-a", f"start_urls={replay_site.LISTING_SG}")
    assert result.returncode == 1
    assert "no article link on any of the 1 listing pages and feeds read" in result.stderr
