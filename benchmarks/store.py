"""`Archive.save` throughput alone: one by one against group commit (issue 11); and the two
other writers, `newsarchive reextract` and `newsarchive ingest`, next to plain trafilatura.

    .venv/bin/python benchmarks/store.py [--articles 640] [--batch 64] [--dir /var/tmp]
        [--reextract 300] [--ingest 640]

The same made-up articles (real-sized Chinese bodies; extraction excluded: Article objects are
made up front) are written into two new archives on the same disk: one `Archive.save` each,
then `Archive.save_many` in batches of `--batch`. Both are timed in this one run and the ratio
printed; the machine is shared, so the ratio is what counts. The archives go under `--dir`
(default: the system's temp folder; it must be a real disk, not a tmpfs, for fsync to cost).

`--reextract N`: benchmarks/crawl.py's replay WARC (N real zaobao pages from ../shared/corpus,
each under its own story URL) re-extracted into a new archive (`reextract(add_new=True)`:
extraction pool + group commit) -> articles/s, and plain `trafilatura.extract` on the same
pages in one process -> pages/s; the ratio. `--ingest N`: N articles queued in a loopback
redis-server of its own, ingested by `Ingester` with batches (default) and one by one
(batch_size=1) -> articles/s each (the idle wait that ends the run is not counted).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawler.extract.article import Article  # noqa: E402
from crawler.store.archive import NEW, Archive, ToSave  # noqa: E402

UTC8 = timezone(timedelta(hours=8))
BASE = datetime(2024, 1, 1, tzinfo=UTC8)
PARAGRAPH = (
    "新加坡政府今天宣布一系列措施，以应对人口老龄化带来的挑战，包括延长退休年龄和加强医疗保障。"
)


def article(n: int) -> Article:
    day = BASE + timedelta(hours=n)
    story = f"story{day:%Y%m%d}-{n}"
    body = "\n\n".join(f"第{n}篇第{p}段。{PARAGRAPH * 3}" for p in range(12))  # ~2,000 chars
    return Article(
        source="zaobao",
        id=story,
        url=f"https://www.zaobao.com/realtime/china/{story}",
        title=f"标题 {n}：人口老龄化",
        published=day,
        body=body,
        publication="联合早报",
        bylines=["某记者"],
        section="中国",
        lang="zh",
    )


def one_by_one(root: Path, articles: list[Article], fetched: datetime) -> float:
    archive = Archive(root)
    start = time.perf_counter()
    for a in articles:
        assert archive.save(a, fetched).outcome == NEW
    elapsed = time.perf_counter() - start
    archive.close()
    return elapsed


def batched(root: Path, articles: list[Article], fetched: datetime, size: int) -> float:
    archive = Archive(root)
    start = time.perf_counter()
    for low in range(0, len(articles), size):
        results = archive.save_many([ToSave(a, fetched) for a in articles[low : low + size]])
        assert all(getattr(r, "outcome", None) == NEW for r in results), results
    elapsed = time.perf_counter() - start
    archive.close()
    return elapsed


def reextract_rates(tmp: Path, pages: int) -> tuple[float, float]:
    """(reextract articles/s, plain trafilatura pages/s) over `pages` replayed real pages."""
    from crawl import trafilatura_rate, write_replay

    from crawler.store.reextract import article_captures, reextract

    warc = tmp / "site.warc.gz"
    _, bodies = write_replay(warc, pages, 100)
    archive = Archive(tmp / "reextracted")
    start = time.perf_counter()
    counts = reextract(archive, article_captures([warc]), add_new=True)
    elapsed = time.perf_counter() - start
    archive.close()
    assert counts.get(NEW, 0) == pages, counts
    return pages / elapsed, trafilatura_rate(bodies, pages)


IDLE = 0.5


def ingest_rate(tmp: Path, articles: list[Article], batch_size: int) -> float:
    """Articles/s of one `Ingester` run over `articles` queued in a fresh Redis."""
    import redis
    from distributed import start_redis

    from crawler.distributed import Keys
    from crawler.distributed.codec import encode_article
    from crawler.distributed.ingest import Ingester

    folder = tmp / f"redis-{batch_size}"
    folder.mkdir()
    proc, url = start_redis(folder)
    try:
        server = redis.Redis.from_url(url)
        keys = Keys("bench")
        for a in articles:
            a.fetched = datetime.now(UTC)
            server.lpush(keys.items, encode_article(a))
        ingester = Ingester(server, tmp / f"ingested-{batch_size}", prefix="bench", block=0.05)
        ingester.batch_size = batch_size
        start = time.perf_counter()
        report = ingester.run(until_idle=IDLE)
        elapsed = time.perf_counter() - start - IDLE
        assert report["counts"]["new"] == len(articles), report["counts"]
    finally:
        proc.terminate()
        proc.wait(10)
    return len(articles) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=640)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--reextract", type=int, default=0, metavar="N")
    parser.add_argument("--ingest", type=int, default=0, metavar="N")
    args = parser.parse_args()
    articles = [article(n) for n in range(args.articles)]
    fetched = datetime.now(UTC)
    n = args.articles
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        single = one_by_one(Path(tmp) / "single", articles, fetched)
        group = batched(Path(tmp) / "batched", articles, fetched, args.batch)
        print(f"Archive.save, one by one:           {n / single:8.1f} articles/s ({single:.2f} s)")
        print(
            f"Archive.save_many, batches of {args.batch:<4} {n / group:8.1f} articles/s ({group:.2f} s)"
        )
        print(f"ratio batched / one by one: {single / group:.2f}x   (N = {n})")
        if args.reextract:
            rate, plain = reextract_rates(Path(tmp), args.reextract)
            print(f"reextract (pool + batches):         {rate:8.1f} articles/s")
            print(f"plain trafilatura, one process:     {plain:8.1f} pages/s")
            print(
                f"ratio reextract / plain trafilatura: {rate / plain:.2f}x   (N = {args.reextract})"
            )
        if args.ingest:
            queued = [article(n) for n in range(args.ingest)]
            batches = ingest_rate(Path(tmp), queued, args.batch)
            single_rate = ingest_rate(Path(tmp), [article(n) for n in range(args.ingest)], 1)
            print(f"ingest, batches of {args.batch:<4}             {batches:8.1f} articles/s")
            print(f"ingest, one by one:                 {single_rate:8.1f} articles/s")
            print(
                f"ratio ingest batched / one by one: {batches / single_rate:.2f}x   (N = {args.ingest})"
            )
            if args.reextract:
                print(f"ratio ingest batched / plain trafilatura: {batches / plain:.2f}x")


if __name__ == "__main__":
    main()
