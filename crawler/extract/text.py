"""Text that is safe to hash, index and write: no lone surrogates, no control characters.

Pages carry what no reader sees: a lone surrogate from a JSON ``"\\ud800"`` escape, a stray NUL,
C0/C1 control characters. They break UTF-8 encoding (the text hash, the post file) and YAML, so
every text field of an `Article` goes through `normalise_field` (`normalise_block` for the body)
when it is set, the page's markup through `strip_controls` before it is parsed, and what is
read from the page through `normalise_text` (one line of visible text).
"""

from __future__ import annotations

import re

#: C0 controls but tab, newline, form feed and carriage return; DEL; C1 controls; the
#: non-characters U+FFFE and U+FFFF (not text, and not allowed in YAML)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_SURROGATE_OR_PAIR = re.compile("([\ud800-\udbff][\udc00-\udfff])|[\ud800-\udfff]")
#: in a stored field: the same and form feed (carriage returns became newlines before)
_FIELD_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_SPACES = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def strip_surrogates(text: str) -> str:
    """`text` with surrogate pairs joined into their character and lone surrogates dropped."""
    if not _SURROGATES.search(text):
        return text
    return _SURROGATE_OR_PAIR.sub(_join_pair, text)


def _join_pair(m: re.Match[str]) -> str:
    pair = m.group(1)
    return pair.encode("utf-16-le", "surrogatepass").decode("utf-16-le") if pair else ""


def strip_controls(text: str) -> str:
    """Markup or text without lone surrogates and control characters (tab, newline, form feed
    and carriage return are kept: they are HTML whitespace)."""
    return _CONTROLS.sub("", strip_surrogates(text))


def normalise_text(text: str | None) -> str:
    """One line of visible text: no control characters, no zero-width characters, whitespace
    collapsed to single spaces."""
    if not text:
        return ""
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", strip_controls(text))).strip()


def normalise_field(text: str | None) -> str:
    """A text field as stored: no lone surrogates, no control characters but tab and newline
    (a carriage return becomes a newline); its words and spacing are left as they are."""
    if not text:
        return ""
    text = strip_surrogates(text).replace("\r\n", "\n").replace("\r", "\n")
    return _FIELD_CONTROLS.sub("", text)


def normalise_block(text: str | None) -> str:
    """Text of several lines (the body): no control characters but tab and newline (carriage
    returns become newlines), and no paragraph left empty by their removal."""
    if not text:
        return ""
    text = normalise_field(text)
    return "\n\n".join(p for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip())
