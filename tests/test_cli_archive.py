"""The `newsarchive` commands over a real crawl of a replayed WARC, through click's CliRunner.

The replayed site is tests/replay_site.py's zaobao plus three articles of our own: one in
Traditional script, one in Simplified script whose page states no publish time (its date comes
from the URL), and one with no byline, so that search across scripts and the stats' shares have
something to find.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
import replay_site
from click.testing import CliRunner
from test_crawl_e2e import crawl

from crawler.cli import main
from crawler.store.atomic import TEMP_PREFIX
from crawler.store.export import CSV_FIELDS
from crawler.store.post import REQUIRED_KEYS, parse_post

HTML = "text/html; charset=utf-8"
TRADITIONAL_URL = "https://www.zaobao.com.sg/realtime/china/story20240302-8100001"
SIMPLIFIED_URL = "https://www.zaobao.com.sg/realtime/world/story20240303-8100002"
NO_BYLINE_URL = "https://www.zaobao.com/realtime/world/story20240304-8100003"
#: a paragraph of the Traditional article that the reextract test's rule removes
REMOVABLE = "本段是可以被規則刪掉的推廣文字，請訂閱我們的電子報。"


def _page(title: str, paragraphs: list[str], published: str | None, byline: str | None) -> bytes:
    meta = f"<meta property='article:published_time' content='{published}'>" if published else ""
    author = f"<div class='byline'>作者：{byline}</div>" if byline else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>{title}</title>"
        f"{meta}</head><body><h1 class='article-title'>{title}</h1>{author}"
        f"<article class='article-body'>{body}</article></body></html>"
    ).encode()


def extra_articles() -> dict[str, bytes]:
    """Our own three articles: URL -> page."""
    return {
        TRADITIONAL_URL: _page(
            "臺灣選舉結果出爐 執政黨候選人勝選",
            [
                "（早報訊）臺灣中央選舉委員會週六晚間公布總統選舉的正式結果，執政黨候選人以過半數選票勝出。",
                "選後多位學者表示，這次選舉的投票率與上一屆相近，年輕選民的參與程度明顯提高。",
                REMOVABLE,
                "分析人士認為，新政府上任後將面對兩岸關係與經濟發展兩大考驗。",
            ],
            "2024-03-02T21:15:00+08:00",
            "陳美玲",
        ),
        SIMPLIFIED_URL: _page(
            "美国国会通过新年度预算案 避免政府停摆",
            [
                "（早报讯）美国国会众议院和参议院周五先后通过新年度的预算案，避免联邦政府在周末停摆。",
                "由于今年是选举年，两党在国防和移民等议题上的分歧格外明显，谈判一度陷入僵局。",
                "有议员表示，台湾问题也在国防预算的讨论中被多次提到。",
            ],
            None,  # no publish time on the page: the date comes from the URL
            "李志强",
        ),
        NO_BYLINE_URL: _page(
            "新加坡推出组屋节能计划 居民可申请补贴",
            [
                "（早报讯）新加坡建屋发展局周一宣布，将为老旧组屋区的居民提供节能电器补贴。",
                "符合条件的家庭可以申请最多三百元的补贴，用来购买节能冰箱、洗衣机或空调。",
            ],
            "2024-03-04T09:00:00+08:00",
            None,
        ),
    }


def build_archive(tmp_path: Path) -> tuple[Path, Path]:
    """Crawl the replayed site into ``tmp_path/archive``; returns (archive, warc)."""
    pages = replay_site.site()
    for url, page in extra_articles().items():
        pages[url] = (200, {"Content-Type": HTML}, page)
    warc = replay_site.write_warc(tmp_path / "site.warc.gz", pages)
    start = ",".join([*replay_site.START_URLS, *extra_articles()])
    result, stats = crawl(tmp_path, warc, "-a", f"start_urls={start}")
    assert result.returncode == 0, result.stderr[-3000:]
    expected = len(replay_site.fixture_articles()) + len(extra_articles())
    assert stats.get("newsarchive/new") == expected, result.stderr[-3000:]
    return tmp_path / "archive", warc


@pytest.fixture(scope="module")
def replayed(tmp_path_factory) -> tuple[Path, Path]:
    return build_archive(tmp_path_factory.mktemp("cli-archive"))


@pytest.fixture
def archive_copy(replayed, tmp_path) -> Path:
    """A copy of the replayed archive that a test may break."""
    target = tmp_path / "archive"
    shutil.copytree(replayed[0], target, ignore=shutil.ignore_patterns("*.lock"))
    return target


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def rows(archive: Path, sql: str = "select * from articles") -> list[dict]:
    db = sqlite3.connect(archive / "catalog.db")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(sql)]
    finally:
        db.close()


def post_of(archive: Path, url: str) -> Path:
    canonical = "https://www.zaobao.com" + url.split(".com.sg", 1)[-1].split(".com", 1)[-1]
    (row,) = [r for r in rows(archive) if r["url"] == canonical]
    return archive / row["path"]


# -- help -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help_with_an_example(name):
    result = run(name, "--help")
    assert "Example" in result.stdout and f"newsarchive {name}" in result.stdout


# -- search -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "url"),
    [
        ("台湾选举", TRADITIONAL_URL),  # Simplified query, Traditional article
        ("選舉結果", TRADITIONAL_URL),  # the article's own script
        ("預算案", SIMPLIFIED_URL),  # Traditional query, Simplified article
        ("國會 預算", SIMPLIFIED_URL),  # the same with two 2-character words
        ("预算案", SIMPLIFIED_URL),
    ],
)
def test_search_finds_an_article_in_either_script(replayed, query, url):
    archive, _ = replayed
    hits = [json.loads(line) for line in run("search", query, "--archive", archive, "--json")
            .stdout.splitlines()]  # fmt: skip
    expected = post_of(archive, url)
    assert hits and hits[0]["path"] == str(expected.relative_to(archive))
    assert set(hits[0]) >= {"title", "published", "source", "url", "snippet"}


def test_a_two_character_query_finds_both_scripts(replayed):
    archive, _ = replayed
    for query in ("台湾", "臺灣"):
        hits = [json.loads(x) for x in run("search", query, "--archive", archive, "--json")
                .stdout.splitlines()]  # fmt: skip
        urls = {h["url"].rsplit("/", 1)[1] for h in hits}
        assert {"story20240302-8100001", "story20240303-8100002"} <= urls, query
        # the Traditional article has 臺灣 in its title: it ranks first; snippets keep the script
        assert hits[0]["url"].endswith("story20240302-8100001")
        assert "臺灣" in hits[0]["snippet"]


def test_search_prints_ranked_hits_and_honours_filters(replayed):
    archive, _ = replayed
    text = run("search", "选举", "--archive", archive).stdout
    assert " 1. 臺灣選舉結果出爐" in text and "zaobao" in text and TRADITIONAL_URL[-21:] in text
    none = run("search", "选举", "--archive", archive, "--since", "2024-03-03", "--until",
               "2024-03-03", "--json").stdout.splitlines()  # fmt: skip
    assert [json.loads(x)["id"] for x in none] == ["story20240303-8100002"]
    assert run("search", "选举", "--archive", archive, "--source", "nosuch").stdout == ""
    assert len(run("search", "早报", "--archive", archive, "--limit", "2", "--json")
               .stdout.splitlines()) == 2  # fmt: skip


# -- export -----------------------------------------------------------------------------------------
def test_export_jsonl_has_every_article_with_its_front_matter_and_body(replayed):
    archive, _ = replayed
    records = [json.loads(x) for x in run("export", "--archive", archive).stdout.splitlines()]
    assert len(records) == len(rows(archive))
    assert [r["date"] for r in records] == sorted(r["date"] for r in records)
    for record in records:
        meta, body = parse_post((archive / record["path"]).read_text(encoding="utf-8"))
        assert set(REQUIRED_KEYS) <= set(record) and record["body"] == body
        assert record["title"] == meta["title"] and record["tags"] == meta["tags"]
    some = run("export", "--archive", archive, "--since", "2024-03-01", "--query", "選舉").stdout
    assert {json.loads(x)["id"] for x in some.splitlines()} == {
        "story20240302-8100001",
        "story20240303-8100002",
    }


def test_export_csv_has_one_row_per_article_and_fixed_columns(replayed, tmp_path):
    archive, _ = replayed
    out = tmp_path / "zaobao.csv"
    run("export", "--archive", archive, "--format", "csv", "--source", "zaobao", "-o", out)
    reader = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline=""))
    records = list(reader)
    assert tuple(reader.fieldnames) == CSV_FIELDS and len(records) == len(rows(archive))
    traditional = next(r for r in records if r["id"] == "story20240302-8100001")
    assert json.loads(traditional["bylines"]) == ["陳美玲"] and REMOVABLE in traditional["body"]


# -- stats ------------------------------------------------------------------------------------------
def test_stats_counts_per_source_and_day_and_what_is_missing(replayed):
    archive, _ = replayed
    numbers = json.loads(run("stats", "--archive", archive, "--json").stdout)
    total = len(rows(archive))
    assert numbers["articles"] == total
    assert [(s["source"], s["articles"]) for s in numbers["sources"]] == [("zaobao", total)]
    assert numbers["missing"]["date"] == round(1 / total, 4)  # the page without a publish time
    assert numbers["missing"]["byline"] >= round(1 / total, 4)
    assert numbers["missing"]["body"] == 0
    assert {"day": "2024-03-03", "source": "zaobao", "articles": 1} in numbers["days"]
    text = run("stats", "--archive", archive, "--until", "2024-03-04", "--days", "2").stdout
    assert "articles: " in text and "2024-03-04" in text and "2024-03-02" not in text


# -- verify -----------------------------------------------------------------------------------------
def test_verify_passes_on_a_fresh_crawl(replayed):
    result = run("verify", "--archive", replayed[0])
    assert result.stdout == "" and result.stderr.strip().endswith("no problems")


def test_verify_detects_a_deleted_file_and_broken_front_matter(archive_copy):
    deleted = post_of(archive_copy, NO_BYLINE_URL)
    deleted.unlink()
    broken = post_of(archive_copy, SIMPLIFIED_URL)
    broken.write_text(broken.read_text(encoding="utf-8").replace("title:", "title: [", 1))
    result = run("verify", "--archive", archive_copy, code=1)
    lines = result.stdout.splitlines()
    assert f"missing-file: {deleted.relative_to(archive_copy)}: " in result.stdout
    assert any(x.startswith(f"unparseable: {broken.relative_to(archive_copy)}") for x in lines)
    assert len(lines) == 2, result.stdout


def test_verify_detects_missing_keys_duplicates_temp_files_and_pending_writes(archive_copy):
    post = post_of(archive_copy, TRADITIONAL_URL)
    text = post.read_text(encoding="utf-8")
    post.write_text("\n".join(x for x in text.split("\n") if not x.startswith("text_hash:")))
    twin = post.with_name("2024-03-02-copy.md")
    twin.write_text(text, encoding="utf-8")
    stale = post_of(archive_copy, NO_BYLINE_URL)
    stale.write_text(stale.read_text(encoding="utf-8").replace("sha256:", "sha256:0"))
    (post.parent / f"{TEMP_PREFIX}x.md").write_text("half")
    db = sqlite3.connect(archive_copy / "catalog.db")
    with db:
        db.execute("insert into pending (path, source, id) values ('_posts/x.md', 'zaobao', 'x')")
    db.close()
    output = run("verify", "--archive", archive_copy, code=1).stdout
    for kind in ("missing-keys", "duplicate-id", "duplicate-url", "not-in-catalog", "wrong-path",
                 "stale-row", "temp-file", "pending-write"):  # fmt: skip
        assert f"{kind}: " in output, (kind, output)


# -- reindex ----------------------------------------------------------------------------------------
def test_reindex_drops_a_deleted_post_and_then_verify_passes(archive_copy):
    before = rows(archive_copy)
    runs = rows(archive_copy, "select * from runs")
    deleted = post_of(archive_copy, NO_BYLINE_URL)
    deleted.unlink()
    run("verify", "--archive", archive_copy, code=1)
    run("reindex", "--archive", archive_copy)
    run("verify", "--archive", archive_copy)
    after = rows(archive_copy)
    assert len(after) == len(before) - 1 and rows(archive_copy, "select * from runs") == runs
    assert not run("search", "节能", "--archive", archive_copy).stdout
    # the rows that stayed are the same, validators and last check included
    assert sorted(after, key=lambda r: r["url"]) == sorted(
        (r for r in before if r["path"] != str(deleted.relative_to(archive_copy))),
        key=lambda r: r["url"],
    )


def test_reindex_rebuilds_a_lost_catalog_from_the_files(archive_copy):
    before = {r["url"]: r["text_hash"] for r in rows(archive_copy)}
    runs = rows(archive_copy, "select * from runs")
    assert len(runs) == 1
    for name in ("catalog.db", "catalog.db-wal", "catalog.db-shm"):
        (archive_copy / name).unlink(missing_ok=True)
    run("reindex", "--archive", archive_copy)
    assert {r["url"]: r["text_hash"] for r in rows(archive_copy)} == before
    run("verify", "--archive", archive_copy)
    assert "臺灣選舉" in run("search", "台湾选举", "--archive", archive_copy).stdout
    assert rows(archive_copy, "select * from runs") == runs  # from _runs/*.json


def test_reindex_leaves_out_a_broken_file_and_says_so(archive_copy):
    broken = post_of(archive_copy, SIMPLIFIED_URL)
    broken.write_text("---\ntitle: [\n---\nbody\n", encoding="utf-8")
    result = run("reindex", "--archive", archive_copy, code=1)
    assert f"unparseable: {broken.relative_to(archive_copy)}" in result.stdout
    assert len(rows(archive_copy)) == len(replay_site.fixture_articles()) + 2


# -- reextract --------------------------------------------------------------------------------------
def test_reextract_rewrites_a_post_whose_extraction_changed_and_keeps_a_revision(
    replayed, archive_copy, monkeypatch
):
    _, warc = replayed
    output = run("reextract", "--archive", archive_copy, "--warc", warc).stdout
    assert "unchanged" in output and "updated" not in output, output
    post = post_of(archive_copy, TRADITIONAL_URL)
    assert REMOVABLE in post.read_text(encoding="utf-8")

    import dataclasses

    from crawler import sources

    zaobao = sources.SOURCES["zaobao"]
    patched = dataclasses.replace(zaobao, junk_text=(*zaobao.junk_text, r"^本段是可以被規則刪掉"))
    monkeypatch.setitem(sources.SOURCES, "zaobao", patched)
    output = run("reextract", "--archive", archive_copy, "--warc", warc).stdout
    assert "updated 1" in output, output
    meta, body = parse_post(post.read_text(encoding="utf-8"))
    assert REMOVABLE not in body and "兩岸關係" in body and meta["updated"]
    revisions = rows(archive_copy, "select * from revisions")
    assert [r["id"] for r in revisions] == ["story20240302-8100001"]
    assert REMOVABLE in revisions[0]["post"]
    assert not run("search", "推廣文字", "--archive", archive_copy).stdout
    run("verify", "--archive", archive_copy)
    again = run("reextract", "--archive", archive_copy, "--warc", warc).stdout
    assert "updated" not in again and len(rows(archive_copy, "select * from revisions")) == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bars_show_on_a_terminal_and_stay_quiet_in_pipes(monkeypatch):
    from crawler.cli.common import progress_bar

    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    assert list(progress_bar(range(5), total=5, desc="verify")) == [0, 1, 2, 3, 4]
    assert pipe.getvalue() == ""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert list(progress_bar(range(5), total=5, desc="verify")) == [0, 1, 2, 3, 4]
    assert "verify:" in terminal.getvalue() and "/5 [" in terminal.getvalue()  # a bar was drawn
