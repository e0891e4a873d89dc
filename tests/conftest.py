"""Shared test helpers: where the real corpus lives, and required external tools."""

from __future__ import annotations

import os
import shutil
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
