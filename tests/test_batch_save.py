"""Group commit (issue 11): `Archive.save_many` writes a batch with one journal transaction, one
row transaction and the fsyncs side by side; an article that fails fails alone.

The crash guarantee of batches (killed at every step) is in tests/test_crash_safety.py.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from test_crash_safety import check_invariants, story

import crawler.store.archive as archive_module
import crawler.store.atomic as atomic_module
from crawler.pipelines.batch_writer import BatchWriter
from crawler.store.archive import NEW, Archive, Saved, ToSave
from crawler.store.post import post_path

FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
COUNT = 10


def batch(first: int = 1, count: int = COUNT) -> list[ToSave]:
    return [ToSave(story(n), FETCHED) for n in range(first, first + count)]


def _trace(archive: Archive) -> list[str]:
    statements: list[str] = []
    archive.catalog.db.conn.set_trace_callback(statements.append)
    return statements


def _commits(statements: list[str]) -> int:
    return sum(1 for s in statements if s.strip().upper() == "COMMIT")


@pytest.mark.parametrize("one_by_one", [False, True])
def test_a_batch_costs_two_catalog_commits_whatever_its_size(tmp_path, one_by_one):
    archive = Archive(tmp_path)
    statements = _trace(archive)
    if one_by_one:
        results = [archive.save(item.article, item.fetched) for item in batch()]
    else:
        results = archive.save_many(batch())
    assert [r.outcome for r in results] == [NEW] * COUNT
    # the journal, then the rows (a post's row is written once its file is in place)
    assert _commits(statements) == (2 * COUNT if one_by_one else 2)
    archive.close()
    check_invariants(tmp_path)


def test_only_the_row_transaction_relaxes_synchronous(tmp_path):
    """The journal commit is durable (FULL); the rows' commit, which the journal repairs if a
    power cut loses it, is not fsynced (NORMAL); afterwards the connection is FULL again."""
    archive = Archive(tmp_path)
    statements = _trace(archive)
    archive.save_many(batch())
    marks = [s for s in statements if s.upper() in ("COMMIT", "BEGIN") or "synchronous =" in s]
    assert marks == [
        "BEGIN",
        "COMMIT",  # the journal, at the connection's FULL
        "PRAGMA synchronous = NORMAL",
        "BEGIN",
        "COMMIT",  # the rows
        "PRAGMA synchronous = 2",
    ]
    archive.close()


@pytest.mark.parametrize("one_by_one", [False, True])
def test_a_batch_syncs_each_file_once_and_its_folder_once(tmp_path, monkeypatch, one_by_one):
    archive = Archive(tmp_path)
    archive.save(story(0), FETCHED)  # the source page and the folder exist already
    synced: list[str] = []
    real = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(atomic_module.os, "fsync", fsync)
    if one_by_one:
        for item in batch():
            archive.save(item.article, item.fetched)
    else:
        archive.save_many(batch())
    folder = str(tmp_path / post_path(story(1)).parent)
    files = [p for p in synced if os.path.basename(p).startswith(".tmp-")]
    assert len(files) == COUNT
    assert synced.count(folder) == (COUNT if one_by_one else 1)
    archive.close()


def test_an_article_that_cannot_be_rendered_fails_alone(tmp_path, monkeypatch):
    real = archive_module.render_post
    bad = story(3)

    def render_post(article, *args, **kwargs):
        if article.url == bad.url:
            raise ValueError("test fault: rendering")
        return real(article, *args, **kwargs)

    monkeypatch.setattr(archive_module, "render_post", render_post)
    archive = Archive(tmp_path)
    results = archive.save_many(batch())
    assert [isinstance(r, ValueError) for r in results] == [n == 3 for n in range(1, COUNT + 1)]
    assert all(isinstance(r, Saved) for n, r in enumerate(results, 1) if n != 3)
    assert len(check_invariants(tmp_path)) == COUNT - 1
    archive.close()


def test_a_file_that_cannot_be_written_fails_alone_and_leaves_no_journal_entry(
    tmp_path, monkeypatch
):
    real = atomic_module._write_temp
    bad = post_path(story(4)).name

    def write_temp(dir_fd, name, raw):
        if name == bad:
            raise OSError(5, "test fault: input/output error")
        return real(dir_fd, name, raw)

    monkeypatch.setattr(atomic_module, "_write_temp", write_temp)
    archive = Archive(tmp_path)
    results = archive.save_many(batch())
    failed = [n for n, r in enumerate(results, 1) if not isinstance(r, Saved)]
    assert failed == [4] and isinstance(results[3], OSError)
    rows = check_invariants(tmp_path)  # no pending entry, no temp file, no half revision
    assert len(rows) == COUNT - 1
    monkeypatch.undo()
    assert archive.save(story(4), FETCHED).outcome == NEW
    archive.close()


def test_a_story_that_fails_in_its_row_fails_alone(tmp_path, monkeypatch):
    """A row that cannot be written (a bug) is undone alone (a savepoint); its file, already
    on disk, is recorded from the file (the journal settles it), like a failed `save`."""
    real = Archive._finish
    bad = story(2)
    failed = []

    def finish(self, row, *args, **kwargs):
        if row["id"] == bad.id and not failed:  # in the batch; not when it is settled
            failed.append(row["id"])
            raise RuntimeError("test fault: the row")
        return real(self, row, *args, **kwargs)

    monkeypatch.setattr(Archive, "_finish", finish)
    archive = Archive(tmp_path)
    results = archive.save_many(batch())
    assert [n for n, r in enumerate(results, 1) if not isinstance(r, Saved)] == [2]
    assert len(check_invariants(tmp_path)) == COUNT  # story 2 recorded from its file
    archive.close()


# -- BatchWriter: what the pipeline's writer thread is fed with ---------------------------------
def _run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize(
    ("size", "wait", "entries", "batches"),
    [
        (3, 10.0, 6, [[0, 1, 2], [3, 4, 5]]),  # full batches: no waiting for the timer
        (64, 0.01, 5, [[0, 1, 2, 3, 4]]),  # the timer sends what came
        (1, 10.0, 3, [[0], [1], [2]]),  # one by one
    ],
)
def test_the_batch_writer_sends_a_batch_when_full_or_when_its_time_is_up(
    size, wait, entries, batches
):
    seen: list[list[int]] = []

    def write(items):
        seen.append(list(items))
        return [item * 10 for item in items]

    async def main():
        with ThreadPoolExecutor(1) as pool:
            writer = BatchWriter(pool, write, size, wait)
            return await asyncio.gather(*(writer.add(n) for n in range(entries)))

    assert _run(main()) == [n * 10 for n in range(entries)]
    assert seen == batches


def test_each_awaiter_of_a_batch_gets_its_own_error():
    def write(items):
        return [ValueError(f"bad {n}") if n % 2 else n for n in items]

    async def main():
        with ThreadPoolExecutor(1) as pool:
            writer = BatchWriter(pool, write, 4, 10.0)
            return await asyncio.gather(*(writer.add(n) for n in range(4)), return_exceptions=True)

    results = _run(main())
    assert results[0] == 0 and results[2] == 2
    assert [str(r) for r in results[1::2]] == ["bad 1", "bad 3"]


def test_a_batch_whose_write_raises_fails_each_of_its_awaiters():
    def write(items):
        raise OSError(28, "No space left on device")

    async def main():
        with ThreadPoolExecutor(1) as pool:
            writer = BatchWriter(pool, write, 2, 10.0)
            return await asyncio.gather(*(writer.add(n) for n in range(2)), return_exceptions=True)

    assert [type(r) for r in _run(main())] == [OSError, OSError]


def test_an_article_whose_journal_entry_fails_fails_alone(tmp_path, monkeypatch):
    real = Archive._journal
    bad = story(5)

    def journal(self, write):
        if write.article.id == bad.id:
            raise RuntimeError("test fault: the journal entry")
        return real(self, write)

    monkeypatch.setattr(Archive, "_journal", journal)
    archive = Archive(tmp_path)
    results = archive.save_many(batch())
    assert [n for n, r in enumerate(results, 1) if not isinstance(r, Saved)] == [5]
    assert len(check_invariants(tmp_path)) == COUNT - 1  # and no file of story 5
    assert not (tmp_path / post_path(bad)).exists()
    archive.close()
