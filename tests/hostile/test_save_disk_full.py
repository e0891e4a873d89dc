"""A failure to save is a failure of the run (issue 10): disk full, a read-only file system, a
full SQLite catalog stop the crawl at once with exit 1 and one clear line, the archive stays
consistent, and the run still leaves its report (or says on stderr why it could not).

Faults are injected into a real `scrapy crawl` child process (tests/hostile/save_faults.py);
one test fills a real tmpfs (root only; skipped elsewhere).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
import replay_site
from conftest import REPO, crawl_command, post_files
from test_crash_safety import CASES, check_invariants

import crawler.store.archive as archive_module
from crawler import settings as project_settings
from crawler.store.archive import Archive, unwritable_reason
from crawler.store.runs import RUNS_DIR
from crawler.store.verify import PENDING
from crawler.store.verify import verify as verify_archive

from .save_faults import ENV

HERE = Path(__file__).resolve().parent
ARTICLES = 40


def reports(archive: Path) -> list[dict]:
    folder = archive / RUNS_DIR
    files = sorted(folder.glob("*.json")) if folder.exists() else []
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def fault_crawl(
    tmp_path: Path,
    faults: str,
    *settings: str,
    archive: Path | None = None,
    articles: int = ARTICLES,
) -> tuple[subprocess.CompletedProcess, Path]:
    """A replayed crawl of one listing and `articles` articles, with `faults` injected;
    articles are fetched one at a time, a little slower than they are saved."""
    pages, listing = replay_site.small_site(articles)
    warc = replay_site.write_warc(tmp_path / "site.warc.gz", pages)
    archive = archive or tmp_path / "archive"
    extensions = {**project_settings.EXTENSIONS, "save_faults.Faults": 0}
    cmd = crawl_command(
        archive,
        [listing],
        "EXTRACT_WORKERS=0",
        "CONCURRENT_REQUESTS=1",
        "DOWNLOAD_DELAY=0.05",
        "EXTENSIONS=" + json.dumps(extensions),
        *settings,
        warc=warc,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(REPO)])
    env[ENV] = faults
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    return result, archive


def problems(archive: Path) -> list:
    """What `newsarchive verify` finds wrong with `archive` ([] when consistent)."""
    return list(verify_archive(archive))


def newsarchive_lines(stderr: str) -> list[str]:
    """The lines the crawl says to the user itself (not log records)."""
    return [line for line in stderr.splitlines() if line.startswith("newsarchive: ")]


@pytest.mark.parametrize(
    ("faults", "reason"),
    [
        pytest.param("enospc:2", "disk full", id="enospc"),
        pytest.param("erofs:2", "read-only file system", id="erofs"),
        pytest.param("sqlite-full:2", "disk full (catalog.db)", id="sqlite"),
    ],
)
def test_an_unwritable_archive_stops_the_crawl_with_exit_1_and_one_line(tmp_path, faults, reason):
    result, archive = fault_crawl(tmp_path, faults)
    assert result.returncode == 1, result.stderr[-4000:]
    problem = f"cannot write to ARCHIVE_DIR ({archive}): {reason}"
    assert newsarchive_lines(result.stderr) == [f"newsarchive: {problem}"]
    assert "Traceback" not in result.stderr
    [report] = reports(archive)
    assert report["status"] == "failed" and report["exit_code"] == 1
    assert report["finish_reason"] == "archive-unwritable"
    assert report["problem"] == problem
    assert report["failed_reasons"]["archive-unwritable"] >= 1
    assert report["counts"]["new"] >= 2
    # stopped early: what could not be saved was not fetched, and every link is accounted for
    assert report["requests"] < ARTICLES, report["requests"]
    assert report["links"]["unfinished"] > 0
    assert report["links"]["unaccounted"] == 0, report["links"]
    # consistent: at most a write the journal names (the catalog had no room to record it),
    # which the next run's open finishes
    found = problems(archive)
    journaled = {p.path for p in found if p.kind == PENDING}
    assert all(p.path in journaled for p in found), [str(p) for p in found]
    Archive(archive).close()
    assert problems(archive) == []
    # a file beyond the new ones is an article counted failed whose file made it to disk (its
    # row recorded at once or by the next open): at most the batch the catalog had no room for
    new, failed = report["counts"]["new"], report["failed_reasons"]["archive-unwritable"]
    assert new <= len(post_files(archive)) <= new + failed


def test_an_unwritable_archive_exits_1_also_without_run_reports(tmp_path):
    result, archive = fault_crawl(tmp_path, "enospc:2", "RUN_REPORT_ENABLED=False")
    assert result.returncode == 1, result.stderr[-4000:]
    assert newsarchive_lines(result.stderr) == [
        f"newsarchive: cannot write to ARCHIVE_DIR ({archive}): disk full"
    ]
    assert reports(archive) == []


def test_a_run_whose_report_cannot_be_written_says_why_on_stderr(tmp_path):
    result, archive = fault_crawl(tmp_path, "enospc:2,runs-enospc:0")
    assert result.returncode == 1, result.stderr[-4000:]
    assert newsarchive_lines(result.stderr) == [
        "newsarchive: the run report could not be written: disk full",
        f"newsarchive: cannot write to ARCHIVE_DIR ({archive}): disk full",
    ]
    assert "Traceback" not in result.stderr
    assert reports(archive) == []
    assert "report: NOT WRITTEN (disk full)" in result.stderr


def test_an_archive_that_cannot_be_opened_stops_the_crawl_before_any_request(tmp_path):
    result, archive = fault_crawl(tmp_path, "open-erofs:0")
    assert result.returncode == 1, result.stderr[-4000:]
    problem = f"cannot write to ARCHIVE_DIR ({archive}): read-only file system"
    assert newsarchive_lines(result.stderr) == [f"newsarchive: {problem}"]
    assert "Traceback" not in result.stderr
    [report] = reports(archive)
    assert (report["status"], report["problem"], report["requests"]) == ("failed", problem, 0)


# -- a real full disk ----------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs at tmp_path/disk (root only), unmounted at the end."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mount.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def _fill(disk: Path, leave: int) -> None:
    """Fill `disk` so that about `leave` bytes stay free."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    with (disk / "ballast").open("wb") as f:
        f.write(b"\0" * max(0, free - leave))


def test_a_full_disk_stops_the_crawl_with_exit_1_and_the_archive_stays_consistent(
    tmp_path, small_disk
):
    archive = small_disk / "archive"
    Archive(archive).close()  # the skeleton and an empty catalog
    _fill(small_disk, 48 * 1024)  # room for a few posts and catalog pages
    result, _ = fault_crawl(tmp_path, "", archive=archive)
    assert result.returncode == 1, result.stderr[-4000:]
    lines = newsarchive_lines(result.stderr)
    assert f"newsarchive: cannot write to ARCHIVE_DIR ({archive}): disk full" in lines[-1]
    assert "Traceback" not in result.stderr
    written = reports(archive)
    if not written:  # no room even for the report: the crawl must have said so
        assert any("run report" in line and "disk full" in line for line in lines), lines
    else:
        [report] = written
        assert report["finish_reason"] == "archive-unwritable" and report["exit_code"] == 1
    (small_disk / "ballast").unlink()  # room again: the next open settles anything left
    Archive(archive).close()
    assert problems(archive) == []


def test_a_new_archive_on_a_full_disk_exits_1_with_one_line(tmp_path, small_disk):
    archive = small_disk / "archive"
    _fill(small_disk, 0)
    result, _ = fault_crawl(tmp_path, "", archive=archive)
    assert result.returncode == 1, result.stderr[-4000:]
    assert newsarchive_lines(result.stderr) == [
        f"newsarchive: cannot write to ARCHIVE_DIR ({archive}): disk full"
        " (nothing crawled; no run report written)"
    ]
    assert "Traceback" not in result.stderr


# -- the archive on its own ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "disk full"),
        (OSError(errno.EROFS, "Read-only file system"), "read-only file system"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "disk quota exceeded"),
        (sqlite3.OperationalError("database or disk is full"), "disk full (catalog.db)"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read-only (catalog.db)"),
        (RuntimeError("wrapped"), None),
        (ValueError("a bug"), None),
        (OSError(errno.ENOENT, "No such file"), None),
    ],
)  # fmt: skip
def test_unwritable_reason_tells_a_full_or_read_only_archive_from_a_bug(exc, reason):
    assert unwritable_reason(exc) == reason


def test_unwritable_reason_looks_at_what_caused_the_error():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("could not write") from inner
    except RuntimeError as outer:
        assert unwritable_reason(outer) == "disk full"


@pytest.mark.parametrize("case", ["new", "update", "moved"])
def test_a_save_that_fails_on_a_full_disk_is_settled_at_once(tmp_path, monkeypatch, case):
    """The save's journal entry is undone then and there: no pending write, no half-made
    revision, the archived version untouched (the next run has nothing to recover)."""
    before, attempt = CASES[case]
    archive = Archive(tmp_path / "archive")
    kept = archive.save(before).path.read_text(encoding="utf-8") if before else None

    def full(path, data, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(archive_module, "write_atomic", full)
    with pytest.raises(OSError) as raised:
        archive.save(attempt)
    assert unwritable_reason(raised.value) == "disk full"
    rows = check_invariants(tmp_path / "archive")  # checked before any reopen recovers
    assert len(rows) == (1 if before else 0)
    if before:
        assert (tmp_path / "archive" / rows[0]["path"]).read_text(encoding="utf-8") == kept
    archive.close()
