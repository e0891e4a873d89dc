"""The ``newsarchive`` command: a thin layer over extract/ and store/; one module per command."""

from __future__ import annotations

from crawler.cli import extract, status  # noqa: F401  (each module adds its command to `main`)
from crawler.cli.group import main

__all__ = ["main"]
