"""Metadata read from a parsed page: JSON-LD (tolerantly), <meta> tags, dates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any

import json5
from lxml.html import HtmlElement

from crawler.extract.text import normalise_text

ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BlogPosting",
    "Report",
}


def clean_text(text: str | None) -> str:
    """One line of visible text: control and zero-width characters and lone surrogates
    dropped, whitespace collapsed (anything but a string reads as no text)."""
    return normalise_text(text) if isinstance(text, str) else ""


#: a comma before a closing bracket, outside strings (strings are matched first and kept)
_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[}\]])')
#: JSON5 reads broken JSON slowly (seconds per 100 KB): larger blocks that JSON cannot read are
#: given up (real JSON-LD is a few KB)
MAX_JSON5_CHARS = 64 * 1024
#: JSON-LD nested deeper than this is not walked further (no article is that deep)
MAX_JSONLD_DEPTH = 32
#: keys of a JSON-LD value object holding its text, in order of preference
_TEXT_KEYS = ("@value", "name", "text", "headline")


def _load_json(text: str):
    """The JSON in `text`, mended if it can be cheaply; None when unreadable (broken, nested
    too deep for the parser, or too large to mend)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    try:  # the common breakage on real pages (zaobao): trailing commas; cheap to mend
        return json.loads(_TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text))
    except (ValueError, RecursionError):
        pass
    if len(text) > MAX_JSON5_CHARS:
        return None
    try:  # comments, single quotes, ...: JSON5 reads them (slowly)
        return json5.loads(text)
    except (ValueError, RecursionError):
        return None


def jsonld_objects(doc: HtmlElement) -> Iterator[dict]:
    """Every JSON-LD object on the page, whatever its shape: top-level objects, lists of them
    (nested too), @graph members and a page's mainEntity; broken blocks are skipped."""
    for script in doc.xpath("//script[@type='application/ld+json']"):
        stack = [(_load_json((script.text or "").strip()), 0)]
        while stack:
            node, depth = stack.pop(0)
            if depth > MAX_JSONLD_DEPTH:
                continue
            if isinstance(node, list):
                stack.extend((n, depth + 1) for n in node)
            elif isinstance(node, dict):
                yield node
                for key in ("@graph", "mainEntity"):
                    if isinstance(node.get(key), list | dict):
                        stack.append((node[key], depth + 1))


def _types(obj: dict) -> set[str]:
    """The object's @type names (``NewsArticle``; ``schema:``/``https://schema.org/`` dropped)."""
    kinds = obj.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return {re.split(r"[/:#]", k)[-1] for k in kinds if isinstance(k, str)}


def jsonld_article(doc: HtmlElement) -> dict:
    """The first JSON-LD object typed as an article, or {}."""
    return next((o for o in jsonld_objects(doc) if _types(o) & ARTICLE_TYPES), {})


def ld_texts(value: Any, keys: tuple[str, ...] = _TEXT_KEYS) -> list[str]:
    """Every text in a JSON-LD value of any shape: a string; a number; an object's first
    text-holding key among `keys` (``{"@value": ...}``, ``{"name": ...}``); a list of any of
    these (nested lists too). null, booleans and deeper nesting give nothing."""
    found: list[str] = []
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSONLD_DEPTH:
            continue
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, int | float) and not isinstance(node, bool):
            found.append(str(node))
        elif isinstance(node, list):
            stack.extend((n, depth + 1) for n in reversed(node))
        elif isinstance(node, dict):
            inner = next((node[k] for k in keys if node.get(k) not in (None, "", [])), None)
            if inner is not None:
                stack.append((inner, depth + 1))
    return found


def ld_text(value: Any, keys: tuple[str, ...] = _TEXT_KEYS) -> str | None:
    """The first non-empty text of a JSON-LD value of any shape (see `ld_texts`), or None."""
    return next((t for t in ld_texts(value, keys) if clean_text(t)), None)


def meta(doc: HtmlElement, *names: str) -> str | None:
    """The first non-empty <meta property|name=...> content among `names`."""
    for name in names:
        for el in doc.xpath("//meta[@property=$n or @name=$n or @itemprop=$n]", n=name):
            value = clean_text(el.get("content"))
            if value:
                return value
    return None


def names_of(value: Any) -> list[str]:
    """Names from a JSON-LD person/organization value (str, object or list of either)."""
    return ld_texts(value, ("name", "@value"))


def keywords_of(value: Any) -> list[str]:
    """Keywords from a JSON-LD or meta value: a comma-separated string, a list, objects."""
    return [k for text in ld_texts(value) for k in re.split(r"[,，、;；]", text) if k.strip()]


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
