"""Metadata read from a parsed page: JSON-LD (tolerantly), <meta> tags, dates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo

import json5
from lxml.html import HtmlElement

ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BlogPosting",
    "Report",
}

_SPACES = re.compile(r"\s+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_text(text: str | None) -> str:
    """One line of visible text: zero-width characters dropped, whitespace collapsed."""
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text or "")).strip()


#: a comma before a closing bracket, outside strings (strings are matched first and kept)
_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[}\]])')


def _load_json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:  # the common breakage on real pages (zaobao): trailing commas; cheap to mend
        return json.loads(_TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text))
    except ValueError:
        pass
    try:  # comments, single quotes, ...: JSON5 reads them (slowly)
        return json5.loads(text)
    except ValueError:
        return None


def jsonld_objects(doc: HtmlElement) -> Iterator[dict]:
    """Every JSON-LD object on the page, @graph members included; broken blocks are skipped."""
    for script in doc.xpath("//script[@type='application/ld+json']"):
        data = _load_json((script.text or "").strip())
        stack = [data]
        while stack:
            node = stack.pop(0)
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                yield node
                if isinstance(node.get("@graph"), list):
                    stack.extend(node["@graph"])


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type", [])
    return set(kind) if isinstance(kind, list) else {kind}


def jsonld_article(doc: HtmlElement) -> dict:
    """The first JSON-LD object typed as an article, or {}."""
    return next((o for o in jsonld_objects(doc) if _types(o) & ARTICLE_TYPES), {})


def meta(doc: HtmlElement, *names: str) -> str | None:
    """The first non-empty <meta property|name=...> content among `names`."""
    for name in names:
        for el in doc.xpath("//meta[@property=$n or @name=$n or @itemprop=$n]", n=name):
            value = clean_text(el.get("content"))
            if value:
                return value
    return None


def names_of(value) -> list[str]:
    """Names from a JSON-LD person/organization value (str, dict or list of either)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return names_of(value.get("name"))
    if isinstance(value, list):
        return [n for v in value for n in names_of(v)]
    return []


def keywords_of(value) -> list[str]:
    if isinstance(value, str):
        return [k for k in re.split(r"[,，、;；]", value) if k.strip()]
    if isinstance(value, list):
        return [k for v in value for k in keywords_of(v)]
    return []


_CN_DATE = re.compile(
    r"(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2}))?)?"
)


def parse_date(value: str | None, tz: tzinfo) -> datetime | None:
    """An aware datetime in the outlet's timezone `tz`; a naive time is taken to be in `tz`."""
    value = clean_text(value)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        m = _CN_DATE.search(value)
        if not m:
            return None
        try:
            parsed = datetime(*(int(g) for g in m.groups() if g is not None))
        except (TypeError, ValueError):
            return None
    if not 1990 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    if getattr(tz, "keep_stated_offset", False):  # a site without a module: the page's own zone
        return parsed
    return parsed.astimezone(tz)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
