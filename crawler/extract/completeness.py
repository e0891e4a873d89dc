"""Whether a page holds the whole article, or only a teaser of it (paywall, subscriber-only).

Read from the page as fetched, before any junk is removed: what the page declares (JSON-LD or
microdata ``isAccessibleForFree``, ``articleBody``, ``wordCount``), the overlays and notices that
paywalls put on a teaser, and the length of the body extracted against what was declared.

A page that declares the article not free but carries the gated part in full (a metered paywall:
the part named by ``hasPart.cssSelector`` is on the page and in the body) stands as complete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.css import select
from crawler.extract.metadata import clean_text, jsonld_objects, ld_text

#: overlays and boxes that paywalls put over or after a teaser
TEASER_SELECTORS = (
    ".overlay-microtransaction",  # zaobao
    ".paywall-overlay",
    ".paywall-prompt",
    ".paywall-teaser",
    ".subscriber-only",
    ".premium-overlay",
    ".article-locked",
    "#paywall-overlay",
)
#: notices that the rest of the article is for subscribers (simplified and traditional forms)
TEASER_TEXTS = (
    "本文为订户专享",
    "本文為訂戶專享",
    "订户专享内容",
    "訂戶專享內容",
    "订阅后阅读全文",
    "訂閱後閱讀全文",
    "订阅后可阅读全文",
    "订阅即可阅读全文",
    "訂閱即可閱讀全文",
    "订阅以继续阅读",
    "訂閱以繼續閱讀",
    "付费阅读全文",
    "付費閱讀全文",
    "登录后阅读全文",
    "登入後閱讀全文",
    "您所瀏覽的新聞已過查詢時效",  # cna.com.tw: a story past the free window, first paragraph only
    "This article is for subscribers only",
    "Subscribe to continue reading",
    "Subscribe to read the full article",
)
#: a body shorter than this share of the declared articleBody / wordCount is a teaser
MIN_DECLARED_SHARE = 0.5
#: a gated part with this many characters of text on the page is there in full (metered paywall)
MIN_GATED_CHARS = 200

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_\u3400-\u9fff\uf900-\ufaff]+")
_FALSE = {"false", "no", "0"}
_COUNT = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class PageSignals:
    """What the page says about its own completeness, read before junk removal."""

    not_free: bool = False
    #: CSS selectors of the gated parts (``hasPart.cssSelector``)
    gated_selectors: tuple[str, ...] = ()
    #: characters of text the page holds in its gated parts
    gated_chars: int = 0
    #: the teaser marker found on the page (selector or notice text), if any
    teaser_marker: str | None = None
    declared_body_chars: int = 0
    declared_words: int = 0


def tokens(text: str) -> int:
    """Words as a reader counts them: one per CJK character, one per run of other letters."""
    return len(_TOKEN.findall(text or ""))


def _is_false(value) -> bool:
    """A JSON-LD or microdata false: ``false``, ``"False"``, ``{"@value": false}``, ``[false]``."""
    if isinstance(value, dict):
        value = value.get("@value")
    elif isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value is False or (isinstance(value, str) and value.strip().lower() in _FALSE)


def page_signals(doc: HtmlElement, ld: dict) -> PageSignals:
    """Read the page's own statements (call before the page is cleaned)."""
    not_free = False
    selectors: list[str] = []
    for obj in [ld, *jsonld_objects(doc)]:
        if _is_false(obj.get("isAccessibleForFree")):
            not_free = True
        parts = obj.get("hasPart") or []
        for part in parts if isinstance(parts, list) else [parts]:
            if isinstance(part, dict) and _is_false(part.get("isAccessibleForFree")):
                not_free = True
                if isinstance(part.get("cssSelector"), str):
                    selectors.append(part["cssSelector"])
    for el in doc.xpath("//*[@itemprop='isAccessibleForFree']"):
        if _is_false(el.get("content")):
            not_free = True
    for el in doc.xpath("//*[@itemprop='hasPart']//*[@itemprop='cssSelector']/@content"):
        selectors.append(el)
    selectors = list(dict.fromkeys(s.strip() for s in selectors if s.strip()))
    gated = 0
    for selector in selectors:
        try:
            gated += sum(len(clean_text(el.text_content())) for el in select(doc, selector))
        except Exception:  # noqa: BLE001 - a selector lxml cannot read says nothing
            continue
    body = ld_text(ld.get("articleBody"))
    words = ld_text(ld.get("wordCount")) or ""
    return PageSignals(
        not_free=not_free,
        gated_selectors=tuple(selectors),
        gated_chars=gated,
        teaser_marker=_teaser_marker(doc),
        declared_body_chars=len(clean_text(body)) if isinstance(body, str) else 0,
        declared_words=int(words) if _COUNT.fullmatch(words.strip()) else 0,
    )


def _teaser_marker(doc: HtmlElement) -> str | None:
    for selector in TEASER_SELECTORS:
        if select(doc, selector):
            return selector
    everything = clean_text(etree.tostring(doc, method="text", encoding="unicode"))
    if not any(t in everything for t in TEASER_TEXTS):  # the common case, decided cheaply
        return None
    visible = doc.xpath(
        "//body//text()[not(ancestor::script or ancestor::style or ancestor::template)]"
    )
    text = clean_text(" ".join(visible))
    return next((t for t in TEASER_TEXTS if t in text), None)


def completeness(signals: PageSignals, body_text: str) -> tuple[bool, str | None]:
    """(complete, reason): reason is a short stable key when the article is incomplete."""
    if signals.teaser_marker:
        return False, "teaser-marker"
    if signals.not_free and signals.gated_chars < MIN_GATED_CHARS:
        return False, "not-free"
    chars = len(clean_text(body_text))
    if signals.declared_body_chars and chars < MIN_DECLARED_SHARE * signals.declared_body_chars:
        return False, "shorter-than-declared"
    if signals.declared_words and tokens(body_text) < MIN_DECLARED_SHARE * signals.declared_words:
        return False, "shorter-than-declared"
    return True, None
