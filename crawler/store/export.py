"""Export articles as JSON Lines or CSV, one record per article, streamed.

A record is every front-matter key of the post (times as ISO 8601 strings), its ``body`` and its
``path`` in the archive. In CSV the columns are fixed (``CSV_FIELDS``) and lists (tags,
categories, bylines) are JSON arrays; in JSON Lines they are arrays and any extra key a post has
is kept.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from crawler.store.post import FRONT_MATTER_KEYS
from crawler.store.reader import Post

FORMATS = ("jsonl", "csv")
CSV_FIELDS = (*FRONT_MATTER_KEYS, "body", "path")


def export(posts: Iterable[Post], out: TextIO, fmt: str = "jsonl") -> int:
    """Write each of `posts` to `out` as it comes; returns how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    writer = csv.DictWriter(out, CSV_FIELDS, extrasaction="ignore") if fmt == "csv" else None
    if writer:
        writer.writeheader()
    count = 0
    for post in posts:
        record = post.record()
        if writer:
            writer.writerow({k: _cell(v) for k, v in record.items()})
        else:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def _cell(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value
