"""The ``newsarchive`` command: a thin layer over extract/ and store/; one module per command.

(``crawler/commands/`` is not this: it is Scrapy's ``COMMANDS_MODULE``, where ``scrapy crawl`` is
replaced by ours, which takes the archive lock and exits with the run report's code.)"""

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
