"""A damaged catalog.db (truncated, garbage, zero-length, another schema) x every command.

Every command says "catalog.db is damaged: run `newsarchive reindex`" in one line and exits 1,
with no traceback and without touching the catalog; a crawl on it writes nothing and exits 1;
`reindex` moves it aside as ``catalog.db.damaged-<time>`` and rebuilds the catalog from the
post files, with the run history from ``_runs/``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_crawl

from crawler.cli import main
from crawler.extract.article import Article
from crawler.store.archive import Archive
from crawler.store.catalog import DAMAGED, MIGRATIONS
from crawler.store.runs import write_run_report
from crawler.store.verify import verify

UTC8 = timezone(timedelta(hours=8))
FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ARTICLES = 12


def article(n: int) -> Article:
    day = datetime(2024, 3, 1, 9, 0, tzinfo=UTC8) + timedelta(days=n)
    story = f"story{day:%Y%m%d}-{8200000 + n}"
    return Article(
        source="zaobao",
        id=story,
        url=f"https://www.zaobao.com/realtime/china/{story}",
        title=f"台湾选举新闻 第{n}篇",
        published=day,
        body=f"（早报讯）第{n}篇报道台湾选举的正文。" * 40,
        publication="联合早报",
        bylines=["记者"],
        section="中国",
        lang="zh",
    )


def run_report(n: int) -> dict:
    started = datetime(2026, 11, 20, n, 0, tzinfo=UTC)
    return {
        "id": started.strftime("%Y%m%dT%H%M%S.000Z"),
        "spider": "zaobao",
        "started": started.isoformat(),
        "finished": (started + timedelta(seconds=30)).isoformat(),
        "duration_seconds": 30.0,
        "status": "ok",
        "problem": None,
        "exit_code": 0,
        "requests": 10,
        "counts": {"new": 3},
    }


def make_archive(root: Path, articles: int = ARTICLES, runs: int = 2) -> Path:
    """An archive of `articles` posts and `runs` run reports, its catalog closed (no WAL)."""
    archive = Archive(root)
    for n in range(articles):
        archive.save(article(n), FETCHED)
    archive.close()
    for n in range(runs):
        write_run_report(root, run_report(n + 1))
    return root


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(3000) + b"not a database" * 100)


def _zero_length(path: Path) -> None:
    path.write_bytes(b"")


def _wrong_schema(path: Path) -> None:
    """A sound SQLite file with our schema version, but not our tables (another program's)."""
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("create table articles (x)")
    db.execute(f"pragma user_version = {len(MIGRATIONS)}")
    db.commit()
    db.close()


DAMAGES: dict[str, Callable[[Path], None]] = {
    "truncated": _truncated,
    "garbage": _garbage,
    "zero-length": _zero_length,
    "wrong-schema": _wrong_schema,
}


@pytest.fixture(scope="module")
def sound_archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("sound") / "archive")


def damaged_copy(sound: Path, tmp_path: Path, damage: str) -> Path:
    root = tmp_path / "archive"
    os.system(f"cp -a {sound} {root}")  # noqa: S605 - our own temp folders
    DAMAGES[damage](root / "catalog.db")
    return root


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def _commands(root: Path, tmp_path: Path) -> dict[str, list[str]]:
    warc = tmp_path / "empty.warc.gz"
    a = ["--archive", str(root)]
    return {
        "search": ["search", "台湾选举", *a],
        "search-short": ["search", "台湾", *a],
        "export": ["export", *a],
        "export-query": ["export", "--query", "选举", "-o", str(tmp_path / "out.jsonl"), *a],
        "stats": ["stats", *a],
        "status": ["status", *a],
        "verify": ["verify", *a],
        "reextract": ["reextract", "--warc", str(warc), *a],
        # the damaged catalog is found before Redis is even asked for
        "ingest": ["ingest", "--redis", "redis://127.0.0.1:9/0", "--until-idle", "0", *a],
    }


COMMANDS = list(_commands(Path("x"), Path("y")))


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("damage", DAMAGES)
def test_every_command_says_the_catalog_is_damaged_and_exits_1(
    sound_archive, tmp_path, damage, command
):
    root = damaged_copy(sound_archive, tmp_path, damage)
    before = (root / "catalog.db").read_bytes()
    (tmp_path / "empty.warc.gz").write_bytes(b"")
    result = cli(*_commands(root, tmp_path)[command])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    assert DAMAGED in result.output
    assert "Traceback" not in result.output and "no runs recorded" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert (root / "catalog.db").read_bytes() == before, "the damaged catalog was written to"
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("damage", DAMAGES)
def test_verify_reports_a_damaged_catalog(sound_archive, tmp_path, damage):
    root = damaged_copy(sound_archive, tmp_path, damage)
    problems = [p for p in verify(root) if p.kind == "damaged-catalog"]
    assert [p.path for p in problems] == ["catalog.db"]
    assert DAMAGED in problems[0].detail


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_crawl_on_a_damaged_catalog_writes_nothing_and_exits_1(sound_archive, tmp_path, damage):
    root = damaged_copy(sound_archive, tmp_path, damage)
    before = _contents(root)
    warc = tmp_path / "listing.warc.gz"  # a valid replay, so only the catalog can stop the crawl
    _write_listing_warc(warc, "https://www.zaobao.com/realtime/china")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "zaobao", "-s", f"ARCHIVE_DIR={root}",
           "-a", "start_urls=https://www.zaobao.com/realtime/china",
           "-s", f"REPLAY_WARC={warc}"]  # fmt: skip
    result = run_crawl(cmd, timeout=120)
    assert result.returncode == 1, result.stderr[-2000:]
    assert DAMAGED in result.stderr
    assert "Traceback" not in result.stderr
    assert _contents(root) == before, "the crawl wrote into the archive"
    wal = root / "catalog.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def _write_listing_warc(path: Path, url: str) -> None:
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        body = b"<html><body><p>listing</p></body></html>"
        writer.write_record(
            writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers)
        )


def _contents(root: Path) -> dict[Path, bytes]:
    """Every file of the archive but the lock and SQLite's read-side files (-shm, empty -wal)."""
    skip = (".newsarchive.lock", "catalog.db-shm", "catalog.db-wal")
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and p.name not in skip}


def _rows(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


@pytest.mark.parametrize("damage", DAMAGES)
def test_reindex_moves_a_damaged_catalog_aside_and_rebuilds_it(sound_archive, tmp_path, damage):
    root = damaged_copy(sound_archive, tmp_path, damage)
    result = cli("reindex", "--archive", str(root))
    assert result.exit_code == 0, result.output
    assert "moved it aside as catalog.db.damaged-" in result.stderr
    assert f"reindexed {ARTICLES} articles" in result.stderr
    aside = list(root.glob("catalog.db.damaged-*"))
    assert len(aside) == 1 and not aside[0].name.endswith("-wal")
    catalog = root / "catalog.db"
    assert _rows(catalog, "select count(*) from articles") == [(ARTICLES,)]
    assert _rows(catalog, "select count(*) from texts") == [(ARTICLES,)]
    runs = [json.loads(r)["id"] for (r,) in _rows(catalog, "select report from runs order by id")]
    assert runs == [run_report(1)["id"], run_report(2)["id"]], "run history not restored"
    assert list(verify(root)) == []
    assert cli("search", "台湾选举", "--archive", str(root)).exit_code == 0
    status = cli("status", "--archive", str(root))
    assert status.exit_code == 0 and run_report(2)["id"] in status.output
