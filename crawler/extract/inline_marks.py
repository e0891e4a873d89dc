"""Marks inside the text: reference numbers, superscripts and subscripts, page controls.

- A superscript that only holds a bracketed reference number (``[13]``, ``[3-4]``, ``[注1]``:
  encyclopedias, wikis, some long reads) points to a note the archive does not keep: it is
  removed, and the sentence around it stays one sentence.
- Other superscripts and subscripts stay in the text. trafilatura writes them as ``<sup>``/
  ``<sub>`` markup in its Markdown, which a post escapes (the site would show the tags): they
  become Unicode super/subscript characters where every character has one (``m²``, ``CO₂``),
  else plain text (``1st``).
- A link that runs a script (``href="javascript:…"``) whose text is a page control (编辑, 展开全文)
  is a button, not text; an anchor with no link and no text (``<a name="ref_1">&nbsp;</a>``, a
  note's target) is nothing at all.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.extract.metadata import clean_text
from crawler.extract.prune import drop_all

#: a reference mark: brackets (ASCII or full-width) around numbers, letters or 注N, ranges
#: and lists of them
_REFERENCE = re.compile(
    r"[\[［]\s*(?:注\s*)?[0-9A-Za-z]{1,4}(?:\s*[-–—,，、]\s*(?:注\s*)?[0-9A-Za-z]{1,4})*\s*[\]］]"
)
#: the text of a script-run link that is a page control
CONTROLS = frozenset(
    {"编辑", "編輯", "修改", "展开", "展開", "收起", "展开全文", "展開全文", "查看全文"}
    | {"阅读全文", "閱讀全文", "显示全文", "更多", "查看更多", "点击展开", "點擊展開"}
    | {"复制链接", "複製連結", "打印", "列印", "举报", "舉報", "edit"}
)
_SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
#: trafilatura's markup for a superscript or subscript (its text Markdown-escaped)
_MARKED = re.compile(r"<(sup|sub)>(.*?)</\1>", re.S)
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")


def is_reference_mark(text: str) -> bool:
    return bool(_REFERENCE.fullmatch(clean_text(text)))


def remove_marks(root: HtmlElement) -> None:
    """Drop, in place, the reference-mark superscripts and the script-run control links."""
    doomed = [el for el in root.iter("sup") if is_reference_mark(el.text_content())]
    for el in root.iter("a"):
        href = (el.get("href") or "").strip().lower()
        text = clean_text(el.text_content())
        control = href.startswith("javascript:") and text.lower() in CONTROLS
        bare_target = not href and not text and len(el) == 0  # its text is a space at most
        if control or bare_target:
            doomed.append(el)
    drop_all(doomed)


def _as_text(match: re.Match) -> str:
    kind, inner = match.group(1), _MARKDOWN_ESCAPE.sub(r"\1", match.group(2)).strip()
    if kind == "sup" and is_reference_mark(inner):
        return ""
    table = _SUPERSCRIPT if kind == "sup" else _SUBSCRIPT
    converted = inner.translate(table)
    if inner and all(c != o or c.isspace() for c, o in zip(converted, inner, strict=True)):
        return converted
    return match.group(2).strip()


def unmark_scripts(markdown: str) -> str:
    """trafilatura's ``<sup>``/``<sub>`` markup as text (see the module's docstring)."""
    if "<su" not in markdown:
        return markdown
    return _MARKED.sub(_as_text, markdown)
