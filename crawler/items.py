"""What the spider hands to the pipelines: a fetched article page, not yet extracted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class FetchedPage:
    url: str
    source: str
    body: bytes = field(repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    status: int = 200
    fetched: datetime | None = None
    #: [WARC file name, record id] of the recorded response (with WARC_DIR), else None
    warc_record: list[str] | None = None
    #: the raw later pages of a multi-page article (page 2, 3, ...), in order; empty for most
    pages: list[bytes] = field(default_factory=list, repr=False)


@dataclass
class NotModified:
    """A revisit the server answered with 304: the archived article still stands."""

    url: str
    source: str
    id: str
