"""Extraction workers never outlive their crawl, even one killed with SIGKILL (issue 10)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import replay_site
from conftest import (
    REPO,
    SLOW,
    command_line,
    crawl_command,
    descendants_of,
    is_running,
    reap,
    start_crawl,
    wait_until,
)

#: generous: the workers go within about a second; this only bounds a broken run
GONE_WITHIN = 20


def workers_of(pid: int) -> list[int]:
    return [p for p in descendants_of(pid) if "spawn_main" in command_line(p)]


def assert_all_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + GONE_WITHIN
    while (alive := [p for p in pids if is_running(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in pids:  # orphans are handed to pytest (a subreaper, see conftest): collect them
        reap(pid)
    assert not alive, {p: command_line(p) for p in alive}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_crawl_killed_with_sigkill_takes_its_workers_along(tmp_path, workers):
    warc = replay_site.write_warc(tmp_path / "site.warc.gz")
    cmd = crawl_command(
        tmp_path / "archive", replay_site.START_URLS, *SLOW, f"EXTRACT_WORKERS={workers}", warc=warc
    )
    crawl = start_crawl(cmd, tmp_path / "crawl.log")
    try:
        found = wait_until(
            lambda: len(workers_of(crawl.pid)) >= workers and workers_of(crawl.pid),
            60,
            "the extraction workers to start",
            crawl,
        )
        family = descendants_of(crawl.pid)  # the workers and multiprocessing's helpers
        assert set(found) <= set(family)
    finally:
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(30)
    assert_all_gone(family)


POOL_IN_A_THREAD = textwrap.dedent(
    """
    import asyncio, sys, threading
    from crawler.pipelines.extraction_pool import ExtractionPool

    pool = ExtractionPool(2)
    starter = threading.Thread(target=pool.start)
    starter.start()
    starter.join()  # the thread that spawned the workers is gone; the process lives on
    print(" ".join(str(p) for p in pool._pool._processes), flush=True)
    sys.stdin.readline()  # the test looks at the workers, then says go on
    page = open(sys.argv[1], "rb").read()
    url = "https://www.zaobao.com/realtime/china/story20210615-1157733"
    article = asyncio.run(pool.extract(page, url, {}, None, [], None))
    print(article.title, flush=True)
    sys.stdin.readline()  # then the test kills this process
    """
)


def test_workers_of_a_pool_started_from_a_thread_live_on_then_die_with_the_process():
    page = REPO / "tests" / "fixtures" / "zaobao" / "era2021_article_body.html"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", POOL_IN_A_THREAD, str(page)],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2
        time.sleep(1)  # several parent checks later, the spawning thread's end killed nobody
        assert all(is_running(p) for p in workers)
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip()  # the workers still extract
    finally:
        proc.kill()
        proc.wait(30)
    assert_all_gone(workers)
