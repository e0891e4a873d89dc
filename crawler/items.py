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
