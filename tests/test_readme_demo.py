"""The README's offline demo works as written: its command, on the committed demo WARC."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import replay_site

REPO = Path(__file__).resolve().parents[1]


def demo_command() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"```sh\n(\.venv/bin/scrapy crawl zaobao -s REPLAY_WARC=demo/.*?)\n(?!\s)", readme, re.S
    )
    assert block, "README has no offline demo command"
    return shlex.split(block.group(1).replace("\\\n", " "))


def test_readme_demo_replays_the_committed_warc(tmp_path):
    cmd = demo_command()
    cmd = [str(REPO / c) if c.startswith(".venv/") else c for c in cmd]
    cmd = [c.replace("/tmp/demo-archive", str(tmp_path / "demo")) for c in cmd]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    posts = list((tmp_path / "demo" / "_posts" / "zaobao").rglob("*.md"))
    assert len(posts) == len(replay_site.fixture_articles())
    assert (tmp_path / "demo" / "catalog.db").exists()
