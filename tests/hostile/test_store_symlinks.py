"""Files stay inside the archive: a symlink planted under it is never written, read or deleted
through, and `verify` reports every one (issue 10)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.store.archive import Archive
from crawler.store.atomic import OutsideArchive, unlink_inside, write_atomic
from crawler.store.post import post_path, render_post
from crawler.store.reindex import reindex
from crawler.store.verify import SYMLINK, verify

from .test_store_damaged_catalog import FETCHED, article, make_archive

NEW = article(40)  # not in the archive yet
NEW_PATH = post_path(NEW)  # _posts/zaobao/2024/2024-04-10-....md


def _plant(root: Path, outside: Path, where: str) -> Path:
    """A symlink at `where` (relative to the archive) to the `outside` folder, or, when `where`
    names a file, to a file there; returns the link."""
    link = root / where
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.suffix:
        target = outside / "victim.txt"
        target.write_text("not yours")
    else:
        target = outside
    if link.is_dir() and not link.is_symlink():
        os.rename(link, root / (where + ".moved"))
    link.symlink_to(target)
    return link


#: where a hostile symlink is planted -> what the save of NEW then does
PLACES = {
    "_posts": "_posts",
    "source-folder": "_posts/zaobao",
    "year-folder": f"_posts/zaobao/{NEW_PATH.parts[2]}",
    "the-post-file": str(NEW_PATH),
}


def _outside_untouched(outside: Path) -> None:
    found = sorted(p.relative_to(outside).as_posix() for p in outside.rglob("*"))
    assert found in ([], ["victim.txt"]), f"written outside the archive: {found}"
    if found:
        assert (outside / "victim.txt").read_text() == "not yours"


@pytest.mark.parametrize("place", PLACES)
def test_a_save_never_writes_through_a_symlink(tmp_path, place):
    root = make_archive(tmp_path / "archive", articles=2)
    outside = tmp_path / "outside"
    outside.mkdir()
    link = _plant(root, outside, PLACES[place])
    archive = Archive(root)
    try:
        with pytest.raises(OSError, match="symlink"):
            archive.save(NEW, FETCHED)
    finally:
        archive.close()
    _outside_untouched(outside)
    problems = [p for p in verify(root) if p.kind == SYMLINK]
    assert [p.path for p in problems] == [link.relative_to(root).as_posix()]


def test_the_source_page_is_never_written_through_a_symlink(tmp_path):
    root = tmp_path / "archive"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "sources").symlink_to(outside)
    with pytest.raises(OSError, match="symlink"):
        Archive(root).save(NEW, FETCHED)
    _outside_untouched(outside)
    assert [p.path for p in verify(root) if p.kind == SYMLINK] == ["sources"]


def test_write_atomic_refuses_a_path_outside_its_root(tmp_path):
    with pytest.raises(OutsideArchive):
        write_atomic(tmp_path / "b" / "x.md", "x", root=tmp_path / "a")
    with pytest.raises(OutsideArchive):
        write_atomic(tmp_path / "a" / ".." / "x.md", "x", root=tmp_path / "a")
    assert not (tmp_path / "x.md").exists() and not (tmp_path / "b").exists()


def test_an_update_never_reads_the_old_post_through_a_symlink(tmp_path):
    """The old version of an updated post goes into `revisions`: not a file from elsewhere."""
    root = make_archive(tmp_path / "archive", articles=1)
    old = root / post_path(article(0))
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2")
    old.unlink()
    old.symlink_to(secret)
    archive = Archive(root)
    try:
        with pytest.raises(OSError, match="symlink"):
            archive.save(article(0).__class__(**{**article(0).__dict__, "body": "改了"}), FETCHED)
        posts = [r["post"] or "" for r in archive.catalog.db["revisions"].rows]
    finally:
        archive.close()
    assert not any("hunter2" in p for p in posts)
    assert secret.read_text() == "password=hunter2"


def test_a_moved_post_never_deletes_through_a_symlinked_folder(tmp_path):
    root = make_archive(tmp_path / "archive", articles=1)
    first = article(0)
    year = root / post_path(first).parent
    outside = tmp_path / "outside"
    os.rename(year, outside)  # the year folder now lives outside, reached by a symlink
    year.symlink_to(outside)
    victim = outside / post_path(first).name
    assert victim.is_file()
    moved = first.__class__(
        **{**first.__dict__, "published": first.published + timedelta(days=400)}
    )
    archive = Archive(root)
    try:
        with pytest.raises(OSError, match="symlink"):  # its old version is not ours to read
            archive.save(moved, FETCHED)
    finally:
        archive.close()
    assert victim.is_file(), "a file outside the archive was deleted"
    assert unlink_inside(root, post_path(first)) is False
    assert victim.is_file(), "a file outside the archive was deleted"


def test_readers_skip_a_post_that_is_a_symlink(tmp_path):
    root = make_archive(tmp_path / "archive", articles=2)
    post = root / post_path(article(1))
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text(post.read_text(encoding="utf-8").replace("第1篇", "外面的文件"))
    post.unlink()
    post.symlink_to(elsewhere)
    exported = CliRunner().invoke(main, ["export", "--archive", str(root)])
    assert exported.exit_code == 0, exported.output
    assert len(exported.output.splitlines()) == 1 and "外面的文件" not in exported.output
    result = reindex(root)
    assert result.articles == 1, "reindex took in a post file that is a symlink"
    kinds = {p.kind for p in verify(root)}
    assert SYMLINK in kinds


def test_verify_does_not_report_the_users_own_links_beside_the_archive(tmp_path):
    root = make_archive(tmp_path / "archive", articles=1)
    (root / "warc").symlink_to(tmp_path)  # WARCs kept on another disk: the user's business
    assert list(verify(root)) == []


def test_a_symlinked_archive_folder_itself_is_fine(tmp_path):
    real = make_archive(tmp_path / "real", articles=1)
    link = tmp_path / "archive"
    link.symlink_to(real)
    archive = Archive(link)
    try:
        assert archive.save(NEW, FETCHED).outcome == "new"
    finally:
        archive.close()
    assert (real / NEW_PATH).is_file()
    assert render_post(NEW, FETCHED).splitlines()[0] == "---"
    assert list(verify(link)) == []


def test_a_catalog_that_is_a_symlink_is_never_written(tmp_path):
    root = make_archive(tmp_path / "archive", articles=1)
    outside = tmp_path / "outside.db"
    os.rename(root / "catalog.db", outside)
    (root / "catalog.db").symlink_to(outside)
    before = outside.read_bytes()
    with pytest.raises(OSError, match="symlink"):
        Archive(root)
    result = CliRunner().invoke(main, ["reindex", "--archive", str(root)])
    assert result.exit_code == 1 and "symlink" in result.stderr, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert outside.read_bytes() == before
    assert "catalog.db" in [p.path for p in verify(root) if p.kind == SYMLINK]
