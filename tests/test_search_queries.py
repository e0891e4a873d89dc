"""Search queries over the bigram index: index tokens, 1- to 4-character words, Latin and mixed
words, quoted phrases, hostile FTS5 syntax, ranking (title hits first, BM25, the rank window),
snippets that show the hit (in bold on a terminal), and plans that never scan the text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from test_store import make_article

from crawler.cli import main
from crawler.store.archive import Archive
from crawler.store.catalog import Catalog
from crawler.store.reader import Reader, filters
from crawler.store.reindex import reindex
from crawler.store.search import Query, hit_spans, index_tokens, query_sql, ranked, snippet

FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
UTC8 = timezone(timedelta(hours=8))


def article(n: int, title: str, body: str, day: int = 1):
    return make_article(
        id=f"story202403{day:02d}-{n}",
        url=f"https://www.zaobao.com/realtime/world/story202403{day:02d}-{n}",
        title=title,
        body=body,
        published=datetime(2024, 3, day, 9, n % 60, tzinfo=UTC8),
    )


ARTICLES = [
    article(1, "美国国会通过预算案", "美国国会周五通过新年度预算案。\n\n议员表示问题在其中。"),
    article(2, "新加坡推出节能计划", "建屋发展局宣布为居民提供AI 家电补贴，也有iPhone手机。"),
    article(3, "中国与美国人文交流", "中国。美国人前往访问，双方谈到 United States 的政策。"),
    article(4, "臺灣選舉結果出爐", "臺灣中央選舉委員會週六公布正式結果。"),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    store = Archive(root)
    for item in ARTICLES:
        store.save(item, FETCHED)
    store.close()
    return root


def ids(root: Path, query: str, **kwargs) -> list[str]:
    with Reader(root) as reader:
        return [hit.id.rsplit("-", 1)[1] for hit in reader.search(query, **kwargs)]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("台湾选举。", " 台湾 湾选 选举 台湾选 湾选举 举 。"),
        ("在其中，AI家电", " 在其 其中 在其中 中 ，AI 家电 电 "),
        ("中", " 中 "),
        ("Hello world 2024", "Hello world 2024"),
        ("にほん한국", " にほ ほん ん한 한국 にほん ほん한 ん한국 국 "),
        ("", ""),
    ],
)
def test_cjk_runs_are_indexed_as_bigrams_trigrams_and_their_last_character(text, tokens):
    assert index_tokens(text) == tokens


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("中", ["1", "3", "4"]),  # one character: a bigram it starts, or a run it ends (1)
        ("其中", ["1"]),
        ("美", ["3", "1"]),  # title hits: 3 has 美 in title and body, 1 in title and body
        ("国会", ["1"]),
        ("预算案", ["1"]),
        ("選舉委員會", ["4"]),  # 5 characters, Traditional query
        ("中国人", []),  # 中国 and 国人 occur, but not together
        ("美国人", ["3"]),
        ("通过新年度", ["1"]),  # 5 characters: its trigrams, then the whole word confirmed
        ("通过年度", []),  # 通过 and 过年度... not together
        ("ai", ["2"]),
        ("AI家电", ["2"]),  # Latin and CJK in one word: each part must occur
        ("iphone", ["2"]),
        ("iphone手机", ["2"]),
        ('"united states"', ["3"]),  # a quoted phrase: in this order
        ('"states united"', []),
        ('"AI 家电"', ["2"]),
        ('"家电 AI"', []),
        ('"台湾 选举"', ["4"]),  # spaces between CJK characters do not count
        ("国会 台湾", []),
    ],
)
def test_words_of_any_length_and_mixed_scripts_are_found(archive, query, expected):
    assert sorted(ids(archive, query)) == sorted(expected)


HOSTILE = [
    '"',
    '""',
    '"台湾',
    '台湾"选举',
    "*",
    "中*",
    "*中",
    "^中国",
    "title:台湾",
    "{title body}:美国",
    "NEAR(美国 国会)",
    "NEAR(美国 国会, 2)",
    "美国 AND 国会",
    "美国 OR 台湾",
    "NOT 美国",
    "美国 NOT 国会",
    "(美国",
    "美国)",
    "美国 + 国会",
    "-美国",
    "美国:",
    "a'b",
    "\\",
    "%_",
    ",",
    "；。",
    "美国\x00国会",
    "\u200b",
    "𠀀𠀁",
    "x" * 500,
    "中" * 300,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_fts5_syntax_in_a_query_is_taken_as_text_and_never_raises(archive, query):
    with Reader(archive) as reader:
        hits = reader.search(query)
        rows = list(reader.rows(query=query))
    assert isinstance(hits, list) and len(rows) >= len(hits)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("美国 AND 国会", []), ("NEAR(美国 国会)", []), ("美国 OR 台湾", []), ("美国 国会", ["1"])],
)
def test_operators_are_ordinary_words(archive, query, expected):
    assert ids(archive, query) == expected  # "and", "near", "or" are words no article has


def test_title_hits_come_first_then_bm25(tmp_path):
    store = Archive(tmp_path)
    store.save(article(1, "一般新闻", "选举" * 10 + "。其他内容。" * 5, day=1), FETCHED)
    store.save(article(2, "选举消息", "没有别的。" * 20, day=2), FETCHED)
    store.save(article(3, "一般新闻", "选举。" + "其他内容很多。" * 30, day=3), FETCHED)
    store.save(article(4, "一般新闻", "选举和选举。", day=4), FETCHED)
    store.close()
    # 2: title hit; then by BM25: 1 (ten times), 4 (twice in a short text), 3 (once, long text)
    assert ids(tmp_path, "选举") == ["2", "1", "4", "3"]
    with Reader(tmp_path) as reader:
        scores = [hit.score for hit in reader.search("选举")]
    assert scores[1] < scores[2] < scores[3] < 0  # lower is better, as bm25()


def test_rare_terms_weigh_more_than_common_ones(tmp_path):
    store = Archive(tmp_path)
    for n in range(1, 9):
        store.save(
            article(n, f"新闻{n}", "经济" * (3 if n == 1 else 1) + f"。第{n}篇", day=n), FETCHED
        )
    store.save(article(9, "新闻9", "经济。罕见词罕见词罕见词。", day=9), FETCHED)
    store.close()
    assert ids(tmp_path, "经济 罕见词") == ["9"]
    with Reader(tmp_path) as reader:
        (hit,) = reader.search("经济 罕见词")
        (common,) = reader.search("经济", limit=1)
    assert common.id.endswith("-1")
    assert hit.score < common.score


def test_the_rank_window_holds_the_latest_indexed_matches_in_publication_order(tmp_path):
    store = Archive(tmp_path)
    for day in (5, 1, 9, 3):  # saved out of order
        store.save(article(day, f"新闻{day}", f"经济新闻第{day}篇。", day=day), FETCHED)
    store.close()
    reindex(tmp_path)  # rebuilds the index oldest publication first
    with Reader(tmp_path) as reader:
        query = Query.parse("经济")
        window = ranked(reader.db, query, [], [], limit=10, window=2)
        everything = ranked(reader.db, query, [], [], limit=10)
    assert [row["id"] for row in window] == ["story20240309-9", "story20240305-5"]
    assert len(everything) == 4


def test_filters_apply_before_the_window(archive):
    assert sorted(ids(archive, "美国", until="2024-03-01")) == ["1", "3"]
    assert ids(archive, "美国", source="nowhere") == []


@pytest.mark.parametrize(
    "query", ["中", "美国", "预算案", "選舉委員會", "ai", "AI家电", '"ai 家电"']
)
def test_no_query_scans_the_text(archive, query):
    with Reader(archive) as reader:
        where, params = filters(since="2024-01-01")
        for window in (None, 20):
            sql, values = query_sql(Query.parse(query), where, params, window)
            plan = [row[3] for row in reader.db.execute("explain query plan " + sql, values)]
            assert plan[0].startswith("SCAN texts_fts VIRTUAL TABLE INDEX")
            assert all(step.startswith(("SEARCH", "USE TEMP")) for step in plan[1:]), plan
            if window:  # read in the index's order: it stops at the window
                assert not any("TEMP B-TREE" in step for step in plan), plan


@pytest.mark.parametrize("query", ["中", "选举委员会", "ai", '"united states"', "iphone手机"])
def test_snippets_show_the_hit_in_the_original_script(archive, query):
    with Reader(archive) as reader:
        (hit,) = [h for h in reader.search(query) if h.id.endswith(("-2", "-3", "-4"))][:1]
        terms = Query.parse(query).terms
    assert any(t in hit.snippet.lower() for t in terms) or "選舉委員會" in hit.snippet


def test_a_hit_far_into_the_body_is_in_the_snippet():
    body = "甲" * 300 + "长长的一个词组" * 8 + "乙" * 300
    long_term = "长长的一个词组" * 8
    cut = snippet(body, [long_term])
    assert long_term in cut and cut.startswith("…") and cut.endswith("…")
    assert "台湾" in snippet("乙" * 59 + "台湾", ["台湾"])


def test_hit_spans_find_every_hit_in_either_script():
    assert hit_spans("臺灣選舉，選舉結果", ["选举"]) == [(2, 4), (5, 7)]
    assert hit_spans("AI 家電與ai", ["ai", "家电"]) == [(0, 2), (3, 5), (6, 8)]
    assert hit_spans("台湾选举", ["台湾", "湾选"]) == [(0, 3)]  # overlaps merged


def test_the_command_shows_the_hits_in_bold_on_a_terminal(archive):
    result = CliRunner().invoke(main, ["search", "選舉", "--archive", str(archive)], color=True)
    assert result.exit_code == 0
    assert click.style("選舉", bold=True) in result.output  # in the Traditional original
    plain = CliRunner().invoke(main, ["search", "選舉", "--archive", str(archive)])
    assert "\x1b[" not in plain.output and "選舉" in plain.output


def test_a_new_catalog_has_pages_that_hold_several_article_texts(tmp_path):
    catalog = Catalog(tmp_path / "catalog.db")
    assert catalog.db.execute("PRAGMA page_size").fetchone()[0] == 16384
    catalog.close()
