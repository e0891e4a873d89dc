"""Raw response bytes -> text, with the charset from the HTTP header, the page, or the bytes."""

from __future__ import annotations

from w3lib.encoding import html_to_unicode

from crawler.extract.article import NotAnArticle

#: larger pages are not news articles (Scrapy's DOWNLOAD_MAXSIZE stops them earlier in a crawl)
MAX_PAGE_BYTES = 20 * 1024 * 1024

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


def content_type(headers: dict | None) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == "content-type":
            return value if isinstance(value, str) else value.decode("latin-1")
    return ""


def decode_html(body: bytes, headers: dict | None = None) -> str:
    """The page as text. Raises NotAnArticle for binary, non-HTML or oversized responses."""
    ctype = content_type(headers)
    mime = ctype.split(";")[0].strip().lower()
    if mime not in _HTML_TYPES:
        raise NotAnArticle("not-html", f"content-type {mime}")
    if len(body) > MAX_PAGE_BYTES:
        raise NotAnArticle("too-large", f"{len(body)} bytes")
    if b"\x00" in body[:4096] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotAnArticle("binary", "NUL bytes in the first 4 KiB")
    if not body.strip():
        raise NotAnArticle("empty", "empty response body")
    _, text = html_to_unicode(ctype or None, body)
    return text
