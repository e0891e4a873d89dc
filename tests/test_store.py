"""The archive folder: post format, atomic writes, catalog consistency, Jekyll skeleton."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.extract.article import Article
from crawler.store import atomic
from crawler.store.archive import NEW, UNCHANGED, UPDATED, Archive
from crawler.store.catalog import MIGRATIONS, Catalog
from crawler.store.post import REQUIRED_KEYS, SEED_KEYS, parse_post, post_path, render_post
from crawler.store.site import SKELETON, skeleton_text

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds"
UTC8 = timezone(timedelta(hours=8))
FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

HOSTILE_TITLES = [
    '央行: "降息"不是唯一选择',
    "王毅：各方有必要同塔利班进行接触 - 联合早报",
    "# not a comment",
    "--- not a document marker ---",
    "line one\nline two",
    "it's 'quoted' and \"double\" \\ backslash",
    "{{ site.title }} {% include x %} liquid",
    ": starts with a colon",
    "- starts like a list",
    "null",
    "2021-08-30",
    "[not, a, list]",
    "tab\there & <b>html</b>",
]


def make_article(**changes) -> Article:
    fields = dict(
        source="zaobao",
        id="story20210830-1188123",
        url="https://www.zaobao.com/realtime/china/story20210830-1188123",
        title="王毅与布林肯通话：各方有必要同塔利班进行接触",
        published=datetime(2021, 8, 30, 9, 33, 13, tzinfo=UTC8),
        body="第一段。\n\n第二段：有冒号。",
        publication="联合早报",
        bylines=["某记者"],
        section="中国",
        keywords=["中美关系", "阿富汗"],
        lang="zh",
    )
    fields.update(changes)
    return Article(**fields)


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_any_title_round_trips_through_yaml(title):
    meta, body = parse_post(render_post(make_article(title=title), FETCHED))
    assert meta["title"] == title
    assert body == "第一段。\n\n第二段：有冒号。"


def test_front_matter_has_every_seed_key_with_its_meaning():
    seed_file = next(SEED.glob("003_*.txt"), None)
    if seed_file is None:
        pytest.skip(f"seed post not found under {SEED}")
    seed, _ = parse_post(seed_file.read_text(encoding="utf-8"))
    meta, _ = parse_post(render_post(make_article(), FETCHED))
    assert list(meta)[: len(SEED_KEYS)] == list(SEED_KEYS) == list(seed)
    assert meta["layout"] == seed["layout"] == "post"
    assert meta["author"] == seed["author"] == "联合早报"
    assert meta["from"] == seed["from"]
    assert meta["tags"][0] == seed["tags"][0] and meta["categories"] == seed["categories"]
    assert meta["tags"] == ["联合早报", "中美关系", "阿富汗"]
    # the same instant as the seed's UTC time, written in the outlet's timezone
    assert meta["date"] == datetime(2021, 8, 30, 9, 33, 13, tzinfo=UTC8)
    assert meta["date"].utcoffset() == timedelta(hours=8)
    assert set(REQUIRED_KEYS) <= set(meta)
    assert meta["source"] == "zaobao" and meta["id"] == "story20210830-1188123"
    assert meta["bylines"] == ["某记者"] and meta["fetched"] == FETCHED


def test_date_is_written_as_iso_8601_with_offset():
    text = render_post(make_article(), FETCHED)
    assert "\ndate: 2021-08-30T09:33:13+08:00\n" in text


def test_post_path_is_ascii_and_stable():
    path = post_path(make_article())
    assert str(path) == "_posts/zaobao/2021/2021-08-30-story20210830-1188123.md"
    assert str(path).isascii()


def test_archive_writes_new_then_unchanged_then_updated(tmp_path):
    archive = Archive(tmp_path)
    first = archive.save(make_article(), FETCHED)
    assert first.outcome == NEW and first.path.exists()
    mtime = first.path.stat().st_mtime_ns
    assert archive.save(make_article(), FETCHED).outcome == UNCHANGED
    assert first.path.stat().st_mtime_ns == mtime
    changed = archive.save(make_article(body="改写后的第一段。"), FETCHED + timedelta(hours=1))
    assert changed.outcome == UPDATED
    meta, body = parse_post(changed.path.read_text(encoding="utf-8"))
    assert body == "改写后的第一段。" and meta["updated"] == FETCHED + timedelta(hours=1)
    assert archive.catalog.count() == 1


def test_a_moved_article_leaves_one_file_and_one_row(tmp_path):
    archive = Archive(tmp_path)
    old = archive.save(make_article(), FETCHED).path
    corrected = make_article(published=datetime(2021, 8, 31, 8, 0, tzinfo=UTC8))
    new = archive.save(corrected, FETCHED).path
    assert new.exists() and not old.exists()
    rows = list(archive.catalog.db["articles"].rows)
    assert [r["path"] for r in rows] == [str(new.relative_to(tmp_path))]


def test_catalog_rows_point_at_existing_files(tmp_path):
    archive = Archive(tmp_path)
    for n in range(5):
        archive.save(
            make_article(
                id=f"story20210830-{n}",
                url=f"https://www.zaobao.com/a/story20210830-{n}",
                body=f"第{n}篇的正文。",
            )
        )
    rows = list(archive.catalog.db["articles"].rows)
    assert len(rows) == 5
    for row in rows:
        assert (tmp_path / row["path"]).is_file()
        assert row["url"].startswith("https://") and row["text_hash"].startswith("sha256:")


def test_catalog_url_is_unique_and_schema_is_migrated(tmp_path):
    catalog = Catalog(tmp_path / "catalog.db")
    assert catalog.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    row = dict(
        url="https://x/1",
        source="s",
        id="1",
        title="t",
        published="p",
        path="a",
        text_hash="h",
        fetched="f",
    )
    catalog.record(row)
    with pytest.raises(sqlite3.IntegrityError):
        catalog.db["articles"].insert({**row, "id": "2", "path": "b"})
    catalog.close()
    # opening again applies nothing twice
    assert Catalog(tmp_path / "catalog.db").count() == 1


def test_a_failed_write_leaves_the_old_file_whole_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "post.md"
    atomic.write_atomic(target, "old text")

    def broken_replace(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic.write_atomic(target, "new text")
    assert target.read_text() == "old text"
    assert list(tmp_path.iterdir()) == [target]


def test_temp_files_left_by_a_killed_run_are_removed_on_open(tmp_path):
    folder = tmp_path / "_posts" / "zaobao" / "2021"
    folder.mkdir(parents=True)
    (folder / (atomic.TEMP_PREFIX + "abc.md")).write_text("half a po")
    Archive(tmp_path)
    assert list(folder.iterdir()) == []


def test_archive_creates_the_jekyll_skeleton_but_keeps_user_edits(tmp_path):
    (tmp_path / "_config.yml").write_text("title: mine\n")
    Archive(tmp_path)
    assert (tmp_path / "_config.yml").read_text() == "title: mine\n"
    for name in SKELETON[1:]:
        assert (tmp_path / name).read_text(encoding="utf-8") == skeleton_text(name)
