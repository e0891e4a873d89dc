"""`Archive.save` throughput alone: one by one against group commit (issue 11).

    .venv/bin/python benchmarks/store.py [--articles 640] [--batch 64] [--dir /var/tmp]

The same made-up articles (real-sized Chinese bodies; extraction excluded: Article objects are
made up front) are written into two new archives on the same disk: one `Archive.save` each,
then `Archive.save_many` in batches of `--batch`. Both are timed in this one run and the ratio
printed; the machine is shared, so the ratio is what counts. The archives go under `--dir`
(default: the system's temp folder; it must be a real disk, not a tmpfs, for fsync to cost).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=640)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    articles = [article(n) for n in range(args.articles)]
    fetched = datetime.now(UTC)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        single = one_by_one(Path(tmp) / "single", articles, fetched)
        group = batched(Path(tmp) / "batched", articles, fetched, args.batch)
    n = args.articles
    print(f"Archive.save, one by one:          {n / single:8.1f} articles/s ({single:.2f} s)")
    print(
        f"Archive.save_many, batches of {args.batch:<3}: {n / group:8.1f} articles/s ({group:.2f} s)"
    )
    print(f"ratio batched / one by one: {single / group:.2f}x   (N = {n})")


if __name__ == "__main__":
    main()
