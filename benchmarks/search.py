"""Search latency and index size at a million articles, and the old trigram + scan search.

    .venv/bin/python benchmarks/search.py [--articles 1000000] [--compare 100000] [--queries 50]

1. Builds a catalog of `--articles` synthetic articles in a temp dir: real paragraphs from
   ``../shared/corpus`` (evaluation gold texts and Jekyll posts, Simplified and Traditional)
   reshuffled into articles of 4-12 paragraphs with a title cut from another. They go in through
   the code path of ``newsarchive reindex`` (articles row + `index_text` per article, batches of
   `BATCH` articles per transaction, then `optimize_index`): build time and peak RSS.
2. At `--compare` articles (on the way) and at `--articles`: median and p95 latency of ranked
   searches (`ranked`, best 20, parsing included) for 1-, 2-, 3-, 4-character and two-word
   queries, each in Simplified and in Traditional script: substrings of the corpus text at
   random positions (so frequent characters and words come up as often as in the text).
3. Index size per article: the ``texts`` table (the normalised text) and the FTS5 index
   (``texts_fts_*``) against the articles' text (title + body, UTF-8 bytes).
4. The previous search (trigram FTS5 for 3+ characters, a substring scan for shorter words;
   kept below, not in the product) on a catalog of the first `--compare` articles: the same
   queries, and the ratio old/new of the medians.

The catalog is in the OS page cache (warm) when queries run: figures are for a warm catalog.
"""

from __future__ import annotations

import argparse
import glob
import json
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import opencc  # noqa: E402
import sqlite_utils  # noqa: E402

from crawler.store.catalog import MIGRATIONS, Catalog, _bigram_search  # noqa: E402
from crawler.store.search import (  # noqa: E402
    Query,
    index_text,
    normalise,
    optimize_index,
    ranked,
)

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
BATCH = 10_000
LIMIT = 20
KINDS = ("1 char", "2 chars", "3 chars", "4 chars", "two words")
UTC8 = timezone(timedelta(hours=8))
BASE = datetime(2015, 1, 1, tzinfo=UTC8)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_TAGS = re.compile(r"<[^>]+>")


# -- the text ------------------------------------------------------------------------------------
def paragraphs(corpus: Path) -> list[str]:
    """Distinct paragraphs with some Chinese (20+ characters) from the corpus's texts."""
    found: dict[str, None] = {}
    texts = []
    for file in sorted(glob.glob(str(corpus / "eval" / "*" / "*.json"))):
        texts.append(json.loads(Path(file).read_text(encoding="utf-8")).get("text", ""))
    for file in sorted(glob.glob(str(corpus / "jekyll_posts" / "**" / "*.md"), recursive=True)):
        body = Path(file).read_text(encoding="utf-8").split("---", 2)[-1]
        texts.append(_TAGS.sub("\n", body))
    for text in texts:
        for line in text.splitlines():
            line = " ".join(line.split())
            if len(line) >= 20 and len(_HAN.findall(line)) >= 10:
                found[line] = None
    return list(found)


def article(n: int, pool: list[str]) -> dict:
    rnd = random.Random(n)
    day = BASE + timedelta(minutes=5 * n)
    story = f"story{day:%Y%m%d}-{n}"
    title = rnd.choice(pool)[: rnd.randint(10, 30)]
    body = "\n\n".join(rnd.choice(pool) for _ in range(rnd.randint(4, 12)))
    return {
        "url": f"https://www.zaobao.com/realtime/china/{story}",
        "source": "zaobao",
        "id": story,
        "title": title,
        "body": body,
        "published": day.isoformat(),
        "path": f"_posts/zaobao/{day:%Y}/{day:%Y-%m-%d}-{story}.md",
        "text_hash": f"sha256:{n:064x}",
        "fetched": day.isoformat(),
    }


def articles(start: int, stop: int, pool: list[str]) -> Iterator[dict]:
    for n in range(start, stop):
        yield article(n, pool)


def queries(pool: list[str], per_kind: int) -> dict[tuple[str, str], list[str]]:
    """(kind, script) -> queries: substrings of the text at random positions."""
    rnd = random.Random(42)
    simplified = [normalise(p) for p in pool]
    to_traditional = opencc.OpenCC("s2t")

    def cjk_substring(length: int, text: str | None = None) -> str:
        for _ in range(1000):
            text = text or rnd.choice(simplified)
            start = rnd.randrange(len(text))
            piece = text[start : start + length]
            if len(piece) == length and len(_HAN.findall(piece)) == length:
                return piece
        return cjk_substring(length)  # not in this paragraph: another one

    made: dict[tuple[str, str], list[str]] = {}
    for kind in KINDS:
        simp = []
        for _ in range(per_kind):
            if kind == "two words":  # two words of one paragraph (so some articles have both)
                text = rnd.choice(simplified)
                simp.append(f"{cjk_substring(2, text)} {cjk_substring(2, text)}")
            else:
                simp.append(cjk_substring(int(kind[0])))
        made[(kind, "Simplified")] = simp
        made[(kind, "Traditional")] = [to_traditional.convert(q) for q in simp]
    return made


# -- building ------------------------------------------------------------------------------------
def grow(catalog: Catalog, start: int, stop: int, pool: list[str]) -> int:
    """The articles rows (plain inserts), then per article what reindex does for the search
    index (`index_text`: normalise, store, index), BATCH articles per transaction. Returns the
    size of their text (title + body, UTF-8 bytes)."""
    db, text = catalog.db, 0
    for low in range(start, stop, BATCH):
        batch = list(articles(low, min(stop, low + BATCH), pool))
        with db.atomic():
            columns = [c for c in batch[0] if c != "body"]
            db.conn.executemany(
                f"insert into articles ({', '.join(columns)}) values "
                f"({', '.join('?' for _ in columns)})",
                ([row[c] for c in columns] for row in batch),
            )
            for row in batch:
                text += len(row["title"].encode()) + len(row["body"].encode())
                index_text(
                    db, row["source"], row["id"], row["url"], row["title"], row["body"], False
                )
    return text


def text_bytes(start: int, stop: int, pool: list[str]) -> int:
    return sum(
        len(a["title"].encode()) + len(a["body"].encode()) for a in articles(start, stop, pool)
    )


def sizes(db: sqlite_utils.Database) -> dict[str, int]:
    rows = db.execute("select name, sum(pgsize) from dbstat group by name").fetchall()
    by_name = dict(rows)
    texts = sum(
        v for k, v in by_name.items() if k == "texts" or k.startswith("sqlite_autoindex_texts")
    )
    fts = sum(v for k, v in by_name.items() if k.startswith("texts_fts"))
    return {"texts": texts, "fts": fts, "file": sum(by_name.values())}


def peak_rss_mb() -> float:
    """Peak RSS; once queries ran it includes the catalog pages they read through mmap."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def heap_mb() -> float:
    """Anonymous memory now (RssAnon: the heap, not the mapped catalog)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# -- the previous search (trigram + scan), kept here for the comparison only --------------------
def old_catalog(path: Path, n: int, pool: list[str]) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    steps = MIGRATIONS[: MIGRATIONS.index(_bigram_search)]
    for step in steps:
        step(db)  # the schema before the bigram index: trigram FTS5 kept by triggers
    for low in range(0, n, BATCH):
        with db.atomic():
            for row in articles(low, min(n, low + BATCH), pool):
                body = row.pop("body")
                db["articles"].insert(row)
                db.execute(
                    "insert into texts (source, id, url, title, body) values (?, ?, ?, ?, ?)",
                    [
                        row["source"],
                        row["id"],
                        row["url"],
                        normalise(row["title"]),
                        normalise(body),
                    ],
                )
    return db


def old_search(db: sqlite_utils.Database, text: str, limit: int = LIMIT) -> list:
    """The previous `run_query(ranked=True)`: trigram phrases for 3+ characters, ``instr`` for
    shorter terms, and a scan ranked by occurrences when no term is 3+ characters."""
    terms = [t for t in dict.fromkeys(normalise(text).lower().split()) if t]
    indexed = [t for t in terms if len(t) >= 3]
    short = [t for t in terms if len(t) < 3]
    where, params = [], []
    for term in short:
        where.append("(instr(lower(t.title), ?) > 0 or instr(lower(t.body), ?) > 0)")
        params += [term, term]
    if indexed:
        select = "bm25(texts_fts, 5.0, 1.0) as score"
        source = (
            "texts_fts join texts t on t.rowid = texts_fts.rowid "
            "join articles a on a.source = t.source and a.id = t.id"
        )
        where.insert(0, "texts_fts match ?")
        params.insert(0, " ".join('"' + t.replace('"', '""') + '"' for t in indexed))
    else:
        counts, counted = [], []
        for term in short:
            counts.append(
                f"-(5.0 * (length(t.title) - length(replace(lower(t.title), ?, '')))"
                f" + (length(t.body) - length(replace(lower(t.body), ?, '')))) / {len(term)}"
            )
            counted += [term, term]
        params = counted + params
        select = f"({' + '.join(counts)}) as score"
        source = "texts t join articles a on a.source = t.source and a.id = t.id"
    sql = f"select a.*, t.title as ntitle, t.body as nbody, {select} from {source}"
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by score, a.published desc limit ?"
    return db.execute(sql, [*params, limit]).fetchall()


# -- measuring -----------------------------------------------------------------------------------
def latencies(search: Callable[[str], object], qs: list[str]) -> tuple[float, ...]:
    """(median, p95) of the wall time, then of this process's CPU time, in milliseconds."""
    wall, cpu = [], []
    for q in qs:
        t, c = time.perf_counter(), time.process_time()
        search(q)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return (*_median_p95(wall), *_median_p95(cpu))


def _median_p95(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def measure(db, made, search) -> dict[tuple[str, str], tuple[float, ...]]:
    for qs in made.values():  # warm up: the catalog's pages into the OS cache
        for q in qs[:3]:
            search(q)
    return {key: latencies(search, qs) for key, qs in made.items()}


def print_latencies(label: str, figures: dict) -> None:
    print(f"\n{label}: ms per query (median / p95), best {LIMIT} hits; wall | CPU")
    print(f"{'query':<12}{'Simplified':>32}{'Traditional':>32}")
    for kind in KINDS:
        cells = [
            "{:6.1f} /{:6.1f} | {:5.1f} /{:6.1f}".format(*figures[(kind, s)])
            for s in ("Simplified", "Traditional")
        ]
        print(f"{kind:<12}{cells[0]:>32}{cells[1]:>32}", flush=True)


def print_sizes(n: int, text: int, found: dict[str, int]) -> None:
    index = found["texts"] + found["fts"]
    print(
        f"\nsize at {n:,} articles: text {text / n:,.0f} B/article; "
        f"texts table {found['texts'] / n:,.0f} B + FTS5 index {found['fts'] / n:,.0f} B "
        f"= {index / n:,.0f} B/article = {index / text:.2f}x the text "
        f"(FTS5 alone {found['fts'] / text:.2f}x); catalog file {found['file'] / 1e6:,.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--compare", type=int, default=100_000, help="0: no comparison")
    parser.add_argument(
        "--marks",
        type=lambda v: [int(x) for x in v.split(",") if x],
        default=[250_000, 500_000],
        help="also measure at these sizes on the way (comma-separated)",
    )
    parser.add_argument("--queries", type=int, default=50, help="per kind and script")
    parser.add_argument("--old-queries", type=int, default=10, help="per kind and script")
    parser.add_argument("--dir", type=Path, help="build here (default: a temp dir, removed)")
    parser.add_argument("--catalog", type=Path, help="only measure queries on this catalog")
    args = parser.parse_args()
    if not (CORPUS / "eval").is_dir():
        sys.exit(f"no corpus at {CORPUS}: this benchmark reads its text from there")
    pool = paragraphs(CORPUS)
    made = queries(pool, args.queries)
    few = {key: qs[: args.old_queries] for key, qs in made.items()}  # for the previous search
    print(
        f"{len(pool):,} distinct paragraphs from {CORPUS}; {args.queries} queries per kind and script"
    )
    if args.catalog:
        catalog = Catalog(args.catalog)
        n = catalog.db.execute("select count(*) from texts").fetchone()[0]
        figures = measure(
            catalog.db, made, lambda q: ranked(catalog.db, Query.parse(q), [], [], limit=LIMIT)
        )
        print_latencies(f"n-gram search at {n:,} articles ({args.catalog})", figures)
        catalog.close()
        return
    with tempfile.TemporaryDirectory(prefix="bench-search-", dir=args.dir) as tmp:
        folder = Path(tmp)
        catalog = Catalog(folder / "catalog.db")
        db = catalog.db

        def search(q: str) -> list:
            return ranked(db, Query.parse(q), [], [], limit=LIMIT)

        compare = min(args.compare, args.articles)
        marks = sorted({m for m in (compare, *args.marks, args.articles) if 0 < m <= args.articles})
        built, build_seconds, text = 0, 0.0, 0
        for mark in marks:
            t = time.perf_counter()
            text += grow(catalog, built, mark, pool)
            build_seconds += time.perf_counter() - t
            built = mark
            print(
                f"\nbuilt {built:,} articles in {build_seconds:,.0f} s wall, {cpu_seconds():,.0f} s "
                f"CPU ({built / build_seconds:,.0f} articles/s wall), heap {heap_mb():,.0f} MB, "
                f"peak RSS {peak_rss_mb():,.0f} MB (with the catalog pages mapped by searches)",
                flush=True,
            )
            figures = measure(db, made, search)
            print_latencies(f"n-gram search at {built:,} articles (index as built)", figures)
            print_sizes(built, text, sizes(db))
            if built == compare:
                compare_previous(folder, compare, pool, few, measure(db, few, search), args)
        t = time.perf_counter()
        optimize_index(db)
        db.conn.commit()
        print(
            f"\noptimize (as reindex ends): {time.perf_counter() - t:,.0f} s wall, "
            f"heap {heap_mb():,.0f} MB",
            flush=True,
        )
        figures = measure(db, made, search)
        print_latencies(f"n-gram search at {built:,} articles (optimized)", figures)
        print_sizes(built, text, sizes(db))
        catalog.close()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def compare_previous(folder: Path, n: int, pool: list[str], few: dict, new: dict, args) -> None:
    """The previous search on the first `n` articles, and its ratio to the bigram search."""
    t = time.perf_counter()
    old = old_catalog(folder / "old.db", n, pool)
    print(f"\nprevious search: built {n:,} articles in {time.perf_counter() - t:,.0f} s")
    old_figures = measure(old, few, lambda q: old_search(old, q))
    print_latencies(f"previous search (trigram + scan) at {n:,} articles", old_figures)
    found = sizes(old)
    print(
        f"previous index: {(found['texts'] + found['fts']) / text_bytes(0, n, pool):.2f}x the text"
    )
    old.close()
    (folder / "old.db").unlink()
    print(
        f"\nratio previous / n-gram at {n:,} articles, the same {args.old_queries} queries "
        "per kind and script (medians, wall | CPU; >1: n-gram is faster)"
    )
    print(f"{'query':<12}{'Simplified':>32}{'Traditional':>32}")
    for kind in KINDS:
        cells = [
            f"{old_figures[(kind, s)][0] / new[(kind, s)][0]:8.1f}x | "
            f"{old_figures[(kind, s)][2] / max(new[(kind, s)][2], 0.01):6.1f}x"
            for s in ("Simplified", "Traditional")
        ]
        print(f"{kind:<12}{cells[0]:>32}{cells[1]:>32}", flush=True)


if __name__ == "__main__":
    main()
