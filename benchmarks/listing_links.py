"""Peak memory of a crawl that meets a listing page of a million links, served from loopback.

    .venv/bin/python benchmarks/listing_links.py [--links N] [--max-links K]

Serves, on 127.0.0.1, one listing page of N links (default 1,000,000: 19 MiB, under
DOWNLOAD_MAXSIZE) to articles that answer 404 at once, and runs ``scrapy crawl news`` from it
(stopped after 50 responses: the cost measured is reading the page, not fetching its links).
Prints the crawl's peak RSS (``getrusage`` of the finished child), its wall time, and whether
LISTING_MAX_LINKS cut the page. Before the links were read as a stream and capped, such a page
took the crawl to about 1.7 GB; the hostile test (tests/hostile/test_links_cap.py) holds it
under 400 MB.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def listing(links: int) -> bytes:
    anchors = "".join(f"<a href=/a/{n:06x}>.\n" for n in range(links))
    return f"<html><head><title>listing</title></head><body>{anchors}</body></html>".encode()


def serve(page: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            found = self.path == "/listing"
            body = page if found else b"not found"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--max-links", type=int, default=None, help="LISTING_MAX_LINKS")
    args = parser.parse_args()
    page = listing(args.links)
    server = serve(page)
    url = f"http://127.0.0.1:{server.server_address[1]}/listing"
    with tempfile.TemporaryDirectory() as archive:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={url}"]
        cmd += ["-a", r"allow=/a/[0-9a-f]{6}$"]
        settings = [
            f"ARCHIVE_DIR={archive}",
            "CLOSESPIDER_PAGECOUNT=50",
            "ROBOTSTXT_OBEY=False",
            "AUTOTHROTTLE_ENABLED=False",
            "EXTRACT_WORKERS=0",
            "TELNETCONSOLE_ENABLED=False",
            "LOG_LEVEL=INFO",
        ]
        if args.max_links is not None:
            settings.append(f"LISTING_MAX_LINKS={args.max_links}")
        for setting in settings:
            cmd += ["-s", setting]
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=3600)
        took = time.monotonic() - started
    server.shutdown()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    linked = re.search(r"listing \S+: (\d+) articles linked", proc.stderr)
    cut = "LISTING_MAX_LINKS" in proc.stderr
    print(f"page: {args.links} links, {len(page) / 1e6:.1f} MB")
    print(f"articles linked: {linked.group(1) if linked else '?'}; cut by LISTING_MAX_LINKS: {cut}")
    print(f"crawl: {took:.1f} s, exit {proc.returncode}")
    print(f"peak_rss_mb={peak:.0f}")


if __name__ == "__main__":
    main()
