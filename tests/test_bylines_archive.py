"""The credited roles in the archive (issue 13): ``agency``, ``editors`` and ``original_title``
in the front matter, ``agency`` in the catalog, and ``--agency`` on search, export and stats to
find one agency's stories across outlets."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_store import make_article

from crawler.cli import main
from crawler.store.archive import Archive
from crawler.store.catalog import MIGRATIONS
from crawler.store.post import parse_post, render_post
from crawler.store.reader import Reader

UTC8 = timezone(timedelta(hours=8))
FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _article(source: str, n: int, agency: str | None, **changes):
    fields = dict(
        source=source,
        id=f"story2024030{n}-{n}",
        url=f"https://www.{source}.example/a/story2024030{n}-{n}",
        title=f"第{n}篇：台湾选举",
        body=f"第{n}篇的正文，关于台湾选举。",
        published=datetime(2024, 3, n, 10, 0, tzinfo=UTC8),
        agency=agency,
        bylines=[],
    )
    return make_article(**{**fields, **changes})


@pytest.fixture
def archive(tmp_path) -> Path:
    archive = Archive(tmp_path)
    archive.save(_article("people", 1, "新华社", editors=["汤诗瑶"]), FETCHED)
    archive.save(_article("thepaper", 2, "新华社", bylines=["张三"]), FETCHED)
    archive.save(_article("sina", 3, "环球网"), FETCHED)
    archive.save(_article("zaobao", 4, None, bylines=["某记者"]), FETCHED)
    archive.close()
    return tmp_path


def test_front_matter_keeps_agency_editors_and_original_title_apart_from_bylines():
    article = make_article(
        bylines=["张三"], agency="新华社", editors=["李四", "王五"], original_title="原来的标题"
    )
    meta, _ = parse_post(render_post(article, FETCHED))
    assert meta["bylines"] == ["张三"]
    assert meta["agency"] == "新华社"
    assert meta["editors"] == ["李四", "王五"]
    assert meta["original_title"] == "原来的标题"
    keys = list(meta)
    assert keys.index("bylines") < keys.index("agency") < keys.index("editors")


def test_a_post_without_them_has_none_of_the_keys():
    meta, _ = parse_post(render_post(make_article(), FETCHED))
    assert not {"agency", "editors", "original_title"} & set(meta)


def test_the_catalog_has_the_agency_and_a_reindexed_row_keeps_it(archive):
    db = sqlite3.connect(archive / "catalog.db")
    found = dict(db.execute("select source, agency from articles").fetchall())
    assert db.execute("pragma user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()
    assert found == {"people": "新华社", "thepaper": "新华社", "sina": "环球网", "zaobao": None}
    (archive / "catalog.db").unlink()
    run("reindex", "--archive", archive)  # the catalog rebuilt from the post files
    db = sqlite3.connect(archive / "catalog.db")
    assert dict(db.execute("select source, agency from articles").fetchall()) == found
    db.close()


def test_the_reader_filters_on_the_agency_across_outlets(archive):
    with Reader(archive) as reader:
        assert [r["source"] for r in reader.rows(agency="新华社")] == ["people", "thepaper"]
        assert reader.count(agency="环球网") == 1
        assert reader.count(agency="新华社", source="people") == 1
        assert [p.meta["source"] for p in reader.articles(query="选举", agency="新华社")] == [
            "people",
            "thepaper",
        ]
        hits = reader.search("选举", agency="新华社")
        assert sorted(h.source for h in hits) == ["people", "thepaper"]
        assert {h.agency for h in hits} == {"新华社"}


def run(*args: str) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_search_export_and_stats_take_agency(archive):
    hits = [json.loads(line) for line in run("search", "选举", "--archive", archive, "--agency", "新华社", "--json").splitlines()]  # fmt: skip
    assert sorted(h["source"] for h in hits) == ["people", "thepaper"]
    out = run("search", "选举", "--archive", archive, "--agency", "新华社")
    assert "people (新华社)" in out and "sina" not in out

    lines = run("export", "--archive", archive, "--agency", "新华社").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["source"] for r in records] == ["people", "thepaper"]
    assert records[0]["agency"] == "新华社" and records[0]["editors"] == ["汤诗瑶"]
    table = list(
        csv.DictReader(io.StringIO(run("export", "--archive", archive, "--format", "csv")))
    )
    assert {"agency", "editors", "original_title"} <= set(table[0])

    numbers = json.loads(run("stats", "--archive", archive, "--agency", "环球网", "--json"))
    assert numbers["articles"] == 1 and numbers["sources"][0]["source"] == "sina"
