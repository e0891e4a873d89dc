"""The replay index costs the crawling process the same memory for a replay of any size."""

from __future__ import annotations

import gc
import tracemalloc
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.downloader.replay_index import WarcIndex, load_index

SITE = "https://news.example"


def story(n: int) -> str:
    return f"{SITE}/realtime/china/story20240{1 + n % 9}{10 + n % 18}-{1_000_000 + n}?ref=list"


def write_warc(path: Path, records: int) -> Path:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n in range(records):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    story(n), "response", payload=BytesIO(b"<p>%d</p>" % n), http_headers=http
                )
            )
    return path


def index_bytes(path: Path) -> tuple[WarcIndex, int]:
    """The index of `path`, and the Python memory it keeps once built."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = WarcIndex([path])
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return index, kept


@pytest.mark.parametrize(("small", "large"), [(200, 2000), (500, 5000)])
def test_index_memory_does_not_grow_with_the_records(tmp_path: Path, small: int, large: int):
    few, few_bytes = index_bytes(write_warc(tmp_path / "few.warc.gz", small))
    many, many_bytes = index_bytes(write_warc(tmp_path / "many.warc.gz", large))
    assert (len(few), len(many)) == (small, large)
    # two dicts of URL -> capture kept about 420 bytes a record; the index on disk keeps none
    per_record = (many_bytes - few_bytes) / (large - small)
    assert per_record < 8, f"{per_record:.0f} bytes kept per record"
    for n in (0, large // 2, large - 1):
        capture = many.lookup(story(n))
        assert capture is not None and capture.path == tmp_path / "many.warc.gz"
        assert many.lookup(story(n).replace("?ref=list", "?ref=list&")) == capture  # canonical
    assert many.lookup(story(large)) is None
    few.close()
    many.close()


def test_a_new_replay_closes_the_index_of_the_previous_one(tmp_path: Path):
    first = load_index([write_warc(tmp_path / "a.warc.gz", 3)])
    folder = Path(first.db.execute("PRAGMA database_list").fetchone()[2]).parent
    assert folder.is_dir()
    second = load_index([write_warc(tmp_path / "b.warc.gz", 3)])
    assert second is not first and not folder.exists()
    assert load_index([tmp_path / "b.warc.gz"]) is second
