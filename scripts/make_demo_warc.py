"""Rebuild demo/zaobao-demo.warc.gz, the README's offline demo, from tests/fixtures/.

.venv/bin/python scripts/make_demo_warc.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import replay_site  # noqa: E402

if __name__ == "__main__":
    target = replay_site.write_warc(REPO / "demo" / "zaobao-demo.warc.gz")
    print(f"wrote {target.relative_to(REPO)} ({target.stat().st_size} bytes)")
