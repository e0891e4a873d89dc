"""REPLAY_WARC naming something that cannot be replayed: one line naming the file and what is
wrong with it, exit 2, no traceback (issue 10)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
import replay_site
from conftest import crawl_command, run_crawl
from warcio.archiveiterator import ArchiveIterator

from crawler.downloader.replay import WarcIndex, replay_problem, warc_files


def good_warc(folder: Path, name: str = "site.warc.gz") -> Path:
    return replay_site.write_warc(folder / name)


def record_offsets(path: Path) -> list[int]:
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        return [it.get_record_offset() for _ in it]


def cut_inside_last_record(path: Path, target: Path) -> tuple[int, int]:
    """Copy `path` to `target` without the second half of its last record; (records kept,
    offset of the torn record)."""
    offsets = record_offsets(path)
    data = path.read_bytes()
    last = offsets[-1]
    target.write_bytes(data[: last + (len(data) - last) // 2])
    return len(offsets) - 1, last


def plain(path: Path, target: Path) -> Path:
    target.write_bytes(gzip.decompress(path.read_bytes()))
    return target


def make(case: str, folder: Path) -> tuple[Path, str]:
    """A bad REPLAY_WARC value of kind `case`, and a regex of what the message must say."""
    if case == "missing":
        return folder / "nope.warc.gz", r"no such file or folder: \S*nope\.warc\.gz"
    if case == "folder without warc":
        (folder / "notes.txt").write_text("no warc here")
        return folder, rf"{re.escape(str(folder))} is a folder with no WARC file"
    if case == "empty":
        (path := folder / "empty.warc.gz").write_bytes(b"")
        return path, r"empty\.warc\.gz is empty"
    if case == "not a warc":
        (path := folder / "page.warc").write_bytes(b"<html><body>hello</body></html>")
        return path, r"page\.warc is not a WARC file: it starts with '<html><body>hello"
    if case == "gzip of something else":
        (path := folder / "notes.warc.gz").write_bytes(gzip.compress(b"just some notes\n"))
        return path, r"notes\.warc\.gz is a gzip file that holds no WARC: it starts with 'just some"
    if case in ("truncated gzip", "truncated plain"):
        source = good_warc(folder / "..", "whole.warc.gz")
        if case == "truncated plain":
            source = plain(source, folder / ".." / "whole.warc")
        path = folder / f"cut{''.join(source.suffixes)}"
        records, offset = cut_inside_last_record(source, path)
        return (
            path,
            rf"{re.escape(path.name)} is truncated or damaged: {records} records read, the record at byte offset {offset} breaks off",
        )
    raise AssertionError(case)


CASES = [
    "missing",
    "folder without warc",
    "empty",
    "not a warc",
    "gzip of something else",
    "truncated gzip",
    "truncated plain",
]


@pytest.mark.parametrize("case", CASES)
def test_the_problem_names_the_file_and_what_is_wrong(tmp_path, case):
    folder = tmp_path / "in"
    folder.mkdir()
    value, expected = make(case, folder)
    problem = replay_problem(str(value))
    assert problem is not None and "\n" not in problem
    assert re.search(expected, problem), problem


@pytest.mark.parametrize("case", ["not a warc", "truncated gzip", "folder without warc"])
def test_scrapy_crawl_says_it_in_one_line_and_exits_2(tmp_path, case):
    folder = tmp_path / "in"
    folder.mkdir()
    value, expected = make(case, folder)
    cmd = crawl_command(tmp_path / "archive", replay_site.START_URLS, warc=value)
    result = run_crawl(cmd)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("newsarchive:")]
    assert len(lines) == 1 and re.search(expected, lines[0]), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "archive" / "_posts").exists()


def test_a_killed_crawls_open_warc_is_replayed_up_to_its_torn_record(tmp_path, caplog):
    whole = good_warc(tmp_path)
    torn = tmp_path / "rec-00001.warc.gz.open"
    records, offset = cut_inside_last_record(whole, torn)
    assert replay_problem(str(torn)) is None
    index = WarcIndex(warc_files(str(torn)))
    assert len(index.problems) == 1
    assert (
        f"{records} records read, the record at byte offset {offset} breaks off"
        in (index.problems[0])
    )
    assert f"{records} records read" in caplog.text
    complete = WarcIndex([whole])
    assert 0 < len(index) <= len(complete)  # every capture before the torn record is there
    assert all(capture.offset < offset for capture in index.exact.values())


def test_a_whole_warc_has_no_problem(tmp_path):
    whole = good_warc(tmp_path)
    copy = plain(whole, tmp_path / "site.warc")
    assert replay_problem(f"{whole},{copy}") is None
