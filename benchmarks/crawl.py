"""End-to-end crawl speed and memory, next to plain trafilatura, measured in one run.

    .venv/bin/python benchmarks/crawl.py [--pages N] [--listing-size K]

Builds a replay (a gzip WARC) of N article pages behind listing pages: real zaobao pages from
../shared/corpus (the saved 2021 page, and that page carrying each of the 30 real posts instead),
each copy under its own story URL with one sentence of its own (so no two have the same text).
Then, from the same machine and the same pages:

- end-to-end: the command a user types, ``scrapy crawl zaobao -s REPLAY_WARC=...`` with default
  settings (only the archive folder and the start pages given), over the replay into a fresh
  archive (fetch, extract, write posts and catalog; start-up included) -> articles/s;
- tuned (an extra row): the same with ``LOG_LEVEL=WARNING`` and 64 concurrent requests;
- fetch only: the same crawl with the pipelines off (no extraction, no writing) -> pages/s;
- plain trafilatura: ``trafilatura.extract`` on the same page bytes, one process -> pages/s;
- peak RSS of the crawl process and its children (extraction workers), sampled from /proc;
- with ``--memory-pages 2000,20000``: the default crawl again over a replay of each size, and
  its peak RSS per size (does memory grow with the crawl?);
- with ``--tracemalloc DIR``: every crawl also writes tracemalloc snapshots of the crawling
  process to DIR (``benchmarks/memory_probe.py``: top allocations by file:line every 1,000
  articles and at the end).

Last line: ``ratio_vs_trafilatura=X.XX`` (default end-to-end articles/s over plain trafilatura's
pages/s).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from io import BytesIO
from pathlib import Path

import trafilatura
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
HOST = "https://www.zaobao.com"


def corpus_pages() -> list[bytes]:
    """Real zaobao pages: the saved 2021 page as it is, and the same page carrying each real
    post's title and body instead (so every page has a real page's weight: navigation, scripts,
    sidebars, about 70 KB)."""
    saved = sorted((CORPUS / "pages" / "zaobao").glob("*.html"))
    if not saved:
        sys.exit(f"no corpus pages under {CORPUS}")
    page = saved[0].read_text(encoding="utf-8")
    start = page.index("<article")
    start = page.index(">", start) + 1
    end = page.index("</article>", start)
    old_title = re.search(r'<h1 class="article-title">\s*(.*?)\s*</h1>', page, re.S).group(1)
    pages = [page.encode()]
    for post in sorted((CORPUS / "jekyll_posts" / "zaobao").glob("*.md")):
        text = post.read_text(encoding="utf-8")
        title = re.search(r'^title: "(.*)"$', text, re.M).group(1)
        body = text.split("------", 1)[1]
        pages.append((page[:start] + body + page[end:]).replace(old_title, title).encode())
    return pages


def article_url(n: int) -> str:
    return f"{HOST}/realtime/china/story2024{1 + n % 12:02d}{1 + n % 28:02d}-{7_000_000 + n}"


def make_page(template: bytes, n: int) -> bytes:
    """A copy with a sentence of its own, so every article has its own text."""
    own = f"<p>这是第{n}篇文章独有的一句话，用来区分内容。</p>".encode()
    for marker in (b"</article>", b"</div>\n</article>", b"</body>"):
        if marker in template:
            return template.replace(marker, own + marker, 1)
    return template + own


def write_replay(
    path: Path, n_pages: int, listing_size: int, keep: int | None = None
) -> tuple[list[str], list[bytes]]:
    """Write the replay; return its listing URLs and the first `keep` article bodies (all by
    default; a 20k-page replay's bodies would take 1.4 GB)."""
    templates = corpus_pages()
    bodies = []
    listings = []
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)

        def put(url: str, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
            payload = gzip.compress(body, compresslevel=1)
            headers = [
                ("Content-Type", ctype),
                ("Content-Encoding", "gzip"),
                ("Content-Length", str(len(payload))),
            ]
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=BytesIO(payload), http_headers=http
                )
            )

        put(f"{HOST}/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain")
        for start in range(0, n_pages, listing_size):
            links = "".join(
                f'<a href="{article_url(n)}">x</a>'
                for n in range(start, min(n_pages, start + listing_size))
            )
            url = f"{HOST}/realtime/china?page={start // listing_size + 1}"
            put(url, f"<html><body>{links}</body></html>".encode())
            listings.append(url)
        for n in range(n_pages):
            body = make_page(templates[n % len(templates)], n)
            put(article_url(n), body)
            if keep is None or n < keep:
                bodies.append(body)
    return listings, bodies


def tree_rss(pid: int, descendants: bool = True) -> int:
    """Resident memory (bytes) of `pid` and (unless told not to) all its descendants."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) * 1024
            if not descendants:
                break
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, AttributeError):
            continue
    return total


def crawl(
    workdir: Path, warc: Path, listings: list[str], *settings: str
) -> tuple[float, int, dict]:
    archive = workdir / f"archive-{time.monotonic_ns()}"
    cmd = [
        sys.executable, "-m", "scrapy", "crawl", "zaobao", "-a", "start_urls=" + ",".join(listings),
        "-s", f"REPLAY_WARC={warc}", "-s", f"ARCHIVE_DIR={archive}", *settings,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    if TRACEMALLOC_DIR:
        cmd += ["-s", f"EXTENSIONS={json.dumps(probe_extensions())}"]
        env[PROBE_ENV] = str(Path(TRACEMALLOC_DIR) / f"{warc.stem}-{archive.name}")
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(proc.stderr), daemon=True)
    reader.start()
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        PROCESS_PEAK[archive.name] = max(
            PROCESS_PEAK.get(archive.name, 0), tree_rss(proc.pid, descendants=False)
        )
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    reader.join()
    text = "".join(log)
    if proc.returncode != 0:
        sys.exit(f"crawl failed ({proc.returncode}):\n{text[-3000:]}")
    stats = {
        k: int(v) for k, v in re.findall(r"'(newsarchive/\w+|item_scraped_count)': (\d+)", text)
    }
    if not stats:  # LOG_LEVEL=WARNING hides the stats dump: count the posts instead
        stats = {"newsarchive/new": sum(1 for _ in (archive / "_posts").rglob("*.md"))}
    return elapsed, peak, stats


#: set by --tracemalloc: where the crawls write their snapshots (benchmarks/memory_probe.py)
TRACEMALLOC_DIR = ""
PROBE_ENV = "NEWSARCHIVE_TRACEMALLOC"
PROBE = "benchmarks.memory_probe.TracemallocProbe"
#: archive folder name -> peak RSS of the crawling process alone (no workers)
PROCESS_PEAK: dict[str, int] = {}


def probe_extensions() -> dict[str, int]:
    """The project's extensions plus the tracemalloc probe (a -s EXTENSIONS value)."""
    sys.path.insert(0, str(REPO))
    from crawler import settings

    return {**settings.EXTENSIONS, PROBE: 0}


def memory_rows(workdir: Path, sizes: list[int], listing_size: int) -> dict[int, int]:
    """Peak RSS (bytes) of the default crawl over a replay of each size in `sizes`."""
    peaks = {}
    for size in sizes:
        warc = workdir / f"site-{size}.warc.gz"
        listings, _ = write_replay(warc, size, listing_size, keep=0)
        PROCESS_PEAK.clear()
        _, peaks[size], stats = crawl(workdir, warc, listings)
        (own,) = PROCESS_PEAK.values() or [0]
        print(f"{size} pages: peak RSS {peaks[size] / 2**20:.0f} MB with the workers, "
              f"{own / 2**20:.0f} MB of it the crawling process alone", flush=True)  # fmt: skip
        written = stats.get("newsarchive/new", 0)
        if written != size:
            sys.exit(f"memory row: expected {size} new articles, got {written}: {stats}")
        warc.unlink()
    return peaks


def trafilatura_rate(bodies: list[bytes], limit: int) -> float:
    sample = bodies[:limit]
    started = time.perf_counter()
    for body in sample:
        trafilatura.extract(body)
    return len(sample) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--listing-size", type=int, default=100)
    parser.add_argument("--trafilatura-sample", type=int, default=600)
    parser.add_argument(
        "--rows",
        default="default,tuned,fetch",
        help="which crawls to run (comma-separated): default, tuned, fetch",
    )
    parser.add_argument(
        "--memory-pages",
        default="",
        help="also run the default crawl at each of these sizes (e.g. 2000,20000): peak RSS",
    )
    parser.add_argument("--tracemalloc", default="", metavar="DIR", help="snapshots to DIR")
    args = parser.parse_args()
    rows = set(args.rows.split(","))
    global TRACEMALLOC_DIR
    TRACEMALLOC_DIR = args.tracemalloc
    sizes = [int(n) for n in args.memory_pages.split(",") if n.strip()]
    results: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        workdir = Path(tmp)
        warc = workdir / "site.warc.gz"
        listings, bodies = write_replay(
            warc, args.pages, args.listing_size, keep=args.trafilatura_sample
        )
        for row, settings in ROWS.items():
            if row not in rows:
                continue
            elapsed, rss, stats = crawl(workdir, warc, listings, *settings)
            if row != "fetch":
                written = stats.get("newsarchive/new", 0)
                if written != args.pages:
                    sys.exit(f"{row}: expected {args.pages} new articles, got {written}: {stats}")
            results[row] = (args.pages / elapsed, rss)
        plain = trafilatura_rate(bodies, args.trafilatura_sample) if results else 0.0
        warc.unlink()
        peaks = memory_rows(workdir, sizes, args.listing_size)
    print(f"pages: {args.pages} ({len(listings)} listing pages), cores: {os.cpu_count()}")
    print(f"{'measure':<46} {'rate':>10} {'peak RSS':>10}")
    for row, (rate, rss) in results.items():
        print(f"{LABELS[row]:<46} {rate:>8.1f}/s {rss / 2**20:>8.0f}MB")
    if results:
        print(f"{'plain trafilatura, 1 process':<46} {plain:>8.1f}/s")
    for row, (rate, rss) in results.items():
        print(f"{row}_vs_trafilatura={rate / plain:.2f} {row}_peak_rss_mb={rss / 2**20:.0f}")
    for size, rss in peaks.items():
        print(f"{f'peak RSS, default crawl, {size:,} pages':<46} {'':>10} {rss / 2**20:>8.0f}MB")
    if len(peaks) > 1:
        (small, low), (large, high) = min(peaks.items()), max(peaks.items())
        print(f"rss_{small}_mb={low / 2**20:.0f} rss_{large}_mb={high / 2**20:.0f} "
              f"rss_growth_mb={(high - low) / 2**20:.0f}")  # fmt: skip
    if "default" in results:
        print(f"ratio_vs_trafilatura={results['default'][0] / plain:.2f}")


#: -s settings of each crawl, on top of REPLAY_WARC, ARCHIVE_DIR and the start pages
ROWS: dict[str, tuple[str, ...]] = {
    "default": (),
    "tuned": (
        "-s", "LOG_LEVEL=WARNING", "-s", "CONCURRENT_REQUESTS=64",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=64",
    ),
    "fetch": ("-s", "ITEM_PIPELINES={}"),
}  # fmt: skip
LABELS = {
    "default": "end-to-end, default settings (articles)",
    "tuned": "end-to-end, tuned: LOG_LEVEL=WARNING, 64 requests",
    "fetch": "fetch only, pipelines off (pages)",
}


if __name__ == "__main__":
    main()
