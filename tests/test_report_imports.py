"""The ingester and the run report model import no Scrapy and no Twisted (issue 15): the archive
machine of a distributed crawl runs `newsarchive ingest`, not a crawl."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = (
    "import sys, {module}; "
    "bad = sorted(m for m in sys.modules if m == 'scrapy' or m.startswith(('scrapy.', 'twisted'))); "
    "assert not bad, bad[:5]"
)


@pytest.mark.parametrize(
    "module",
    [
        "crawler.distributed.ingest",
        "crawler.store.run_status",
        "crawler.store.run_report",
        "crawler.store.run_summary",
        "crawler.settings",
    ],
)
def test_imports_no_scrapy_nor_twisted(module):
    result = subprocess.run(
        [sys.executable, "-c", CHECK.format(module=module)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
