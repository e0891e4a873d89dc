"""Full-text search in the catalog: FTS5 over CJK n-grams of OpenCC-normalised text, either
script, kept in step with the articles (same transaction, replaced on update), the migration
from the trigram index. Queries, ranking and snippets: test_search_queries.py."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils
from test_store import make_article

from crawler.store.archive import Archive
from crawler.store.catalog import MIGRATIONS, _bigram_search
from crawler.store.reader import Reader
from crawler.store.search import Query, normalise, snippet

FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
UTC8 = timezone(timedelta(hours=8))

TRADITIONAL = make_article(
    id="story20240302-1",
    url="https://www.zaobao.com/realtime/china/story20240302-1",
    title="臺灣選舉結果出爐",
    body="臺灣中央選舉委員會週六公布正式結果。\n\n選後學者表示投票率與上一屆相近。",
    published=datetime(2024, 3, 2, 21, 0, tzinfo=UTC8),
)
SIMPLIFIED = make_article(
    id="story20240303-2",
    url="https://www.zaobao.com/realtime/world/story20240303-2",
    title="美国国会通过预算案",
    body="美国国会周五通过新年度预算案。\n\n有议员表示，台湾问题也被多次提到。",
    published=datetime(2024, 3, 3, 9, 0, tzinfo=UTC8),
)
OTHER = make_article(
    id="story20240304-3",
    url="https://www.zaobao.com/realtime/world/story20240304-3",
    title="新加坡推出组屋节能计划",
    body="建屋发展局宣布为居民提供节能电器补贴。AI 家电也在其列。",
    published=datetime(2024, 3, 4, 9, 0, tzinfo=UTC8),
)


@pytest.fixture
def archive(tmp_path) -> Path:
    archive = Archive(tmp_path / "archive")
    for article in (TRADITIONAL, SIMPLIFIED, OTHER):
        archive.save(article, FETCHED)
    archive.close()
    return tmp_path / "archive"


def ids(archive: Path, query: str, **filters) -> list[str]:
    with Reader(archive) as reader:
        return [hit.id for hit in reader.search(query, **filters)]


def test_normalise_maps_traditional_to_simplified_and_keeps_the_length():
    assert normalise("臺灣選舉 後來") == "台湾选举 后来"
    assert normalise("台湾选举") == "台湾选举"
    text = TRADITIONAL.title + TRADITIONAL.body
    assert len(normalise(text)) == len(text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("台湾选举", ["story20240302-1"]),  # Simplified query, Traditional article
        ("臺灣選舉", ["story20240302-1"]),
        ("預算案", ["story20240303-2"]),  # Traditional query, Simplified article
        ("预算案", ["story20240303-2"]),
        ("國會 預算", ["story20240303-2"]),  # two 2-character words
        ("节能 补贴", ["story20240304-3"]),
        ("ai", ["story20240304-3"]),  # ASCII in any case
        ("不存在的词", []),
    ],
)
def test_a_query_in_either_script_finds_both(archive, query, expected):
    assert ids(archive, query) == expected


def test_two_character_words_are_found_and_ranked_by_occurrences(archive):
    # 台湾 is in the Traditional article's title and body (as 臺灣) and once in the Simplified body
    assert ids(archive, "台湾") == ["story20240302-1", "story20240303-2"]
    assert ids(archive, "臺灣") == ["story20240302-1", "story20240303-2"]
    # a short word narrows an indexed one
    assert ids(archive, "选举 台湾") == ["story20240302-1"]
    assert ids(archive, "国会 台湾") == ["story20240303-2"]


def test_search_honours_source_and_days(archive):
    assert ids(archive, "台湾", since="2024-03-03") == ["story20240303-2"]
    assert ids(archive, "台湾", until="2024-03-02") == ["story20240302-1"]
    assert ids(archive, "台湾", source="other") == []
    assert ids(archive, "台湾", limit=1) == ["story20240302-1"]


def test_hits_carry_title_date_url_and_a_snippet_in_the_original_script(archive):
    with Reader(archive) as reader:
        (hit,) = reader.search("委员会")
    assert hit.title == "臺灣選舉結果出爐" and hit.url == TRADITIONAL.url
    assert hit.published == "2024-03-02T21:00:00+08:00" and hit.source == "zaobao"
    assert "選舉委員會" in hit.snippet and "\n" not in hit.snippet


def test_snippet_is_cut_around_the_first_match():
    body = "甲" * 100 + "台湾选举" + "乙" * 100
    cut = snippet(body, ["台湾选举"])
    assert "台湾选举" in cut and cut.startswith("…") and cut.endswith("…")


def test_query_terms_become_index_tokens_and_text_to_confirm():
    query = Query.parse('臺灣 選舉結果 "a"')
    assert query.match() == '"台湾" AND "选举结" AND "举结果" AND "a"'
    assert query.confirms() == ["选举结果"]  # the trigrams alone could come from elsewhere
    assert Query.parse("中国人").match() == '"中国人"' and not Query.parse("中国人").confirms()
    assert query.terms == ["台湾", "选举结果", "a"]


def test_the_text_index_is_replaced_when_an_article_changes(tmp_path):
    archive = Archive(tmp_path)
    archive.save(SIMPLIFIED, FETCHED)
    archive.save(make_article(**{**SIMPLIFIED.__dict__, "body": "改写后的正文：参议院。"}), FETCHED)
    db = archive.catalog.db
    assert db["texts"].count == 1
    assert db.execute("select count(*) from texts_fts_docsize").fetchone()[0] == 1
    archive.close()
    assert ids(tmp_path, "参议院") == [SIMPLIFIED.id] and ids(tmp_path, "预算案") == [SIMPLIFIED.id]
    assert ids(tmp_path, "新年度") == []  # only in the old body


def test_the_text_is_written_in_the_same_transaction_as_the_row(tmp_path, monkeypatch):
    import crawler.store.archive as archive_module

    archive = Archive(tmp_path)

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(archive_module, "index_text", broken)
    with pytest.raises(sqlite3.OperationalError):
        archive.save(TRADITIONAL, FETCHED)
    monkeypatch.undo()
    assert archive.catalog.count() == 0, "the row was committed without its text"
    archive.close()
    reopened = Archive(tmp_path)  # the journal entry is finished by recovery, text included
    assert reopened.catalog.count() == 1 and reopened.catalog.count("texts") == 1
    reopened.close()
    assert ids(tmp_path, "選舉") == [TRADITIONAL.id]


def test_an_archive_from_before_search_gets_its_text_indexed_when_opened(tmp_path):
    archive = Archive(tmp_path)
    archive.save(TRADITIONAL, FETCHED)
    with archive.catalog.db.conn:  # as a catalog of the previous schema would be
        archive.catalog.db.execute("delete from texts")
    archive.close()
    with Reader(tmp_path) as reader:
        assert reader.search("选举") == []
    Archive(tmp_path).close()
    assert ids(tmp_path, "选举") == [TRADITIONAL.id]


def _catalog_before_bigrams(path: Path) -> sqlite_utils.Database:
    """A catalog at the schema before the bigram index (trigram index kept by triggers)."""
    db = sqlite_utils.Database(path)
    steps = MIGRATIONS[: MIGRATIONS.index(_bigram_search)]
    for step in steps:
        step(db)
    db.execute(f"PRAGMA user_version = {len(steps)}")
    return db


def test_a_catalog_with_the_trigram_index_is_converted_and_searched(tmp_path):
    archive = Archive(tmp_path / "new")
    for article in (TRADITIONAL, SIMPLIFIED, OTHER):
        archive.save(article, FETCHED)
    rows = list(archive.catalog.db["articles"].rows)
    texts = list(archive.catalog.db.execute("select source, id, url, title, body from texts"))
    archive.close()
    root = tmp_path / "old"
    shutil.copytree(tmp_path / "new" / "_posts", root / "_posts")
    db = _catalog_before_bigrams(root / "catalog.db")
    with db.conn:  # as the previous version wrote them (its triggers fill the trigram index)
        db["articles"].insert_all(rows)
        db.conn.executemany("insert into texts values (?, ?, ?, ?, ?)", texts)
    assert "trigram" in db["texts_fts"].schema
    db.close()
    with pytest.raises(LookupError, match="older"), Reader(root) as reader:
        reader.search("台湾")  # read-only: not converted, and no wrong answers
    Archive(root).close()  # opened for writing: migrated
    db = sqlite_utils.Database(root / "catalog.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert "trigram" not in db["texts_fts"].schema and not db.triggers
    db.close()
    assert ids(root, "台湾") == ["story20240302-1", "story20240303-2"]
    assert ids(root, "選") == ["story20240302-1"] and ids(root, "國會 預算") == [SIMPLIFIED.id]


def test_sqlite_utils_search_uses_the_index_with_trigrams(archive):
    exe = shutil.which("sqlite-utils", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the sqlite-utils command is not installed next to this Python")
    result = subprocess.run(
        [exe, "search", str(archive / "catalog.db"), "texts", "选举结 举结果", "-c", "url"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert TRADITIONAL.url in result.stdout and SIMPLIFIED.url not in result.stdout
