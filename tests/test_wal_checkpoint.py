"""A finished run leaves catalog.db complete on its own (issue 16).

After every command that writes the catalog (crawl, also stopped by SIGTERM; reindex; reextract;
ingest; a run report), there is no ``catalog.db-wal`` or an empty one, and a copy of
``catalog.db`` alone, opened with the sqlite3 module, has every article row and its search
entry. A run killed with SIGKILL may leave a WAL: `verify` reports it while no run holds the
archive lock, and the next writer moves it into catalog.db as soon as it opens the catalog.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import replay_site
from click.testing import CliRunner
from conftest import (
    REPO,
    SLOW,
    crawl_command,
    post_files,
    run_crawl,
    start_crawl,
    stop,
    wait_until,
)

from crawler.cli import main
from crawler.store.archive import Archive
from crawler.store.reader import Reader
from crawler.store.verify import WAL_LEFT, verify

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
from test_store_damaged_catalog import make_archive  # noqa: E402


@pytest.fixture(scope="module")
def site_warc(tmp_path_factory) -> Path:
    return replay_site.write_warc(tmp_path_factory.mktemp("site") / "site.warc.gz")


def assert_catalog_complete_alone(archive: Path, tmp_path: Path) -> int:
    """No WAL (or an empty one), and catalog.db copied alone has a row and a search entry per
    post file; returns the number of articles."""
    wal = archive / "catalog.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0, f"{wal.stat().st_size} bytes left in WAL"
    alone = tmp_path / "copy" / "catalog.db"
    alone.parent.mkdir(exist_ok=True)
    shutil.copyfile(archive / "catalog.db", alone)
    db = sqlite3.connect(alone)
    try:
        paths = sorted(path for (path,) in db.execute("select path from articles"))
        unindexed = db.execute(
            "select count(*) from articles a where not exists "
            "(select 1 from texts t where t.source = a.source and t.id = a.id)"
        ).fetchone()[0]
        assert db.execute("pragma quick_check").fetchone()[0] == "ok"
    finally:
        db.close()
    assert paths == [p.relative_to(archive).as_posix() for p in post_files(archive)]
    assert unindexed == 0, "articles without their search entry in catalog.db alone"
    return len(paths)


def test_after_a_crawl(tmp_path, site_warc):
    archive = tmp_path / "archive"
    result = run_crawl(crawl_command(archive, replay_site.START_URLS, warc=site_warc))
    assert result.returncode == 0, result.stderr[-3000:]
    assert assert_catalog_complete_alone(archive, tmp_path) > 0
    runs = sqlite3.connect(tmp_path / "copy" / "catalog.db").execute("select count(*) from runs")
    assert runs.fetchone()[0] == 1, "the run's report is not in catalog.db alone"


def test_after_a_crawl_stopped_with_sigterm(tmp_path):
    archive = tmp_path / "archive"
    pages, listing = replay_site.small_site(30)
    warc = replay_site.write_warc(tmp_path / "small.warc.gz", pages)
    cmd = crawl_command(archive, [listing], *SLOW, warc=warc)
    proc = start_crawl(cmd, tmp_path / "crawl.log")
    try:
        wait_until(lambda: len(post_files(archive)) >= 1, 60, "the first post", proc)
        proc.send_signal(signal.SIGTERM)
        assert stop(proc, 60) == 3, (tmp_path / "crawl.log").read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    count = assert_catalog_complete_alone(archive, tmp_path)
    assert 1 <= count < 30, "not stopped in the middle"


def _cli(archive: Path, *args: str) -> None:
    """Run a command while a reader (a `newsarchive search` meanwhile) has the catalog open: the
    writer's own closing is then not the last one, which used to leave every row in the WAL."""
    with Reader(archive):
        result = CliRunner().invoke(main, [*args, "--archive", str(archive)])
    assert result.exit_code == 0, (result.output, result.exception)


def test_after_reindex(tmp_path):
    archive = make_archive(tmp_path / "archive")
    _cli(archive, "reindex")
    assert assert_catalog_complete_alone(archive, tmp_path) == 12


def test_after_reextract(tmp_path, site_warc):
    archive = make_archive(tmp_path / "archive", articles=1)
    _cli(archive, "reextract", "--warc", str(site_warc), "--add-new")
    assert assert_catalog_complete_alone(archive, tmp_path) > 1


def test_after_ingest(tmp_path, redis_server):
    archive = make_archive(tmp_path / "archive", articles=3)
    _cli(archive, "ingest", "--redis", redis_server, "--until-idle", "0.2")
    assert assert_catalog_complete_alone(archive, tmp_path) == 3


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    sys.path[:0] = [{tests!r}, {hostile!r}]
    from test_store_damaged_catalog import article
    from crawler.store.archive import Archive
    from crawler.store.lock import ArchiveLock
    ArchiveLock({root!r}).acquire()
    archive = Archive({root!r})
    for n in range(20, 26):
        archive.save(article(n))
    os.kill(os.getpid(), signal.SIGKILL)  # no close, no checkpoint
    """
)


def _hold_lock(root: Path) -> subprocess.Popen:
    code = (
        f"import sys, time; sys.path.insert(0, {str(REPO)!r}); "
        "from crawler.store.lock import ArchiveLock; "
        f"ArchiveLock({str(root)!r}).acquire(); print('held', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_killed_run_leaves_a_wal_that_verify_reports_and_the_next_writer_moves_in(tmp_path):
    archive = make_archive(tmp_path / "archive", articles=2)
    tests = Path(__file__).resolve().parent
    code = KILLED_WRITER.format(tests=str(tests), hostile=str(tests / "hostile"), root=str(archive))
    killed = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    wal = archive / "catalog.db-wal"
    assert wal.stat().st_size > 0

    problems = [p for p in verify(archive) if p.kind == WAL_LEFT]
    assert [p.path for p in problems] == ["catalog.db-wal"]
    holder = _hold_lock(archive)  # a run going on: its WAL is no problem
    try:
        assert [p for p in verify(archive) if p.kind == WAL_LEFT] == []
    finally:
        holder.kill()
        holder.wait(10)

    opened = Archive(archive)  # the next run: checkpoints as it opens
    try:
        assert assert_catalog_complete_alone(archive, tmp_path) == 8
    finally:
        opened.close()
    assert [p for p in verify(archive) if p.kind == WAL_LEFT] == []
