"""Killed anywhere, the archive stays consistent: every row has its file, every file its row.

Unit level: `Archive.save` is made to die at each of its steps (a monkeypatched step raises, as
a SIGKILL would stop it there), then a fresh `Archive` on the same folder recovers. Process
level: the real `scrapy crawl` is SIGKILLed at several moments, then a normal run completes the
archive. And a crawl with a JOBDIR, stopped with SIGINT, is resumed by the same command.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import replay_site
from conftest import SLOW, crawl_command, post_files, run_crawl, start_crawl, stop, wait_until
from test_store import make_article

import crawler.store.archive as archive_module
import crawler.store.catalog as catalog_module
from crawler.store.archive import NEW, UNCHANGED, UPDATED, Archive, ToSave
from crawler.store.atomic import TEMP_PREFIX
from crawler.store.catalog import MIGRATIONS, Catalog
from crawler.store.post import parse_post, post_path

UTC8 = timezone(timedelta(hours=8))
FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class Killed(BaseException):
    """Stands for the SIGKILL: not an Exception, so no `except Exception` can swallow it."""


# -- invariants --------------------------------------------------------------------------------
def check_invariants(root: Path) -> list[dict]:
    """What must hold for any archive folder once opened; returns the catalog rows."""
    db = sqlite3.connect(f"file:{root / 'catalog.db'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in db.execute("select * from articles")]
        pending = [dict(r) for r in db.execute("select * from pending")]
        unmarked = db.execute("select count(*) from revisions where replaced is null").fetchone()
    finally:
        db.close()
    assert pending == [], "the write journal is not empty"
    assert unmarked[0] == 0, "a revision was left half made (replaced is null)"
    temp_files = [p for p in root.rglob(TEMP_PREFIX + "*")]
    assert temp_files == [], f"temp files left: {temp_files}"
    for row in rows:
        file = root / row["path"]
        assert file.is_file(), f"row {row['url']} points at a missing file {row['path']}"
        meta, _ = parse_post(file.read_text(encoding="utf-8"))
        assert meta["text_hash"] == row["text_hash"], row["path"]
        assert meta["from"] == row["url"] and str(meta["id"]) == row["id"], row["path"]
    paths = [str(p.relative_to(root)) for p in post_files(root)]
    assert sorted(paths) == sorted(r["path"] for r in rows), "post files and rows differ"
    assert len(set(paths)) == len(paths)
    return rows


# -- unit level: Archive.save dies at each step ------------------------------------------------
ORIGINAL = make_article()
REWRITTEN = make_article(body="改写后的第一段。\n\n第二段也改了。")
#: a corrected publication date: the post's path changes with it
MOVED = make_article(body="改写后的第一段。", published=datetime(2021, 8, 31, 8, 0, tzinfo=UTC8))

#: case -> (what is archived before, the save that gets killed)
CASES = {
    "new": (None, ORIGINAL),
    "update": (ORIGINAL, REWRITTEN),
    "moved": (ORIGINAL, MOVED),
}


def _die_in_journal(monkeypatch):
    """Inside the journal transaction (after the pending row, before its commit)."""

    def revision(self, known):
        raise Killed("in the journal transaction")

    monkeypatch.setattr(Archive, "_revision", revision)


def _die_before_file(monkeypatch):
    """The journal is committed; the post file was never started."""

    def write_atomic(path, data, **kwargs):
        raise Killed("before the file")

    monkeypatch.setattr(archive_module, "write_atomic", write_atomic)


def _die_writing_temp_file(monkeypatch):
    """Half of the post is in the temp file (no cleanup: a killed process runs none)."""

    def write_atomic(path, data, **kwargs):
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / f"{TEMP_PREFIX}killed{path.suffix}").write_text(data[: len(data) // 2])
        raise Killed("while writing the temp file")

    monkeypatch.setattr(archive_module, "write_atomic", write_atomic)


def _die_after_file(monkeypatch):
    """The post file is in place; its row was never started."""
    real = archive_module.write_atomic

    def write_atomic(path, data, **kwargs):
        real(path, data, **kwargs)
        raise Killed("after the file")

    monkeypatch.setattr(archive_module, "write_atomic", write_atomic)


def _die_in_row_transaction(monkeypatch):
    """The row is written but its transaction (revision mark, journal removal) never commits."""

    def finish(self, row, *args, **kwargs):
        self.catalog._record(row)
        raise Killed("in the row transaction")

    monkeypatch.setattr(Archive, "_finish", finish)


def _die_before_removing_old_file(monkeypatch):
    """A moved post: the row is committed; the file it replaces is never removed."""

    def remove_replaced(self, known, path):
        raise Killed("before removing the replaced file")

    monkeypatch.setattr(Archive, "_remove_replaced", remove_replaced)


#: where the save dies -> (how, whether the new text is on disk when it dies)
CRASHES = {
    "in-journal": (_die_in_journal, False),
    "before-file": (_die_before_file, False),
    "writing-temp-file": (_die_writing_temp_file, False),
    "after-file": (_die_after_file, True),
    "in-row-transaction": (_die_in_row_transaction, True),
    "before-removing-old-file": (_die_before_removing_old_file, True),
}


def _text_hash_on_disk(root: Path, article) -> str | None:
    file = root / post_path(article)
    if not file.exists():
        return None
    return parse_post(file.read_text(encoding="utf-8"))[0]["text_hash"]


def _applicable(case: str, crash: str) -> bool:
    if crash == "in-journal":  # only an update makes a revision inside the journal step
        return CASES[case][0] is not None
    if crash == "before-removing-old-file":  # only a moved post has an old file to remove
        return case == "moved"
    return True


@pytest.mark.parametrize(
    ("case", "crash"),
    [(case, crash) for case in CASES for crash in CRASHES if _applicable(case, crash)],
)
def test_a_save_killed_at_any_step_is_recovered_on_the_next_open(
    tmp_path, monkeypatch, case, crash
):
    before, article = CASES[case]
    die, reaches_disk = CRASHES[crash]
    if before is not None:
        archive = Archive(tmp_path)
        archive.save(before, FETCHED)
        archive.close()
    archive = Archive(tmp_path)
    with monkeypatch.context() as patch:
        die(patch)
        with pytest.raises(Killed):
            archive.save(article, FETCHED + timedelta(hours=1))
    archive.catalog.close()  # the process is gone: its connection with it

    on_disk = _text_hash_on_disk(tmp_path, article) == article.text_hash
    assert on_disk == reaches_disk, "the simulated crash did not stop where it should"

    reopened = Archive(tmp_path)  # recovery
    rows = check_invariants(tmp_path)
    assert Archive(tmp_path).recover() == [], "recovery is not done in one go"
    mine = [r for r in rows if (r["source"], r["id"]) == (article.source, article.id)]
    revisions = list(reopened.catalog.db["revisions"].rows)
    if reaches_disk:
        assert [r["path"] for r in mine] == [str(post_path(article))]
        assert mine[0]["text_hash"] == article.text_hash
        if before is not None:
            assert [r["text_hash"] for r in revisions] == [before.text_hash]
            assert revisions[0]["replaced"] is not None
            assert revisions[0]["post"] and "第一段。\n\n第二段：有冒号。" in revisions[0]["post"]
    else:
        expected = [] if before is None else [before.text_hash]
        assert [r["text_hash"] for r in mine] == expected
        assert [r["path"] for r in mine] == ([] if before is None else [str(post_path(before))])
        assert revisions == [], "a revision was kept although the new text never reached disk"
    if before is not None and post_path(before) != post_path(article):
        # the article is in exactly one place: the old file iff the new one never made it
        assert (tmp_path / post_path(before)).exists() != reaches_disk

    again = reopened.save(article, FETCHED + timedelta(hours=2))
    if reaches_disk:
        assert again.outcome == UNCHANGED
    else:  # the interrupted save happens now, and only then is the article unchanged
        assert again.outcome == (NEW if before is None else UPDATED)
        assert reopened.save(article, FETCHED + timedelta(hours=3)).outcome == UNCHANGED
    check_invariants(tmp_path)
    assert reopened.catalog.count("revisions") == (0 if before is None else 1)
    reopened.close()


def test_a_recovery_killed_halfway_is_finished_by_the_next_open(tmp_path, monkeypatch):
    archive = Archive(tmp_path)
    archive.save(ORIGINAL, FETCHED)
    with monkeypatch.context() as patch:
        _die_after_file(patch)
        with pytest.raises(Killed):
            archive.save(MOVED, FETCHED + timedelta(hours=1))
    archive.catalog.close()
    with monkeypatch.context() as patch:
        _die_in_row_transaction(patch)
        with pytest.raises(Killed):
            Archive(tmp_path)  # dies while recovering
    reopened = Archive(tmp_path)
    rows = check_invariants(tmp_path)
    assert [(r["path"], r["text_hash"]) for r in rows] == [(str(post_path(MOVED)), MOVED.text_hash)]
    revisions = list(reopened.catalog.db["revisions"].rows)
    assert [r["text_hash"] for r in revisions] == [ORIGINAL.text_hash]
    assert revisions[0]["replaced"] is not None
    assert reopened.save(MOVED, FETCHED + timedelta(hours=2)).outcome == UNCHANGED
    reopened.close()


def test_a_journal_entry_for_a_file_that_is_already_recorded_only_clears_the_journal(tmp_path):
    """Killed after the row committed but before the old file was removed, in the real order:
    the journal entry (if still there) must neither add a row nor drop the revision."""
    archive = Archive(tmp_path)
    archive.save(ORIGINAL, FETCHED)
    archive.save(MOVED, FETCHED + timedelta(hours=1))
    with archive.catalog.db.conn:
        archive.catalog.db["pending"].insert(
            {
                "path": str(post_path(MOVED)),
                "old_path": str(post_path(ORIGINAL)),
                "source": MOVED.source,
                "id": MOVED.id,
            }
        )
    archive.close()
    reopened = Archive(tmp_path)
    check_invariants(tmp_path)
    assert reopened.catalog.count() == 1 and reopened.catalog.count("revisions") == 1
    reopened.close()


def test_a_catalog_killed_while_its_schema_is_made_opens_next_time(tmp_path, monkeypatch):
    """A run killed during a migration step leaves none of that step behind."""
    *done, last = MIGRATIONS

    def killed_at_the_end_of_the_step(db):
        last(db)
        raise Killed("before the schema version was written")

    with monkeypatch.context() as patch:
        patch.setattr(catalog_module, "MIGRATIONS", [*done, killed_at_the_end_of_the_step])
        with pytest.raises(Killed):
            Catalog(tmp_path / "catalog.db")
    catalog = Catalog(tmp_path / "catalog.db")
    assert catalog.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    catalog.close()
    archive = Archive(tmp_path)
    assert archive.save(ORIGINAL, FETCHED).outcome == NEW
    archive.close()
    check_invariants(tmp_path)


# -- unit level: a batch (Archive.save_many) dies at each step ------------------------------------
def story(n: int, **changes):
    """Article n of the batch tests: its own id, URL and text."""
    story_id = f"story20210830-{1200000 + n}"
    fields = {
        "id": story_id,
        "url": f"https://www.zaobao.com/realtime/china/{story_id}",
        "body": f"第{n}篇的第一段。\n\n第二段。",
        **changes,
    }
    return make_article(**fields)


#: archived before the batch: stories 1 and 2 (and 5, the twin target)
BATCH_BEFORE = [story(1), story(2), story(5)]
#: the batch: two new stories, an update, a move, a text twin of a new story of the same batch
#: (an alias), the same story twice (new, then updated), and an unchanged one
BATCH = [
    story(3),
    story(4),
    story(1, body="第1篇改写了。"),
    story(2, body="第2篇改了日期。", published=datetime(2021, 8, 31, 8, 0, tzinfo=UTC8)),
    story(6, body=story(3).body),
    story(7),
    story(7, body="第7篇当天就改了。"),
    story(5),
]
BATCH_OUTCOMES = ["new", "new", "updated", "updated", "alias", "new", "updated", "unchanged"]
#: the batch as archived in the end (story 7's second text only): saved again, nothing changes
FINAL = BATCH[:5] + BATCH[6:]


def _nth_call_dies(n: int, real, why: str):
    """`real`, except that its n-th call (from 1) raises Killed first."""
    calls = [0]

    def call(*args, **kwargs):
        calls[0] += 1
        if calls[0] == n:
            raise Killed(why)
        return real(*args, **kwargs)

    return call


def _batch_dies_in_journal(patch):
    """The second post's entry is being journaled: the journal transaction never commits."""
    patch.setattr(Archive, "_journal", _nth_call_dies(2, Archive._journal, "in the journal"))


def _batch_dies_writing_files(patch):
    """Two files of the batch are in place, the third is half a temp file, the rest never
    started (and no folder was synced)."""
    real = archive_module.write_batch

    def write_batch(root, files):
        real(root, files[:2])
        path, data = files[2]
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / f"{TEMP_PREFIX}killed{path.suffix}").write_text(data[: len(data) // 2])
        raise Killed("while writing the batch's files")

    patch.setattr(archive_module, "write_batch", write_batch)


def _batch_dies_after_files(patch):
    real = archive_module.write_batch

    def write_batch(root, files):
        real(root, files)
        raise Killed("after the batch's files")

    patch.setattr(archive_module, "write_batch", write_batch)


def _batch_dies_in_row_transaction(patch):
    """Two rows are in the (uncommitted) row transaction when the third one dies."""
    patch.setattr(Archive, "_finish", _nth_call_dies(3, Archive._finish, "in the rows"))


def _batch_dies_before_removing_old_files(patch):
    real = Archive._remove_replaced
    patch.setattr(Archive, "_remove_replaced", _nth_call_dies(1, real, "before removing"))


#: where the batch dies -> (how, the posts of BATCH whose new text is on disk when it dies);
#: the batch's first group is BATCH[:4] (BATCH[4] has the text of BATCH[0]: the next group)
BATCH_CRASHES = {
    "in-journal": (_batch_dies_in_journal, set()),
    "writing-files": (_batch_dies_writing_files, {0, 1}),
    "after-files": (_batch_dies_after_files, {0, 1, 2, 3}),
    "in-row-transaction": (_batch_dies_in_row_transaction, {0, 1, 2, 3}),
    "before-removing-old-files": (_batch_dies_before_removing_old_files, {0, 1, 2, 3}),
}


def _saved(archive: Archive, articles: list, hours: int) -> list[str]:
    results = archive.save_many([ToSave(a, FETCHED + timedelta(hours=hours)) for a in articles])
    assert not [r for r in results if isinstance(r, BaseException)], results
    return [r.outcome for r in results]


def test_a_batch_saves_each_article_with_its_own_outcome(tmp_path):
    archive = Archive(tmp_path)
    _saved(archive, BATCH_BEFORE, 0)
    assert _saved(archive, BATCH, 1) == BATCH_OUTCOMES
    rows = check_invariants(tmp_path)
    assert sorted(r["id"] for r in rows) == sorted(
        {a.id for a in BATCH_BEFORE + BATCH} - {story(6).id}
    )
    seven = archive.catalog.find("zaobao", story(7).id)
    assert seven["text_hash"] == BATCH[6].text_hash  # the later of the two in the batch
    assert archive.catalog.alias(story(6).url)["id"] == story(3).id
    assert archive.catalog.count("revisions") == 3  # stories 1, 2 and the first text of 7
    assert set(_saved(archive, FINAL, 2)) <= {UNCHANGED, "alias"}
    archive.close()


@pytest.mark.parametrize("crash", list(BATCH_CRASHES))
def test_a_batch_killed_at_any_step_leaves_every_article_exactly_once(tmp_path, monkeypatch, crash):
    die, on_disk = BATCH_CRASHES[crash]
    archive = Archive(tmp_path)
    _saved(archive, BATCH_BEFORE, 0)
    with monkeypatch.context() as patch:
        die(patch)
        with pytest.raises(Killed):
            archive.save_many([ToSave(a, FETCHED + timedelta(hours=1)) for a in BATCH])
    archive.catalog.close()  # the process is gone: its connection with it
    written = {n for n in range(4) if _text_hash_on_disk(tmp_path, BATCH[n]) == BATCH[n].text_hash}
    assert written == on_disk, "the simulated crash did not stop where it should"

    reopened = Archive(tmp_path)  # recovery
    rows = check_invariants(tmp_path)
    assert Archive(tmp_path).recover() == [], "recovery is not done in one go"
    by_id = {r["id"]: r for r in rows}
    for n in range(4):  # a post whose file was written is recorded; the others are as before
        expected = BATCH[n] if n in on_disk else ([None, None, *BATCH_BEFORE[:2]])[n]
        row = by_id.get(BATCH[n].id)
        assert (row and row["text_hash"]) == (expected and expected.text_hash), n
    assert len(by_id) == len(rows), "an article is in the catalog twice"
    for article in BATCH_BEFORE:  # still archived: the old text or the new, never neither
        assert article.id in by_id
    moved = BATCH[3]
    old_file, new_file = tmp_path / post_path(BATCH_BEFORE[1]), tmp_path / post_path(moved)
    assert old_file.exists() != new_file.exists(), "the moved story is in two places or none"
    revisions = list(reopened.catalog.db["revisions"].rows)
    for revision in revisions:  # a revision is kept only when its replacement is archived
        assert by_id[revision["id"]]["text_hash"] != revision["text_hash"]

    # saved again, the batch completes: what reached disk is unchanged, the rest is written now
    again = _saved(reopened, BATCH, 2)
    assert set(again) <= {NEW, UPDATED, UNCHANGED, "alias"}
    assert set(_saved(reopened, FINAL, 3)) <= {UNCHANGED, "alias"}
    rows = check_invariants(tmp_path)
    final = {r["id"]: r["text_hash"] for r in rows}
    assert final[story(1).id] == BATCH[2].text_hash and final[story(7).id] == BATCH[6].text_hash
    assert final[story(2).id] == moved.text_hash and story(6).id not in final
    reopened.close()


# -- process level: SIGKILL the real crawl -----------------------------------------------------
def _canonical(url: str) -> str:
    return "https://www.zaobao.com" + url.split("zaobao.com.sg", 1)[-1].split("zaobao.com", 1)[-1]


def check_whole_archive(archive: Path) -> None:
    """Every fixture article exactly once as a file and once as a row, and the invariants."""
    rows = check_invariants(archive)
    expected = sorted(_canonical(url) for url, _, _ in replay_site.fixture_articles())
    assert sorted(r["url"] for r in rows) == expected
    assert len(post_files(archive)) == len(expected)
    for row in rows:
        meta, body = parse_post((archive / row["path"]).read_text(encoding="utf-8"))
        assert meta["title"] == row["title"] and body.strip()


@pytest.fixture(scope="module")
def site_warc(tmp_path_factory) -> Path:
    return replay_site.write_warc(tmp_path_factory.mktemp("site") / "site.warc.gz")


def _after(seconds: float):
    start = time.monotonic()
    return lambda archive: time.monotonic() - start >= seconds


def _posts(count: int):
    return lambda archive: len(post_files(archive)) >= count


def _catalog_created(archive: Path) -> bool:
    return (archive / "catalog.db").exists()


KILL_POINTS = {
    "early": lambda: _after(0.3),
    "first-post": lambda: _posts(1),
    "half-the-posts": lambda: _posts((len(replay_site.fixture_articles()) + 1) // 2),
    "catalog-created": lambda: _catalog_created,
}


@pytest.mark.parametrize("when", list(KILL_POINTS))
def test_a_crawl_killed_at_any_moment_is_completed_by_the_next_run(tmp_path, site_warc, when):
    archive = tmp_path / "archive"
    urls = replay_site.START_URLS
    slow = crawl_command(archive, urls, *SLOW, "LOG_LEVEL=DEBUG", warc=site_warc)
    proc = start_crawl(slow, tmp_path / "killed.log")
    try:
        moment = KILL_POINTS[when]()
        wait_until(lambda: moment(archive), 30, f"the kill point {when!r}", proc)
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        assert stop(proc, 10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert len(post_files(archive)) < len(replay_site.fixture_articles()), "killed too late"

    result = run_crawl(crawl_command(archive, urls, warc=site_warc))
    assert result.returncode == 0, result.stderr[-3000:]
    check_whole_archive(archive)


# -- JOBDIR: a stopped crawl resumes where it stopped ------------------------------------------
def test_a_crawl_stopped_with_sigint_resumes_from_its_jobdir(tmp_path, site_warc):
    archive = tmp_path / "archive"
    cmd = crawl_command(
        archive, replay_site.START_URLS, *SLOW, f"JOBDIR={tmp_path / 'job'}", warc=site_warc
    )
    proc = start_crawl(cmd, tmp_path / "first.log")
    try:
        wait_until(lambda: post_files(archive), 30, "the first post", proc)
        proc.send_signal(signal.SIGINT)
        first = stop(proc, 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    log = (tmp_path / "first.log").read_text()
    assert first == 3, log[-3000:]
    assert "Closing spider (shutdown)" in log
    done_first = len(post_files(archive))
    assert done_first < len(replay_site.fixture_articles()), "stopped too late to resume anything"
    assert any((tmp_path / "job").iterdir()), "Scrapy kept nothing in the JOBDIR"

    result = run_crawl(cmd)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Resuming crawl" in result.stderr
    check_whole_archive(archive)
