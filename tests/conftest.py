"""Shared test helpers: where the real corpus lives, and required external tools; and a check
that the test session leaves no process of its own behind."""

from __future__ import annotations

import ast
import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


# -- no stray processes: everything a test starts must be gone by the end of the session ---------
_PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


def process_state(pid: int) -> str | None:
    """The state letter of `pid` (R, S, Z...), None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rpartition(")")[2].split()[0]


def is_running(pid: int) -> bool:
    """`pid` exists and is not a zombie (dead, waiting to be reaped)."""
    return process_state(pid) not in (None, "Z")


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def descendants_of(pid: int) -> list[int]:
    """Every live (not zombie) descendant of `pid`, read from /proc."""
    found, stack = [], children_of(pid)
    while stack:
        child = stack.pop()
        if is_running(child):
            found.append(child)
        stack += children_of(child)
    return found


def command_line(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except (FileNotFoundError, ProcessLookupError):
        return "?"


def reap(pid: int) -> None:
    """Collect `pid`'s exit status if it is a dead child of ours (an orphan handed to us)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _multiprocessing_helpers() -> set[int]:
    """multiprocessing's resource tracker: one per interpreter, lives as long as pytest."""
    from multiprocessing import resource_tracker

    pid = getattr(resource_tracker._resource_tracker, "_pid", None)
    return {pid} if pid else set()


@pytest.fixture(scope="session", autouse=True)
def no_stray_processes():
    """Fail the session when a process started during it is still running at its end.

    pytest becomes a child subreaper, so a process orphaned by a killed child (the extraction
    workers of a crawl killed with SIGKILL, say) is handed to pytest instead of init and is
    still seen here. Strays are listed, killed, and fail the session."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    before = set(descendants_of(os.getpid()))
    yield
    allowed = before | _multiprocessing_helpers()
    deadline = time.monotonic() + 10  # a process that is shutting down gets a moment to go
    while True:
        strays = [p for p in descendants_of(os.getpid()) if p not in allowed]
        if not strays or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    found = {pid: command_line(pid) for pid in strays}
    for pid in strays:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for pid in children_of(os.getpid()):
        if process_state(pid) == "Z" or pid in strays:
            reap(pid)
    if found:
        listing = "\n".join(f"  {pid}: {cmd[:200]}" for pid, cmd in found.items())
        pytest.fail(f"the tests left {len(found)} processes running (now killed):\n{listing}")


def require_tool(name: str) -> str:
    """The path of `name`; skipped when missing, unless CI demands it (NEWSARCHIVE_REQUIRE_TOOLS)."""
    found = shutil.which(name)
    if found:
        return found
    if name in os.environ.get("NEWSARCHIVE_REQUIRE_TOOLS", "").split(","):
        pytest.fail(f"{name} is required here (NEWSARCHIVE_REQUIRE_TOOLS) but not installed")
    pytest.skip(f"{name} is not installed (apt-get install {name})")


def runspider(
    tmp_path: Path, spider_source: str, urls: list[str], *settings: str
) -> tuple[list[dict], str]:
    """Run `spider_source` (a spider taking ``-a urls=``) in a fresh ``scrapy runspider``
    process outside the project (no scrapy.cfg, only our settings' defaults), with the WARC
    recorder and replay add-on on; return (exported items, log)."""
    spider = tmp_path / "test_spider.py"
    spider.write_text(spider_source)
    out = tmp_path / "out.jsonl"
    out.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    env = {k: v for k, v in env.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(REPO)
    # our settings' defaults at project priority, as in the project, without its components
    defaults = "".join(f"{name} = {value!r}\n" for name, value in own_settings().items())
    (tmp_path / "own_defaults.py").write_text(defaults)
    env["SCRAPY_SETTINGS_MODULE"] = "own_defaults"
    args = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-o", str(out)]
    args += ["-a", "urls=" + ",".join(urls)]
    for setting in (
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
        "LOG_LEVEL=INFO",
        'DOWNLOADER_MIDDLEWARES={"crawler.downloader.warc.WarcRecorderMiddleware": 890}',
        'ADDONS={"crawler.downloader.replay.ReplayAddon": 0}',
        *settings,
    ):
        args += ["-s", setting]
    proc = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    items = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return items, proc.stderr


# -- our settings for components built outside the project ---------------------------------------
def own_settings(**overrides: object) -> dict[str, object]:
    """The settings crawler/settings.py defines and Scrapy does not, with their defaults, and
    `overrides`: what a component built outside the project (``get_crawler()``, ``scrapy
    runspider``) reads, since components keep no default of their own."""
    from scrapy.settings import default_settings

    import crawler.settings as project

    names = [n for n in dir(project) if n.isupper() and not hasattr(default_settings, n)]
    return {**{name: getattr(project, name) for name in names}, **overrides}


# -- running the real `scrapy crawl` as a child process (crash, lock and exit-code tests) --------
#: settings that make a replayed crawl slow enough to be interrupted at a chosen moment
SLOW = (
    "DOWNLOAD_DELAY=0.3",
    "AUTOTHROTTLE_ENABLED=False",
    "CONCURRENT_REQUESTS=1",
    "RANDOMIZE_DOWNLOAD_DELAY=False",
)


def crawl_command(archive: Path, start_urls, *settings: str, warc: Path | None = None) -> list:
    """`scrapy crawl zaobao` into `archive` (replaying `warc` when given); `settings` are -s."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "zaobao"]
    cmd += ["-a", "start_urls=" + ",".join(start_urls), "-s", f"ARCHIVE_DIR={archive}"]
    if warc is not None:
        cmd += ["-s", f"REPLAY_WARC={warc}"]
    for setting in (
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
        "AUTOTHROTTLE_ENABLED=False",
        *settings,
    ):
        cmd += ["-s", setting]
    return cmd


def _crawl_env(test_modules: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    if test_modules:  # components defined in tests/ (e.g. `-s EXTENSIONS=...`) can be loaded
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests"), str(REPO)])
    return env


def start_crawl(cmd: list, log: Path, test_modules: bool = False) -> subprocess.Popen:
    """Start `cmd` in the repo with stdout and stderr going to `log` (read it while it runs)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, cwd=REPO, env=_crawl_env(test_modules), stdout=out, stderr=subprocess.STDOUT
        )


def run_crawl(
    cmd: list, timeout: float = 120, test_modules: bool = False
) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd,
        cwd=REPO,
        env=_crawl_env(test_modules),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_until(condition, timeout: float, what: str, proc: subprocess.Popen | None = None):
    """Poll `condition` until it returns something true; fail after `timeout` seconds, or as
    soon as `proc` has ended without the condition coming true."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the crawl ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def stop(proc: subprocess.Popen, timeout: float = 30) -> int:
    """Wait for `proc` to end (SIGKILL it if it takes longer than `timeout`); its exit code."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        pytest.fail(f"process {proc.pid} did not end within {timeout} s")


def crawl_stats(log: str) -> dict:
    """The "Dumping Scrapy stats" dict of a crawl log ({} when absent)."""
    m = re.search(r"Dumping Scrapy stats:\n(\{.*?\})\n", log, re.S)
    if not m:
        return {}
    return ast.literal_eval(re.sub(r"datetime\.datetime\([^)]*\)", "None", m.group(1)))


def post_files(archive: Path) -> list[Path]:
    """The post files of `archive` (temp files, which start with a dot, are not posts)."""
    posts = archive / "_posts"
    return (
        sorted(p for p in posts.rglob("*.md") if not p.name.startswith("."))
        if posts.exists()
        else []
    )


# -- a Redis server of our own (distributed crawl tests) ---------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@pytest.fixture
def redis_server(tmp_path):
    """The URL of a fresh redis-server on a free loopback port, its files in `tmp_path`, no
    persistence; stopped at the end of the test."""
    binary = require_tool("redis-server")
    folder = tmp_path / "redis"
    folder.mkdir()
    for _ in range(3):  # the free port may be taken in between: try another
        port = _free_port()
        log = (folder / "redis.log").open("wb")
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder), "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            if _redis_answers(url):
                break
            time.sleep(0.05)
        if proc.poll() is None and _redis_answers(url):
            break
        proc.kill()
        proc.wait(10)
    else:
        pytest.fail(f"redis-server did not start: {(folder / 'redis.log').read_text()[-2000:]}")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
