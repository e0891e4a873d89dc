"""Re-run extraction over recorded WARC captures and rewrite the posts whose result changed.

After a fix to an outlet's rules (crawler/sources/) or to the extractor, the archived posts can
be brought up to date without fetching anything: every ``response`` record (status 200) of an
article URL in the WARC files is extracted again with the same code the crawler runs, and
written through `Archive.save`, so a changed post keeps its previous version as a revision and
an unchanged one is not touched.

Per article only its latest capture is used. A capture older than the post's last change
(its ``updated`` time) is not used: it would bring back the text the change replaced. Articles
the archive does not have are left alone unless `add_new` is set.

As in a crawl, extraction runs in the pool of worker processes (crawler/pipelines/extraction_pool.py,
one per core; only for `POOL_MIN_CAPTURES` captures or more, below that starting the workers
costs more than it saves) and the results are written with the group commit of
`Archive.save_many`, `BATCH_SIZE` at a time; the next batch is extracted while one is written.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.timeutils import iso_date_to_datetime

from crawler.extract import Article, NotAnArticle
from crawler.pipelines.extraction_pool import ExtractionPool, worker_count
from crawler.settings import ARCHIVE_BATCH_SIZE
from crawler.sources import source_for_url
from crawler.store.archive import UNCHANGED, Archive, ToSave, unwritable_reason
from crawler.store.atomic import OutsideArchive, read_inside
from crawler.store.post import keep_archived_images, parse_post, post_path
from crawler.store.verify import Progress, no_progress

logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz", ".warc.open", ".warc.gz.open")
#: a capture this much older than the post's last change still counts as the same fetch
#: (the WARC record is written a moment before the crawler stamps the article)
SAME_FETCH = timedelta(minutes=5)
#: outcomes besides Archive.save's (new, updated, unchanged, alias)
NOT_ARCHIVED, OLDER, SKIPPED, FAILED = "not-archived", "older", "skipped", "failed"
#: captures extracted, then saved as one group commit, at a time (the crawl's batch size)
BATCH_SIZE = ARCHIVE_BATCH_SIZE
#: fewer captures than this are extracted in this process (no worker processes started)
POOL_MIN_CAPTURES = 50


@dataclass(frozen=True)
class Capture:
    """Where the latest response record of one article lives."""

    warc: Path
    offset: int
    url: str
    date: datetime


def warc_files(paths: list[Path]) -> list[Path]:
    """The WARC files among `paths` (folders are searched, recursively)."""
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.name.endswith(WARC_SUFFIXES))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"no WARC file or folder {path}")
    return found


def article_captures(files: list[Path]) -> dict[str, Capture]:
    """Canonical article URL -> its latest 200 response capture in `files`."""
    captures: dict[str, Capture] = {}
    for warc in files:
        with warc.open("rb") as fh:
            records = ArchiveIterator(fh)
            try:
                for record in records:
                    capture = _capture(record, warc, records.get_record_offset())
                    if capture is None:
                        continue
                    key, capture = capture
                    old = captures.get(key)
                    if old is None or capture.date >= old.date:
                        captures[key] = capture
            except Exception as exc:  # a torn last record of a killed crawl's .open file
                logger.warning("%s: stopped at a broken record (%s)", warc, type(exc).__name__)
    return captures


def _capture(record: ArcWarcRecord, warc: Path, offset: int) -> tuple[str, Capture] | None:
    if record.rec_type != "response" or not record.http_headers:
        return None
    if record.http_headers.get_statuscode() != "200":
        return None
    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
    source = source_for_url(url)
    canonical = source.canonical_url(url) if source else None
    if not canonical:
        return None
    try:
        date = iso_date_to_datetime(record.rec_headers.get_header("WARC-Date")).replace(tzinfo=UTC)
    except Exception:
        date = datetime.min.replace(tzinfo=UTC)
    return canonical, Capture(warc, offset, url, date)


def read_capture(capture: Capture) -> tuple[bytes, dict[str, str]]:
    """(decoded body, HTTP headers) of one response record."""
    with capture.warc.open("rb") as fh:
        fh.seek(capture.offset)
        record = next(iter(ArchiveIterator(fh)))
        body = record.content_stream().read()
        headers = {k.lower(): v for k, v in record.http_headers.headers}
    headers.pop("content-encoding", None)  # warcio decoded the body
    headers.pop("transfer-encoding", None)
    return body, headers


def reextract(
    archive: Archive,
    captures: dict[str, Capture],
    add_new: bool = False,
    progress: Progress = no_progress,
    workers: int | str = "auto",
) -> Counter:
    """Extract each capture again and save the result; returns the count of each outcome.
    `workers`: extraction processes ("auto": one per core; 0: in this process)."""
    items = sorted(captures.items())
    count = worker_count(workers) if len(items) >= POOL_MIN_CAPTURES else 0
    pool = ExtractionPool(count)
    pool.start()
    try:
        return asyncio.run(_reextract_all(archive, items, add_new, progress, pool))
    finally:
        pool.close()


async def _reextract_all(
    archive: Archive,
    items: list[tuple[str, Capture]],
    add_new: bool,
    progress: Progress,
    pool: ExtractionPool,
) -> Counter:
    counts: Counter = Counter()
    batches = [items[low : low + BATCH_SIZE] for low in range(0, len(items), BATCH_SIZE)]
    bar = iter(progress(items, total=len(items), desc="re-extracting"))
    extracting = _start(archive, batches[0], add_new, pool) if batches else []
    for number in range(len(batches)):
        done = await asyncio.gather(*extracting)
        batch = batches[number]
        if number + 1 < len(batches):  # the workers go on with the next batch meanwhile
            extracting = _start(archive, batches[number + 1], add_new, pool)
            await asyncio.sleep(0)  # let them hand their pages to the workers
        for (canonical, _), outcome in zip(batch, _save(archive, done), strict=True):
            next(bar, None)
            counts[outcome] += 1
            if outcome not in (UNCHANGED, NOT_ARCHIVED):
                logger.info("%s %s", outcome, canonical)
    for _ in bar:  # the progress bar's end
        pass
    return counts


def _start(archive: Archive, batch: list, add_new: bool, pool: ExtractionPool) -> list:
    return [
        asyncio.ensure_future(_reextract_one(archive, canonical, capture, add_new, pool))
        for canonical, capture in batch
    ]


def _save(archive: Archive, done: list[str | ToSave]) -> list[str]:
    """The outcome of each of `done`: the saves among them written as one batch."""
    saves = [d for d in done if isinstance(d, ToSave)]
    results = iter(archive.save_many(saves) if saves else [])
    outcomes = []
    for d in done:
        if not isinstance(d, ToSave):
            outcomes.append(d)
            continue
        result = next(results)
        if isinstance(result, Exception):
            if unwritable_reason(result):  # disk full...: nothing more can be saved
                raise result
            logger.error("could not save %s: %s", d.article.url, result)
            outcomes.append(FAILED)
        else:
            outcomes.append(result.outcome)
    return outcomes


async def _reextract_one(
    archive: Archive, canonical: str, capture: Capture, add_new: bool, pool: ExtractionPool
) -> str | ToSave:
    """An outcome, or the save to make."""
    known = archive.catalog.by_url(canonical)
    if known is None and not add_new:
        return NOT_ARCHIVED
    if known and known.get("updated"):
        changed = datetime.fromisoformat(known["updated"])
        if capture.date + SAME_FETCH < changed:
            return OLDER
    try:
        body, headers = read_capture(capture)
        source = source_for_url(capture.url)
        article: Article = await pool.extract(body, capture.url, headers, source, [], None)
    except NotAnArticle as exc:
        logger.info("skipped %s: %s", capture.url, exc)
        return SKIPPED
    except Exception:  # a bug or a page no rule foresaw: report it, go on
        logger.exception("extraction failed for %s", capture.url)
        return FAILED
    if (
        known
        and known["text_hash"] == article.text_hash
        and known["path"] == str(post_path(article))
    ):
        return UNCHANGED  # not even its last check is touched: the capture may be old
    if known:  # the images its post linked locally stay local (crawler/pipelines/images.py)
        try:
            previous, _ = parse_post(read_inside(archive.root, known["path"]))
            keep_archived_images(article, previous, archive.root)
        except (OSError, ValueError, OutsideArchive):
            pass  # no previous post to read: the article's images link where they were found
    etag, last_modified = headers.get("etag"), headers.get("last-modified")
    return ToSave(article, capture.date, etag=etag, last_modified=last_modified)
