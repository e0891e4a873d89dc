"""Raw response bytes -> text: the charset from the bytes when they say it, else from the HTTP
header or the page, checked against the bytes, else detected.

Chinese pages often carry no charset, or a wrong one (a page declaring gb2312 that is UTF-8, or
Big5). So a declaration is a hint to be checked, not an order:

1. a byte-order mark settles it;
2. bytes that are valid UTF-8 (with multi-byte sequences) are UTF-8, whatever is declared: legacy
   Chinese text is practically never valid UTF-8 by chance;
3. the declared charsets, HTTP header first, then ``<meta>``: the first one the bytes decode under
   cleanly -- and, for a Chinese legacy charset, into plausible Chinese -- wins;
4. else charset-normalizer's guess, weighed against GB18030 and Big5 by plausibility.

GB2312 and GBK are read as GB18030 (a superset: pages labelled GB2312 use GBK characters), Big5
as Big5-HKSCS.
"""

from __future__ import annotations

import codecs
import functools
import re

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from crawler.extract.article import NotAnArticle
from crawler.extract.sniff import binary_kind
from crawler.extract.text import strip_controls

#: larger pages are not news articles (Scrapy's DOWNLOAD_MAXSIZE stops them earlier in a crawl)
MAX_PAGE_BYTES = 20 * 1024 * 1024
#: a decoding may replace at most this share of the non-ASCII characters (stray bytes happen)
MAX_REPLACED_SHARE = 0.01
#: Chinese text decoded with the right charset is almost all common characters; mojibake is not
MIN_PLAUSIBLE = 0.8
#: fewer counted characters than this say nothing about plausibility
MIN_COUNTED = 20

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_GB = "gb18030"
_BIG5 = "big5hkscs"
#: labels read as another codec: supersets first (WHATWG reads these labels the same way)
_ALIASES = {
    "gb2312": _GB,
    "gbk": _GB,
    "gb_2312": _GB,
    "gb_2312_80": _GB,
    "csgb2312": _GB,
    "x_gbk": _GB,
    "cp936": _GB,
    "ms936": _GB,
    "windows_936": _GB,
    "euc_cn": _GB,
    "chinese": _GB,
    "zh_cn": _GB,
    "big5": _BIG5,
    "big5_hkscs": _BIG5,
    "x_x_big5": _BIG5,
    "cn_big5": _BIG5,
    "csbig5": _BIG5,
    "cp950": _BIG5,
    "ms950": _BIG5,
    "ascii": "cp1252",
    "us_ascii": "cp1252",
    "latin_1": "cp1252",
    "iso_8859_1": "cp1252",
    "utf8": "utf-8",
}
_CHINESE_LEGACY = {_GB, _BIG5, "hz"}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def content_type(headers: dict | None) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == "content-type":
            return value if isinstance(value, str) else value.decode("latin-1")
    return ""


def normalise_charset(label: str | None) -> str | None:
    """The Python codec to read a charset label with, or None for an unknown label."""
    if not label:
        return None
    key = re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")
    key = _ALIASES.get(key, key)
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    return _ALIASES.get(name.replace("-", "_"), name)


def decode_html(body: bytes, headers: dict | None = None) -> str:
    """The page as text for an HTML parser (no XML declaration, no control characters). Raises
    NotAnArticle for binary (crawler/extract/sniff.py), non-HTML or oversized responses."""
    ctype = content_type(headers)
    mime = ctype.split(";")[0].strip().lower()
    if mime not in _HTML_TYPES:
        raise NotAnArticle("not-html", f"content-type {mime}")
    if len(body) > MAX_PAGE_BYTES:
        raise NotAnArticle("too-large", f"{len(body)} bytes")
    kind = binary_kind(body)
    if kind:
        raise NotAnArticle("binary", f"{kind} data, not a page")
    if not body.strip():
        raise NotAnArticle("empty", "empty response body")
    encoding = detect_encoding(body, ctype)
    bom, _ = read_bom(body)
    text = body[len(bom or b"") :].decode(encoding, errors="replace")
    # a stray NUL or control character is no text: the parser would make it U+FFFD
    return _XML_DECLARATION.sub("", strip_controls(text), count=1)


def detect_encoding(body: bytes, content_type_header: str = "") -> str:
    """The codec to decode `body` with (see the module's docstring for the order)."""
    bom, _ = read_bom(body)
    if bom:
        return normalise_charset(read_bom(body)[0]) or "utf-8"
    if _is_utf8(body):
        return "utf-8"
    declared = [
        normalise_charset(http_content_type_encoding(content_type_header or None)),
        normalise_charset(html_body_declared_encoding(body)),
    ]
    declared = [d for d in dict.fromkeys(declared) if d and d != "utf-8"]
    for encoding in declared:
        if _acceptable(body, encoding):
            return encoding
    return _guess(body, declared)


def _is_utf8(body: bytes) -> bool:
    """Valid UTF-8 with multi-byte sequences (a truncated last character or a stray byte or two
    allowed); pure ASCII says nothing and is left to the declarations."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", errors="replace")
    non_ascii = sum(1 for c in text if ord(c) > 127)
    return text.count("\ufffd") <= MAX_REPLACED_SHARE * non_ascii


def _acceptable(body: bytes, encoding: str) -> bool:
    text = body.decode(encoding, errors="replace")
    if _replaced_share(text) > MAX_REPLACED_SHARE:
        return False
    if encoding in _CHINESE_LEGACY:
        counted, score = plausibility(text)
        return counted < MIN_COUNTED or score >= MIN_PLAUSIBLE
    # a single-byte charset reads any bytes: check the bytes are not Chinese in disguise
    if sum(1 for b in body if b > 127) >= MIN_COUNTED:
        return _guess(body, []) not in _CHINESE_LEGACY
    return True


def _guess(body: bytes, declared: list[str]) -> str:
    """The most plausible charset among charset-normalizer's guess and the Chinese charsets."""
    best = charset_normalizer.from_bytes(body).best()
    detected = normalise_charset(best.encoding) if best else None
    candidates = list(dict.fromkeys(c for c in (detected, *declared, _GB, _BIG5) if c))
    scored = []
    for encoding in candidates:
        text = body.decode(encoding, errors="replace")
        counted, score = plausibility(text)
        if encoding not in _CHINESE_LEGACY and encoding != detected:
            continue
        scored.append((score - _replaced_share(text) * 10, counted, encoding))
    chinese = [s for s in scored if s[2] in _CHINESE_LEGACY and s[1] >= MIN_COUNTED]
    if chinese and max(chinese)[0] >= MIN_PLAUSIBLE:
        top = max(chinese)
        # charset-normalizer's own pick stands when it reads as well as the best Chinese one
        mine = next((s for s in scored if s[2] == detected), None)
        return detected if mine and mine[0] >= top[0] - 0.02 else top[2]
    return detected or (declared[0] if declared else "utf-8")


def _replaced_share(text: str) -> float:
    non_ascii = sum(1 for c in text if ord(c) > 127)
    return text.count("\ufffd") / non_ascii if non_ascii else 0.0


@functools.cache
def _common_han() -> frozenset[str]:
    """The GB2312 level-1 characters (the 3,755 most used simplified ones) and Big5's 5,401
    frequently used characters (traditional): the bulk of any real Chinese text."""
    found = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            found.add(bytes((lead, trail)).decode("gb2312", errors="ignore"))
    for lead in range(0xA4, 0xC7):
        trails = range(0x40, 0x7F) if lead == 0xC6 else (*range(0x40, 0x7F), *range(0xA1, 0xFF))
        for trail in trails:
            found.add(bytes((lead, trail)).decode("big5", errors="ignore"))
    found.discard("")
    return frozenset(found)


def _counts(c: str) -> bool:
    """A character that tells right from wrong decoding: CJK, kana, Hangul, private use, or the
    replacement character; CJK punctuation and full-width forms say nothing."""
    code = ord(c)
    if code < 0x2E80 or 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF:
        return c == "\ufffd" or 0x80 <= code < 0x100 and c.isalpha()
    return True


def plausibility(text: str) -> tuple[int, float]:
    """(characters counted, share of them that are common Chinese characters)."""
    common = _common_han()
    counted = [c for c in text if ord(c) > 127 and _counts(c)]
    if not counted:
        return 0, 0.0
    return len(counted), sum(1 for c in counted if c in common) / len(counted)
