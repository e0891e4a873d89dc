"""End to end: `scrapy crawl zaobao` over a replayed WARC -> post files + catalog.

The WARC is written by warcio itself (tests/replay_site.py), so replay is shown to work on any
standard WARC, not only on what our recorder writes.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import replay_site

from crawler.store.post import REQUIRED_KEYS, parse_post

REPO = Path(__file__).resolve().parents[1]


def crawl(tmp_path: Path, warc: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    """Run the real command line in the repo (scrapy.cfg, settings.py), return (result, stats)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    cmd = [
        sys.executable, "-m", "scrapy", "crawl", "zaobao",
        "-a", "start_urls=" + ",".join(replay_site.START_URLS),
        "-s", f"REPLAY_WARC={warc}",
        "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}",
        "-s", "TELNETCONSOLE_ENABLED=False",
        "-s", "REMOTE_CONTROL_ENABLED=False",
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "LOG_LEVEL=DEBUG",
        *extra,
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    m = re.search(r"Dumping Scrapy stats:\n(\{.*?\})\n", result.stderr, re.S)
    stats = (
        ast.literal_eval(re.sub(r"datetime\.datetime\([^)]*\)", "None", m.group(1))) if m else {}
    )
    return result, stats


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("e2e")
    warc = replay_site.write_warc(tmp_path / "site.warc.gz")
    result, stats = crawl(tmp_path, warc, "-o", str(tmp_path / "items.jsonl"))
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp_path, warc, result, stats


def test_every_article_is_written_once_with_its_catalog_row(first_run):
    tmp_path, _, result, stats = first_run
    articles = replay_site.fixture_articles()
    posts = sorted((tmp_path / "archive" / "_posts").rglob("*.md"))
    assert len(posts) == len(articles) == stats["newsarchive/new"], result.stderr[-3000:]
    from crawler.store.catalog import Catalog

    rows = list(Catalog(tmp_path / "archive" / "catalog.db").db["articles"].rows)
    assert sorted(tmp_path / "archive" / r["path"] for r in rows) == posts
    by_url = {r["url"]: r for r in rows}
    for url, _, expected in articles:
        canonical = (
            "https://www.zaobao.com" + url.split("zaobao.com.sg", 1)[-1].split("zaobao.com", 1)[-1]
        )
        row = by_url[canonical]
        meta, body = parse_post((tmp_path / "archive" / row["path"]).read_text(encoding="utf-8"))
        assert set(REQUIRED_KEYS) <= set(meta)
        assert meta["title"] == expected["title"] == row["title"]
        assert meta["from"] == canonical
        assert meta["date"].isoformat() == expected["published"] == row["published"]
        for snippet in expected.get("must_not_contain", []):
            assert snippet not in body


def test_duplicates_across_editions_and_tracking_links_are_fetched_once(first_run):
    _, _, result, stats = first_run
    fetched_articles = re.findall(
        r"Crawled \(200\) <GET (https://[^ ]+/story[^ >]+)>", result.stderr
    )
    ids = [u.rsplit("/", 1)[1] for u in fetched_articles]
    assert len(set(ids)) == len(replay_site.fixture_articles()) + 2  # + error page and PDF
    assert len(ids) == len(set(ids)), "an article was fetched twice"
    assert all("?" not in u and "#" not in u for u in fetched_articles)
    assert stats.get("dupefilter/filtered", 0) > 0


def test_pages_without_an_article_are_skipped_with_a_reason(first_run):
    _, _, result, stats = first_run
    log = result.stderr
    assert stats["newsarchive/skipped/no-article"] == 1  # the error page served with 200
    assert stats["newsarchive/skipped/not-html"] == 1  # the PDF
    assert f"skipped {replay_site.ERROR_PAGE_URL}: no-article" in log
    assert f"skipped {replay_site.PDF_URL}: not-html" in log
    assert "not in replay" in log and replay_site.MISSING_URL in log
    assert stats["newsarchive/failed/http-500"] == 1
    assert stats["newsarchive/failed/http-404"] == 1  # the URL not in the replay
    assert f"failed {replay_site.SERVER_ERROR_URL}: http-500" in log
    assert stats["robotstxt/forbidden"] == 1  # the article under /private/
    assert f"Forbidden by robots.txt: <GET {replay_site.ROBOTS_BLOCKED_URL}>" in log
    assert f"Crawled (200) <GET {replay_site.ROBOTS_BLOCKED_URL}>" not in log


def test_listing_pages_and_feeds_are_told_apart_from_the_response(first_run):
    _, _, _, stats = first_run
    assert stats["newsarchive/discovery/listing_pages"] == 2
    assert stats["newsarchive/discovery/feed_pages"] == 1


def test_feed_exports_get_the_clean_articles(first_run):
    tmp_path, _, _, _ = first_run
    items = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text().splitlines()]
    assert len(items) == len(replay_site.fixture_articles())
    assert all(
        i["title"] and i["body"] and i["url"].startswith("https://www.zaobao.com/") for i in items
    )


def test_a_second_run_fetches_no_archived_article_and_writes_nothing(first_run):
    tmp_path, warc, _, _ = first_run
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "archive" / "_posts").rglob("*.md")}
    result, stats = crawl(tmp_path, warc)
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats.get("newsarchive/new", 0) == 0
    assert stats["newsarchive/already_archived"] == len(before)
    crawled = re.findall(r"Crawled \(\d+\) <GET (https://[^ >]+)>", result.stderr)
    archived = {
        row_url.rsplit("/", 1)[1] for row_url in (u for u, _, _ in replay_site.fixture_articles())
    }
    assert not [u for u in crawled if u.rsplit("/", 1)[1] in archived]
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "archive" / "_posts").rglob("*.md")}
    assert after == before
