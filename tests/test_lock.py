"""One run per archive: the flock on ARCHIVE_DIR/.newsarchive.lock, across processes and runs."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import replay_site
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

from crawler.store.catalog import Catalog
from crawler.store.lock import LOCK_NAME, ArchiveLock, ArchiveLocked
from crawler.store.run_status import EXIT_LOCKED

HOLD = """
import sys, time
from crawler.store.lock import ArchiveLock
ArchiveLock(sys.argv[1]).acquire()
print("locked", flush=True)
time.sleep(120)
"""

TRY = """
import sys
from crawler.store.lock import ArchiveLock, ArchiveLocked
try:
    ArchiveLock(sys.argv[1]).acquire()
except ArchiveLocked:
    print("busy")
else:
    print("free")
"""


def hold_lock(archive: Path, out: Path) -> subprocess.Popen:
    """A child process holding the lock of `archive` (returns once it says it holds it)."""
    with out.open("wb") as stdout:
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(archive)], cwd=REPO, stdout=stdout)
    try:
        wait_until(lambda: out.read_text() == "locked\n", 30, "the child to hold the lock", proc)
    except BaseException:
        proc.kill()
        proc.wait(10)
        raise
    return proc


def lock_seen_from_another_process(archive: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", TRY, str(archive)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_lock_held_by_another_process_refuses_until_that_process_dies(tmp_path):
    archive = tmp_path / "archive"
    child = hold_lock(archive, tmp_path / "child.out")
    try:
        with pytest.raises(ArchiveLocked) as refused:
            ArchiveLock(archive).acquire()
        message = str(refused.value)
        assert "another run holds the archive lock" in message
        assert f"pid {child.pid}" in message and refused.value.path.name == LOCK_NAME
        assert lock_seen_from_another_process(archive) == "busy"
    finally:
        child.send_signal(signal.SIGKILL)  # a killed run: no release, no cleanup
        child.wait(10)
    lock = ArchiveLock(archive).acquire()
    try:
        assert lock.acquired
        assert lock_seen_from_another_process(archive) == "busy"
    finally:
        lock.release()
    assert lock_seen_from_another_process(archive) == "free"


def test_the_lock_is_reentrant_within_a_process(tmp_path):
    outer = ArchiveLock(tmp_path).acquire()
    inner = ArchiveLock(tmp_path).acquire()  # the crawl command, then the pipeline
    assert outer.acquired and inner.acquired
    inner.release()
    assert lock_seen_from_another_process(tmp_path) == "busy"  # still held by `outer`
    outer.release()
    assert lock_seen_from_another_process(tmp_path) == "free"
    with ArchiveLock(tmp_path) as again:  # and it can be taken again afterwards
        assert again.acquired and lock_seen_from_another_process(tmp_path) == "busy"
    assert lock_seen_from_another_process(tmp_path) == "free"


def test_a_second_run_on_a_locked_archive_exits_75_without_touching_it(tmp_path):
    warc = replay_site.write_warc(tmp_path / "site.warc.gz")
    archive = tmp_path / "archive"
    urls = replay_site.START_URLS
    # run A: slow enough to be still running when B has come and gone
    slow = crawl_command(archive, urls, *SLOW, "DOWNLOAD_DELAY=1", warc=warc)
    a = start_crawl(slow, tmp_path / "a.log")
    try:
        lock_file = archive / LOCK_NAME
        held_by_a = f"pid {a.pid} "
        wait_until(
            lambda: lock_file.exists() and lock_file.read_text().startswith(held_by_a),
            30,
            "run A to hold the archive lock",
            a,
        )
        started = time.monotonic()
        b = run_crawl(crawl_command(archive, urls, warc=warc), timeout=60)
        took = time.monotonic() - started
        assert a.poll() is None, "run A ended before run B did: the test proves nothing"
        assert b.returncode == EXIT_LOCKED, b.stderr[-3000:]
        assert "another run holds the archive lock" in b.stderr
        assert f"pid {a.pid}" in b.stderr
        assert "Spider opened" not in b.stderr and took < 30
        assert not (archive / "_runs").exists() or not any((archive / "_runs").iterdir())
        a.send_signal(signal.SIGKILL)
        assert stop(a, 10) == -signal.SIGKILL
    finally:
        if a.poll() is None:
            a.kill()
            a.wait(10)

    c = run_crawl(crawl_command(archive, urls, warc=warc))
    assert c.returncode == 0, c.stderr[-3000:]
    assert len(post_files(archive)) == len(replay_site.fixture_articles())
    catalog = Catalog(archive / "catalog.db", readonly=True)
    try:
        assert catalog.count() == len(replay_site.fixture_articles())
        runs = list(catalog.db["runs"].rows)
        assert [r["exit_code"] for r in runs] == [0]  # only C wrote a report
    finally:
        catalog.close()
    assert len(list((archive / "_runs").glob("*.json"))) == 1
