"""crawler.store.reader: iterate articles with filters, load one post, no Scrapy."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_store import make_article

from crawler.store.archive import Archive
from crawler.store.reader import Reader, day_bounds

REPO = Path(__file__).resolve().parents[1]
UTC8 = timezone(timedelta(hours=8))
FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def article(n: int, day: int, source: str = "zaobao", **changes):
    fields = dict(
        source=source,
        id=f"story202403{day:02d}-{n}",
        url=f"https://www.{source}.com/realtime/china/story202403{day:02d}-{n}",
        title=f"第{n}篇：选举新闻",
        body=f"第{n}篇的正文，关于选举。",
        published=datetime(2024, 3, day, 23, 30, tzinfo=UTC8),
    )
    return make_article(**{**fields, **changes})


@pytest.fixture
def archive(tmp_path) -> Path:
    archive = Archive(tmp_path)
    for n, day in enumerate((1, 2, 3), start=1):
        archive.save(article(n, day), FETCHED)
    archive.save(article(9, 2, source="other", bylines=[]), FETCHED)
    archive.save(  # the text of article 1 under another URL: an alias
        make_article(**{**article(1, 1).__dict__, "id": "story20240301-99", "url": "https://www.zaobao.com/x/story20240301-99"}),
        FETCHED,
    )  # fmt: skip
    archive.close()
    return tmp_path


def test_importing_the_reader_does_not_import_scrapy():
    code = "import sys, crawler.store.reader; print('scrapy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_articles_are_iterated_oldest_first_with_filters(archive):
    with Reader(archive) as reader:
        assert [p.meta["id"] for p in reader.articles(source="zaobao")] == [
            "story20240301-1",
            "story20240302-2",
            "story20240303-3",
        ]
        # days are whole and inclusive, in the outlet's timezone (23:30+08:00 is that day)
        assert [p.meta["id"] for p in reader.articles(since="2024-03-02", until=date(2024, 3, 2))] == [
            "story20240302-9",  # same time: by source, then id
            "story20240302-2",
        ]  # fmt: skip
        assert [p.meta["id"] for p in reader.articles(query="第3篇")] == ["story20240303-3"]
        assert reader.count() == 4 and reader.count(source="other") == 1
        assert reader.count(query="选举", until="2024-03-01") == 1


def test_rows_have_bylines_as_lists(archive):
    with Reader(archive) as reader:
        rows = {r["id"]: r for r in reader.rows()}
    assert rows["story20240301-1"]["bylines"] == ["某记者"]
    assert rows["story20240302-9"]["bylines"] == []


def test_a_post_is_loaded_by_id_url_alias_or_path(archive):
    with Reader(archive) as reader:
        by_id = reader.load("story20240302-2")
        assert by_id.meta["title"] == "第2篇：选举新闻" and by_id.body == "第2篇的正文，关于选举。"
        assert reader.load(by_id.meta["from"]) == by_id
        assert reader.load(by_id.path) == by_id
        assert reader.load(str(archive / by_id.path)) == by_id
        assert reader.load("https://www.zaobao.com/x/story20240301-99").meta["id"] == (
            "story20240301-1"
        )
        assert reader.load("story20240302-9", source="other").meta["source"] == "other"
        with pytest.raises(KeyError, match="no article with id"):
            reader.load("story19990101-1")
        with pytest.raises(KeyError, match="no article with URL"):
            reader.load("https://www.zaobao.com/nothing/story19990101-1")


def test_an_id_in_two_sources_needs_the_source(tmp_path):
    archive = Archive(tmp_path)
    archive.save(article(1, 1), FETCHED)
    archive.save(article(1, 1, source="other", body="另一家媒体的正文。"), FETCHED)
    archive.close()
    with Reader(tmp_path) as reader:
        with pytest.raises(KeyError, match="several sources"):
            reader.load("story20240301-1")
        assert reader.load("story20240301-1", source="other").body == "另一家媒体的正文。"


def test_a_record_has_every_front_matter_key_then_body_and_path(archive):
    with Reader(archive) as reader:
        post = reader.load("story20240301-1")
    record = post.record()
    assert list(record)[: len(post.meta)] == list(post.meta)
    assert record["date"] == "2024-03-01T23:30:00+08:00" and record["fetched"].startswith("2026")
    assert record["body"] == post.body and record["path"] == post.path
    json.dumps(record, ensure_ascii=False)  # JSON-ready


def test_a_row_whose_file_is_missing_is_skipped_when_iterating(archive):
    with Reader(archive) as reader:
        first = reader.load("story20240301-1")
        (archive / first.path).unlink()
        assert "story20240301-1" not in [p.meta["id"] for p in reader.articles()]
        with pytest.raises(KeyError, match="missing"):
            reader.load("story20240301-1")


def test_a_folder_without_a_catalog_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no catalog"):
        Reader(tmp_path)


def test_day_bounds():
    assert day_bounds("2024-03-01", "2024-03-02") == ("2024-03-01", "2024-03-03")
    assert day_bounds(None, "2024-03-02T10:00:00") == (None, "2024-03-02T10:00:01")
    assert day_bounds(date(2024, 3, 1), None) == ("2024-03-01", None)
