"""Shared test helpers: where the real corpus lives, and required external tools."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
    process outside the project (no scrapy.cfg), with the WARC recorder and replay add-on on;
    return (exported items, log)."""
    spider = tmp_path / "test_spider.py"
    spider.write_text(spider_source)
    out = tmp_path / "out.jsonl"
    out.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    env = {k: v for k, v in env.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(REPO)
    args = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-o", str(out)]
    args += ["-a", "urls=" + ",".join(urls)]
    for setting in (
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
        "LOG_LEVEL=INFO",
        'DOWNLOADER_MIDDLEWARES={"crawler.warc.WarcRecorderMiddleware": 890}',
        'ADDONS={"crawler.replay.ReplayAddon": 0}',
        *settings,
    ):
        args += ["-s", setting]
    proc = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    items = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return items, proc.stderr
