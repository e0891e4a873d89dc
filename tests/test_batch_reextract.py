"""`newsarchive reextract` writes through the group commit (`Archive.save_many`, a batch at a
time) and extracts in the worker pool when there are enough captures (issue 11)."""

from __future__ import annotations

import pytest
import replay_site
from test_crash_safety import check_invariants

import crawler.store.reextract as reextract_module
from crawler.store.archive import NEW, UNCHANGED, Archive
from crawler.store.reextract import article_captures, reextract

ARTICLES = 7


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    pages, _ = replay_site.small_site(ARTICLES)
    warc = replay_site.write_warc(tmp_path_factory.mktemp("warc") / "site.warc.gz", pages)
    return article_captures([warc])


@pytest.mark.parametrize("workers", [0, 1])
def test_reextract_saves_in_batches_and_extracts_in_the_pool(
    tmp_path, monkeypatch, captures, workers
):
    monkeypatch.setattr(reextract_module, "BATCH_SIZE", 3)
    monkeypatch.setattr(reextract_module, "POOL_MIN_CAPTURES", 1)
    started = []
    real_start = reextract_module.ExtractionPool.start
    monkeypatch.setattr(
        reextract_module.ExtractionPool,
        "start",
        lambda pool: (started.append(pool.workers), real_start(pool)),
    )
    archive = Archive(tmp_path)
    sizes = []
    real_save_many = archive.save_many
    archive.save_many = lambda items: (sizes.append(len(items)), real_save_many(items))[1]
    counts = reextract(archive, captures, add_new=True, workers=workers)
    assert counts == {NEW: ARTICLES}
    assert sizes == [3, 3, 1]  # one group commit per batch of captures
    assert started[0] == workers
    check_invariants(tmp_path)
    sizes.clear()
    assert reextract(archive, captures, add_new=True, workers=workers) == {UNCHANGED: ARTICLES}
    assert sizes == []  # nothing to write: no commit at all
    archive.close()
