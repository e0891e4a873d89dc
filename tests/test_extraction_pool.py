"""Extraction in worker processes: same results, crashes retried or reported, clean shutdown."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXTURES

from crawler.extract import NotAnArticle, extract_article
from crawler.pipelines.extraction_pool import ExtractionPool, WorkerCrashed, worker_count
from crawler.sources import get_source

PAGE = (FIXTURES / "zaobao" / "era2021_article_body.html").read_bytes()
URL = "https://www.zaobao.com/realtime/china/story20210615-1157733"
MARKER = "NEWSARCHIVE_TEST_CRASH_MARKER"


def crash_once(body) -> None:
    """A fix_body hook that kills its worker process the first time (a marker file remembers)."""
    marker = Path(os.environ[MARKER])
    if not marker.exists():
        marker.write_text("crashed once")
        os._exit(1)


def crash_always(body) -> None:
    os._exit(1)


def run(pool: ExtractionPool, source=None, body: bytes = PAGE):
    async def go():
        try:
            return await pool.extract(body, URL, {"Content-Type": "text/html"}, source, [], None)
        finally:
            pool.close()

    return asyncio.run(go())


def test_a_worker_gives_what_extraction_in_process_gives():
    assert run(ExtractionPool(2)) == extract_article(PAGE, URL, {"Content-Type": "text/html"})


def test_not_an_article_crosses_the_process_boundary_with_its_reason():
    with pytest.raises(NotAnArticle) as caught:
        run(ExtractionPool(1), body=b"\x00\x01\x02 binary")
    assert caught.value.reason == "binary"


def test_a_crashed_worker_loses_no_page(tmp_path, monkeypatch):
    monkeypatch.setenv(MARKER, str(tmp_path / "crashed"))
    source = replace(get_source("zaobao"), fix_body=crash_once)
    article = run(ExtractionPool(1), source)
    assert (tmp_path / "crashed").exists() and article.title


def test_a_page_that_always_crashes_its_worker_is_reported():
    source = replace(get_source("zaobao"), fix_body=crash_always)
    with pytest.raises(WorkerCrashed):
        run(ExtractionPool(1), source)


def test_close_stops_every_worker():
    pool = ExtractionPool(2)
    run(pool)
    assert pool._pool is None
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    commands = [Path(f"/proc/{c}/cmdline").read_bytes() for c in children]
    assert [c for c in commands if b"spawn_main" in c] == [], commands


@pytest.mark.parametrize(
    ("setting", "expected"), [("auto", os.cpu_count()), ("", os.cpu_count()), (0, 0), ("3", 3)]
)
def test_worker_count(setting, expected):
    assert worker_count(setting) == expected


def test_workers_that_cannot_start_give_way_to_extraction_in_process(monkeypatch):
    import crawler.pipelines.extraction_pool as module

    pool = ExtractionPool(2)

    class Broken:
        def __init__(self, *a, **k):
            pass

        def submit(self, *a, **k):
            raise module.BrokenProcessPool("no worker can start")

        def shutdown(self, *a, **k):
            pass

    monkeypatch.setattr(module, "ProcessPoolExecutor", Broken)

    async def go():
        articles = []
        for _ in range(2):  # one page, tried in two pools, then another in a third
            try:
                articles.append(
                    await pool.extract(PAGE, URL, {"Content-Type": "text/html"}, None, [], None)
                )
            except WorkerCrashed:
                articles.append(None)
        return articles

    first, second = asyncio.run(go())
    assert first is None and second.title and pool.workers == 0
