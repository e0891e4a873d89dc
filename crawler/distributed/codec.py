"""What workers hand to the ingester, as JSON: an extracted Article or a 304 notice.

Lossless: every field of `Article` goes through, datetimes as ISO 8601 with their UTC offset
(and the zone's name when it is a ``ZoneInfo``, so ``Europe/Paris`` comes back as itself), so
``decode(encode(x)) == x`` and the post written from it is the same byte for byte.

An envelope is ``{"v": 1, "kind": "article" | "not_modified", ...}`` plus where it came from
(``worker``, ``run``). A field this version does not know (a newer worker) is ignored.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from crawler.extract.article import Article
from crawler.items import NotModified

VERSION = 1
ARTICLE, NOT_MODIFIED = "article", "not_modified"
_ARTICLE_FIELDS = {f.name for f in fields(Article)}


class BadEnvelope(ValueError):
    """An item that is not one of ours (or of an incompatible version)."""


def _out(value: Any) -> Any:
    if isinstance(value, datetime):
        zone = getattr(value.tzinfo, "key", None)  # a ZoneInfo's name
        return {"$datetime": value.isoformat(), **({"zone": zone} if zone else {})}
    if isinstance(value, list | tuple):
        return [_out(v) for v in value]
    return value


def _in(value: Any) -> Any:
    if isinstance(value, dict) and "$datetime" in value:
        when = datetime.fromisoformat(value["$datetime"])
        return when.astimezone(ZoneInfo(value["zone"])) if value.get("zone") else when
    if isinstance(value, list):
        return [_in(v) for v in value]
    return value


def article_to_dict(article: Article) -> dict:
    return {name: _out(getattr(article, name)) for name in sorted(_ARTICLE_FIELDS)}


def article_from_dict(data: dict) -> Article:
    known = {k: _in(v) for k, v in data.items() if k in _ARTICLE_FIELDS}
    try:
        return Article(**known)
    except TypeError as exc:  # a required field missing
        raise BadEnvelope(f"not an article: {exc}") from None


def encode_article(article: Article, **origin: str) -> str:
    envelope = {"v": VERSION, "kind": ARTICLE, **origin, "article": article_to_dict(article)}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def encode_not_modified(notice: NotModified, checked: datetime, **origin: str) -> str:
    envelope = {
        "v": VERSION,
        "kind": NOT_MODIFIED,
        **origin,
        "url": notice.url,
        "source": notice.source,
        "id": notice.id,
        "checked": _out(checked),
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def decode(raw: bytes | str) -> tuple[str, Any, dict]:
    """(kind, Article or (NotModified, checked), the whole envelope) of one queued item."""
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadEnvelope(f"not JSON: {exc}") from None
    if not isinstance(envelope, dict) or envelope.get("v") != VERSION:
        raise BadEnvelope(f"unknown envelope version: {str(envelope)[:80]}")
    kind = envelope.get("kind")
    if kind == ARTICLE:
        return kind, article_from_dict(envelope.get("article") or {}), envelope
    if kind == NOT_MODIFIED:
        try:
            notice = NotModified(url=envelope["url"], source=envelope["source"], id=envelope["id"])
            return kind, (notice, _in(envelope["checked"])), envelope
        except (KeyError, TypeError, ValueError) as exc:
            raise BadEnvelope(f"bad not-modified notice: {exc}") from None
    raise BadEnvelope(f"unknown kind {kind!r}")
