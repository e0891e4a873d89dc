"""The ``newsarchive`` command: a thin layer over extract/ and store/; one module per command."""

from __future__ import annotations

from crawler.cli import (  # noqa: F401  (each module adds its command to `main`)
    diff,
    export,
    extract,
    ingest,
    reextract,
    reindex,
    search,
    site,
    stats,
    status,
    verify,
    wacz,
)
from crawler.cli.group import main

__all__ = ["main"]
