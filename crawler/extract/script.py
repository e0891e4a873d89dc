"""Which Chinese script a text is written in: simplified (zh-Hans) or traditional (zh-Hant).

Told from the characters themselves with OpenCC's conversion tables: a character that OpenCC's
traditional->simplified conversion changes is a traditional form, one that the
simplified->traditional conversion changes is a simplified form; most characters (人, 中, 是)
are both and say nothing. The script with more telling characters wins.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

import opencc

SIMPLIFIED, TRADITIONAL = "zh-Hans", "zh-Hant"
#: fewer telling characters than this: too little evidence either way
MIN_EVIDENCE = 5
#: the winning script needs this share of the telling characters
MIN_MAJORITY = 0.6
#: a text with more kana than this share of its Han characters is Japanese, not Chinese
MAX_KANA_SHARE = 0.05

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_KANA = re.compile(r"[\u3040-\u30ff]")


@functools.cache
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def _changed(chars: list[str], converter: opencc.OpenCC) -> set[str]:
    """The characters `converter` changes, each converted on its own (no phrase context)."""
    converted = converter.convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a conversion that merged lines: compare one by one
        converted = [converter.convert(c) for c in chars]
    return {c for c, after in zip(chars, converted, strict=True) if after != c}


def script_counts(text: str) -> tuple[int, int]:
    """(simplified-only characters, traditional-only characters) in `text`, with repeats."""
    han = Counter(_HAN.findall(text or ""))
    if not han:
        return 0, 0
    chars = sorted(han)
    t2s, s2t = _converters()
    traditional = _changed(chars, t2s)
    simplified = _changed(chars, s2t)
    return sum(han[c] for c in simplified), sum(han[c] for c in traditional)


def detect_script(text: str, lang: str | None = None) -> str | None:
    """ "zh-Hans", "zh-Hant", or None (not Chinese, or too little evidence)."""
    if lang and lang.split("-")[0].lower() in ("ja", "ko"):
        return None
    han = len(_HAN.findall(text or ""))
    if not han or len(_KANA.findall(text)) > MAX_KANA_SHARE * han:
        return None
    simplified, traditional = script_counts(text)
    total = simplified + traditional
    if total < MIN_EVIDENCE:
        return None
    if simplified >= MIN_MAJORITY * total:
        return SIMPLIFIED
    if traditional >= MIN_MAJORITY * total:
        return TRADITIONAL
    return None
