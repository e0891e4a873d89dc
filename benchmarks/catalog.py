"""Catalog costs as the archive grows, and what a no-op re-run costs next to the first run.

    .venv/bin/python benchmarks/catalog.py [--sizes 1000,100000,1000000] [--articles 100000]

1. Seen-check (the lookup IncrementalMiddleware makes per article request) and upsert (the
   row write per saved article) at each catalog size, per operation; they should stay flat:
   the last line's ratios compare the largest size with the smallest.
2. A first run that writes `--articles` articles through Archive.save (post file + journal +
   catalog row; extraction excluded: Article objects are made up front) against the no-op
   re-run of the same articles through IncrementalMiddleware (each one found archived and
   not requested). Figures are measured in this one run and printed as ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from scrapy import Request  # noqa: E402
from scrapy.exceptions import IgnoreRequest  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

from crawler.downloader.incremental import IncrementalMiddleware  # noqa: E402
from crawler.extract.article import Article  # noqa: E402
from crawler.store.archive import Archive  # noqa: E402
from crawler.store.catalog import Catalog  # noqa: E402

UTC8 = timezone(timedelta(hours=8))
BASE = datetime(2020, 1, 1, tzinfo=UTC8)
SAMPLES = 2000


def row(n: int) -> dict:
    day = BASE + timedelta(minutes=n)
    story = f"story{day:%Y%m%d}-{n}"
    return {
        "url": f"https://www.zaobao.com/realtime/china/{story}",
        "source": "zaobao",
        "id": story,
        "title": f"标题 {n}",
        "published": day.isoformat(),
        "path": f"_posts/zaobao/{day:%Y}/{day:%Y-%m-%d}-{story}.md",
        "text_hash": f"sha256:{n:064x}",
        "fetched": day.isoformat(),
        "checked": day.isoformat(),
    }


def grow(catalog: Catalog, start: int, stop: int) -> None:
    batch = 50_000
    for low in range(start, stop, batch):
        with catalog.db.conn:
            catalog.db["articles"].insert_all(
                (row(n) for n in range(low, min(stop, low + batch))), batch_size=5000
            )


def per_op_us(fn, items) -> float:
    times = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6


def catalog_costs(sizes: list[int], folder: Path) -> list[tuple[int, float, float]]:
    catalog = Catalog(folder / "catalog.db")
    results, have = [], 0
    for size in sizes:
        grow(catalog, have, size)
        have = size
        step = max(1, size // SAMPLES)
        probes = [row(n) for n in range(0, size, step)][:SAMPLES]
        seen = per_op_us(lambda r: catalog.find(r["source"], r["id"]), probes)
        fresh = [row(n) for n in range(size, size + SAMPLES)]
        upsert = per_op_us(catalog.record, fresh)
        have += SAMPLES
        results.append((size, seen, upsert))
    catalog.close()
    return results


def article(n: int) -> Article:
    day = BASE + timedelta(minutes=n)
    return Article(
        source="zaobao",
        id=f"story{day:%Y%m%d}-{n}",
        url=f"https://www.zaobao.com/realtime/china/story{day:%Y%m%d}-{n}",
        title=f"第{n}篇：测试标题",
        published=day,
        body="\n\n".join(f"第{n}篇第{p}段，正文用来测量写入的代价。" * 4 for p in range(8)),
        publication="联合早报",
        bylines=["记者"],
        section="中国",
        keywords=["测试"],
    )


def first_and_noop_run(count: int, folder: Path) -> tuple[float, float]:
    articles = [article(n) for n in range(count)]
    archive = Archive(folder / "archive")
    fetched = datetime.now(UTC)
    t = time.perf_counter()
    for a in articles:
        archive.save(a, fetched)
    first = time.perf_counter() - t
    archive.close()
    crawler = get_crawler(
        settings_dict={"ARCHIVE_DIR": str(folder / "archive"), "REVISIT_AFTER": ""}
    )
    middleware = IncrementalMiddleware.from_crawler(crawler)
    requests = [Request(a.url, meta={"article_key": f"zaobao:{a.id}"}) for a in articles]
    t = time.perf_counter()
    for request in requests:
        with contextlib.suppress(IgnoreRequest):
            middleware.process_request(request)
    noop = time.perf_counter() - t
    skipped = crawler.stats.get_value("newsarchive/already_archived")
    assert skipped == count, f"the no-op run skipped {skipped} of {count}"
    return first, noop


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        costs = catalog_costs(sizes, Path(tmp))
        print(f"{'rows':>10} {'seen-check µs':>14} {'upsert µs':>10}")
        for size, seen, upsert in costs:
            print(f"{size:>10} {seen:>14.1f} {upsert:>10.1f}")
        first, noop = first_and_noop_run(args.articles, Path(tmp))
    print(
        f"first run: {args.articles} articles written in {first:.1f} s ({args.articles / first:.0f}/s)"
    )
    print(f"no-op re-run: {args.articles} articles checked in {noop:.2f} s")
    small, large = costs[0], costs[-1]
    print(
        f"seen_check_ratio_{large[0]}_vs_{small[0]}={large[1] / small[1]:.2f} "
        f"upsert_ratio_{large[0]}_vs_{small[0]}={large[2] / small[2]:.2f} "
        f"noop_vs_first_run={noop / first:.4f}"
    )


if __name__ == "__main__":
    main()
