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
- peak RSS of the crawl process and its children (extraction workers), sampled from /proc.

Last line: ``ratio_vs_trafilatura=X.XX`` (default end-to-end articles/s over plain trafilatura's
pages/s).
"""

from __future__ import annotations

import argparse
import gzip
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


def write_replay(path: Path, n_pages: int, listing_size: int) -> tuple[list[str], list[bytes]]:
    templates = corpus_pages()
    bodies = [make_page(templates[n % len(templates)], n) for n in range(n_pages)]
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
        for n, body in enumerate(bodies):
            put(article_url(n), body)
    return listings, bodies


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of `pid` and all its descendants."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) * 1024
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
    args = parser.parse_args()
    rows = set(args.rows.split(","))
    results: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        workdir = Path(tmp)
        warc = workdir / "site.warc.gz"
        listings, bodies = write_replay(warc, args.pages, args.listing_size)
        for row, settings in ROWS.items():
            if row not in rows:
                continue
            elapsed, rss, stats = crawl(workdir, warc, listings, *settings)
            if row != "fetch":
                written = stats.get("newsarchive/new", 0)
                if written != args.pages:
                    sys.exit(f"{row}: expected {args.pages} new articles, got {written}: {stats}")
            results[row] = (args.pages / elapsed, rss)
        plain = trafilatura_rate(bodies, args.trafilatura_sample)
    print(f"pages: {args.pages} ({len(listings)} listing pages), cores: {os.cpu_count()}")
    print(f"{'measure':<46} {'rate':>10} {'peak RSS':>10}")
    for row, (rate, rss) in results.items():
        print(f"{LABELS[row]:<46} {rate:>8.1f}/s {rss / 2**20:>8.0f}MB")
    print(f"{'plain trafilatura, 1 process':<46} {plain:>8.1f}/s")
    for row, (rate, rss) in results.items():
        print(f"{row}_vs_trafilatura={rate / plain:.2f} {row}_peak_rss_mb={rss / 2**20:.0f}")
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
