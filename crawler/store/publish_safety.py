"""What a post may publish: crawled text is text, never markup, and fields have fixed forms.

The Jekyll site prints post bodies through kramdown and front-matter values through the
layouts. A crawled page must not be able to put an element or attribute into the built site, so
at the last point before a post is written:

- every body, whatever extraction path produced it, goes through :func:`publishable_body`:
  ``&``, ``<`` and ``>`` become HTML entities (no raw HTML, HTML blocks, autolinks or entity
  tricks) and so do the characters that open kramdown syntax yielding HTML or attributes:
  ``{`` (``{:`` attribute lists, ``{::}`` extensions, ``{#id}``), ``[`` (links, images,
  reference definitions, footnotes, abbreviations), ``$`` (``$$`` math), the backtick and
  ``~`` (code fences naming a language). Emphasis, headings, lists and ``|`` tables stay: they
  make only plain elements. :func:`archived_body` is the exact inverse (the reader's text);
- front-matter values are checked against fixed forms (:func:`publishable_front_matter`):
  ``lang`` is BCP 47-like, ``script`` is ``zh-Hans`` or ``zh-Hant``, times are ISO 8601,
  ``from`` and ``image_url`` are ``http(s)`` URLs without whitespace or quotes, ``image`` is
  one of those or an archived copy's fixed path ``/assets/<sha1>.<ext>`` (:data:`LOCAL_ASSET`),
  each of ``images`` is ``{url, local?, caption?}`` of those forms, and optional values
  that are empty or do not fit are left out (logged at DEBUG); a required one that does not fit
  (``from``, ``date``) makes the article unpublishable (:class:`UnpublishableArticle`).

The layouts print every value escaped as well (crawler/store/site/_layouts).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

#: a character that would open markup -> its entity in the post body
_ENTITY = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "{": "&#123;",
    "[": "&#91;",
    "$": "&#36;",
    "`": "&#96;",
    "~": "&#126;",
}
#: the same character written Markdown-escaped (``\<``, as trafilatura writes it): shown as the
#: character too, so it gets an entity of its own and the backslash goes back on reading
_ESCAPED_ENTITY = {
    "<": "&#x3C;",
    ">": "&#x3E;",
    "{": "&#x7B;",
    "[": "&#x5B;",
    "$": "&#x24;",
    "`": "&#x60;",
    "~": "&#x7E;",
}
_DECODE = {v: k for k, v in _ENTITY.items()} | {v: "\\" + k for k, v in _ESCAPED_ENTITY.items()}
#: a backslash pair (kept as it is), a backslash-escaped markup character, or a markup character
_MARKUP = re.compile(r"\\\\|\\([<>{\[$`~])|([&<>{\[$`~])")
_ENTITIES = re.compile("|".join(re.escape(e) for e in _DECODE))

#: BCP 47-like language tag: ``zh``, ``zh-Hans``, ``zh-Hant-TW``, ``en-GB``
LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
SCRIPTS = ("zh-Hans", "zh-Hant")
#: front-matter keys holding a URL: ``http(s)`` only
URL_KEYS = ("from", "image_url")
#: an archived image (crawler/pipelines/images.py): its content's SHA-1 and the extension of its type
LOCAL_ASSET = re.compile(r"/assets/[0-9a-f]{40}\.(?:jpg|png|gif|webp|avif)")
#: front-matter keys holding a time
TIME_KEYS = ("date", "fetched", "updated")
#: what may not stand in a published URL (it would end an attribute or the URL)
_URL_UNSAFE = re.compile(r"[\s\"'<>\\^`{|}\x00-\x1f\x7f]")


class UnpublishableArticle(ValueError):
    """A value the post cannot do without (``from``, ``date``, ...) has no publishable form."""

    def __init__(self, key: str, value: object):
        shown = repr(value) if len(repr(value)) <= 100 else repr(value)[:99] + "…"
        super().__init__(f"front matter {key!r} has no publishable form: {shown}")
        self.key = key


def publishable_body(text: str) -> str:
    """`text` (Markdown or plain text) as a post body that kramdown renders as text: no raw
    HTML, no links, no attribute lists, no extensions, no math, no code fences."""

    def encode(m: re.Match) -> str:
        if m.group(1):
            return _ESCAPED_ENTITY[m.group(1)]
        if m.group(2):
            return _ENTITY[m.group(2)]
        return m.group(0)

    return _MARKUP.sub(encode, text)


def archived_body(published: str) -> str:
    """The text :func:`publishable_body` was given (exactly); a body written before it existed
    comes back with only these few entities decoded."""
    return _ENTITIES.sub(lambda m: _DECODE[m.group(0)], published)


def http_url(value: object) -> str | None:
    """`value` when it is an absolute ``http(s)`` URL with a host and no whitespace, quote,
    angle bracket or control character; else None."""
    if not isinstance(value, str) or _URL_UNSAFE.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def local_asset(value: object) -> str | None:
    """`value` when it is the path of an archived image (:data:`LOCAL_ASSET`); else None."""
    return value if isinstance(value, str) and LOCAL_ASSET.fullmatch(value) else None


def image_records(value: object) -> list[dict] | None:
    """The ``images`` records of publishable form: ``url`` an ``http(s)`` URL (else the record
    is left out), ``local`` an archived image's path and ``caption`` text (else left out)."""
    records = []
    for record in value if isinstance(value, (list, tuple)) else ():
        if not isinstance(record, dict) or not http_url(record.get("url")):
            continue
        out = {"url": record["url"]}
        if local_asset(record.get("local")):
            out["local"] = record["local"]
        if _text(record.get("caption")):
            out["caption"] = record["caption"]
        records.append(out)
    return records or None


def language_tag(value: object) -> str | None:
    """`value` when it has the form of a BCP 47 language tag; else None."""
    return value if isinstance(value, str) and LANG.fullmatch(value) else None


def iso_time(value: object) -> datetime | None:
    """`value` as an aware or naive datetime when it is one or parses as ISO 8601; else None."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _texts(value: object) -> list[str] | None:
    items = [v for v in value if _text(v)] if isinstance(value, (list, tuple)) else []
    return items or None


def _check(key: str, value: object) -> object:
    """`value` in its publishable form, or None when it has none."""
    if key in URL_KEYS:
        return http_url(value)
    if key == "image":
        return http_url(value) or local_asset(value)
    if key == "images":
        return image_records(value)
    if key in TIME_KEYS:
        return iso_time(value)
    if key == "lang":
        return language_tag(value)
    if key == "script":
        return value if value in SCRIPTS else None
    if isinstance(value, int):  # bool too
        return value
    if isinstance(value, (list, tuple)):
        return _texts(value)
    return _text(value)


def publishable_front_matter(data: dict, required: tuple[str, ...]) -> dict:
    """`data` without the values that are empty or do not fit their key's form; raises
    UnpublishableArticle when a `required` key is left without one. (Canonical article URLs
    fit: crawler/urls.clean_url percent-encodes whitespace and quotes.)"""
    out: dict = {}
    for key, value in data.items():
        checked = _check(key, value)
        if checked is None:
            if key in required:
                raise UnpublishableArticle(key, value)
            if value not in (None, "", [], ()):
                logger.debug("post of %s: left out %s %r (not of its form)", data.get("from"),
                             key, value)  # fmt: skip
            continue
        out[key] = checked
    return out
