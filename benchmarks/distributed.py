"""Distributed crawl throughput: 1 vs 2 workers and one ingester on the same replay, loopback only.

    .venv/bin/python benchmarks/distributed.py [--pages N] [--workers 1,2]

The replay is benchmarks/crawl.py's (real zaobao pages from ../shared/corpus, each under its own
story URL). A redis-server of its own runs on a free loopback port (no persistence). For each
worker count, on a fresh Redis and a fresh archive: the workers (`scrapy crawl zaobao -s
REDIS_URL=...`, the first seeds the run) and `newsarchive ingest --until-idle 10` start together;
the benchmark polls ``newsarchive:archived`` until every article is archived.

Per row: articles/s over the whole run (from the start of the processes to the last article
archived, start-up included) and in steady state (first to last article archived); and the
ingester's share: its CPU time over the run's wall time (how much of one core the single writer
needs, i.e. how far it is from being the bottleneck).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import REPO, write_replay  # noqa: E402

INGEST = [sys.executable, "-c", "from crawler.cli import main; main()", "ingest"]


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if not binary:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(200):
        try:
            client.ping()
            return proc, url
        except redis.ConnectionError:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


def cpu_seconds(proc: subprocess.Popen) -> float:
    """Wait for `proc`; its CPU time (user + system) and its children's."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def run(workers: int, url: str, warc: Path, listings: list[str], pages: int, tmp: Path) -> dict:
    client = redis.Redis.from_url(url)
    client.flushall()
    archive = tmp / f"archive-{workers}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    worker_cmd = [
        sys.executable, "-m", "scrapy", "crawl", "zaobao", "-a", "start_urls=" + ",".join(listings),
        "-s", f"REDIS_URL={url}", "-s", f"REPLAY_WARC={warc}", "-s", f"ARCHIVE_DIR={tmp}/unused",
        "-s", "LOG_LEVEL=INFO", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=32",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32", "-s", "DOWNLOAD_DELAY=0",
        "-s", "REDIS_IDLE_TIMEOUT=2", "-s", "TELNETCONSOLE_ENABLED=False",
        "-s", "REMOTE_CONTROL_ENABLED=False",
    ]  # fmt: skip
    # 10 s: time enough for the workers to register (an ingester with no worker and nothing
    # queued ends after --until-idle); the timing stops at the last article archived anyway
    ingest_cmd = [*INGEST, "--redis", url, "--archive", str(archive), "--until-idle", "10"]
    logs = [(tmp / f"w{workers}-{n}.log").open("wb") for n in range(workers + 1)]
    started = time.perf_counter()
    procs = [
        subprocess.Popen(worker_cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        for log in logs[:workers]
    ]
    ingester = subprocess.Popen(
        ingest_cmd, cwd=REPO, env=env, stdout=logs[-1], stderr=subprocess.STDOUT
    )
    first = last = None
    while True:
        done = client.hlen("newsarchive:archived")
        now = time.perf_counter()
        if done and first is None:
            first = now
        if done >= pages:
            last = now
            break
        if ingester.poll() is not None:
            for proc in procs:
                proc.kill()
                proc.wait()
            sys.exit(f"the ingester ended with {done} of {pages} archived: see {logs[-1].name}")
        time.sleep(0.01)
    worker_cpu = sum(cpu_seconds(p) for p in procs)
    ingester_cpu = cpu_seconds(ingester)
    for log in logs:
        log.close()
    codes = [p.returncode for p in (*procs, ingester)]
    if any(codes):
        sys.exit(f"exit codes {codes}: see {tmp}")
    wall = last - started
    return {
        "workers": workers,
        "wall": wall,
        "rate": pages / wall,
        "steady": (pages - 1) / (last - first) if last > first else float("nan"),
        "ingester_cpu": ingester_cpu,
        "ingester_share": ingester_cpu / wall,
        "worker_cpu": worker_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--listing-size", type=int, default=100)
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as name:
        tmp = Path(name)
        warc = tmp / "site.warc.gz"
        listings, _ = write_replay(warc, args.pages, args.listing_size)
        server, url = start_redis(tmp)
        try:
            rows = [run(n, url, warc, listings, args.pages, tmp) for n in counts]
        finally:
            server.terminate()
            server.wait(10)
    print(f"pages: {args.pages} ({len(listings)} listing pages), cores: {os.cpu_count()}")
    print(
        f"{'workers':>7} {'wall s':>7} {'articles/s':>11} {'steady/s':>9} "
        f"{'ingester CPU s':>15} {'ingester share':>15} {'workers CPU s':>14}"
    )
    for r in rows:
        print(
            f"{r['workers']:>7} {r['wall']:>7.1f} {r['rate']:>11.1f} {r['steady']:>9.1f} "
            f"{r['ingester_cpu']:>15.1f} {r['ingester_share']:>14.0%} {r['worker_cpu']:>14.1f}"
        )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"largest child RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
