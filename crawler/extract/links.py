"""The links of a listing page, read as a stream: whatever the page's size, only the element
being read is held, never a tree of the whole page or a list of all its links.

A listing of a million links (17 MB) parsed whole, with a list of its hrefs and a request per
link, takes about 1 GB; read here, the spider takes the first ``LISTING_MAX_LINKS`` article
links and stops reading.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

#: how much of the page's text is handed to the parser at a time
CHUNK_CHARS = 1 << 16
#: where a chunk of text may be cut for a scan of URLs in it: no URL spans these characters
_URL_END = re.compile(r"[\s<>\"']")
#: a URL longer than this is no article link: a chunk is cut here when there is no better place
_MAX_URL_CHARS = 1 << 16


def absolute_url(base: str, href: str) -> str | None:
    """`href` resolved against `base`, or None when it is no URL (``http://[x``: urljoin and
    urlsplit raise on it) or not a web URL at all."""
    try:
        url = urljoin(base, href.strip())
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https", "") else None


@dataclass(frozen=True, slots=True)
class Anchor:
    """A link of the page: ``<a href>`` (with its text) or ``<link href>`` (``rel=next``)."""

    tag: str
    href: str
    text: str = ""
    rel: str = ""
    label: str = ""


def iter_anchors(text: str, with_text: bool = False) -> Iterator[Anchor]:
    """Every ``<a href>`` and ``<link href>`` of the HTML page `text`, in document order (the
    text of each link only `with_text`). Each element is dropped as soon as it has been read."""
    parser = etree.HTMLPullParser(events=("end",), encoding="utf-8", no_network=True)
    for element in _stream(parser, text, ("a", "link")):
        href = element.get("href")
        if href is not None:
            words = "".join(element.itertext()).split() if with_text else ()
            rel, label = element.get("rel") or "", element.get("aria-label") or ""
            yield Anchor(element.tag, href, " ".join(words), rel, label)


def iter_feed_items(text: str) -> Iterator[etree._Element]:
    """Each ``<item>`` (RSS, RDF) or ``<entry>`` (Atom) of the feed `text`, in order, read as
    XML whatever the feed was served as; each is dropped once the caller has read it."""
    parser = etree.XMLPullParser(
        events=("end",),
        encoding="utf-8",
        recover=True,
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
    )
    yield from _stream(parser, text.lstrip("\ufeff \t\r\n"), ("{*}item", "{*}entry"))


def _stream(parser: etree._FeedParser, text: str, units: tuple[str, ...]) -> Iterator:
    """The elements of `text` matching `units` (lxml tag patterns), each whole, as the parser
    ends them. Every element is cleared (and the siblings read before it removed) once read:
    a unit when the caller is done with it, anything else at once unless a unit holds it."""
    names = {u.rpartition("}")[2] for u in units}
    for start in range(0, len(text) + 1, CHUNK_CHARS):
        chunk = text[start : start + CHUNK_CHARS]
        if chunk:
            parser.feed(chunk.replace("\x00", "").encode("utf-8", "surrogatepass"))
        else:
            with contextlib.suppress(etree.XMLSyntaxError):  # what was read stands
                parser.close()
        for _event, element in parser.read_events():
            tag = element.tag
            name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
            if name in names:
                yield element
            elif next(element.iterancestors(*units), None) is not None:
                continue  # part of a unit: read with it, dropped with it
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]


def text_chunks(text: str, size: int = 1 << 20) -> Iterator[str]:
    """`text` in pieces of about `size` characters, each cut where no URL can go on (a space,
    a quote, < or >), for scanning a huge page for URLs a piece at a time."""
    start = 0
    while start < len(text):
        end = start + size
        if end < len(text):
            m = _URL_END.search(text, end, end + _MAX_URL_CHARS)
            end = m.end() if m else end + _MAX_URL_CHARS
        yield text[start:end]
        start = end
