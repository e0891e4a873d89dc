"""联合早报 (zaobao.com, China edition, and zaobao.com.sg, Singapore edition).

Markup by era, all handled:
- up to 2020: the body in ``div.article-content-rawhtml``;
- 2021-2023: ``article#article-body.article-body`` with ``var _data={...pubdate:...}``;
- current .com: ``.article-body`` whose paragraphs may carry a ``data-s`` order key (they are
  shuffled in the markup and put back in order by script) and Astro ``astro-island`` listing props;
- current .com.sg: React-Router hydration data (``__staticRouterHydrationData``) whose article
  record holds the body as HTML in ``body_cn``, JSON-LD in ``#seo-article-page`` and ``.articleBody``.
"""

from __future__ import annotations

import base64
import json
import re

from lxml.html import HtmlElement

from crawler.sources.base import UTC8, PageData, Source, string_fields

SECTIONS = ("china", "world", "singapore", "sea")

#: ``var _data={level2_ga:"Realtime",chapter1:"World",author:"廖慧婷_byline",...,pubdate:"..."}``
_DATA_FIELD = re.compile(r'(\w+):"((?:[^"\\]|\\.)*)"')
_HYDRATION = re.compile(
    r"__staticRouterHydrationData\s*=\s*JSON\.parse\((\"(?:[^\"\\]|\\.)*\")\)", re.S
)


#: the .sg hydration record's names of each field
_HYDRATED_FIELDS = {
    "title": ("title_cn", "title", "headline"),
    "published": ("publication_date", "published", "datePublished", "pubdate"),
    "section": ("section_cn", "section"),
}


def _page_vars(doc: HtmlElement) -> PageData:
    """Fields from the ``_data`` script and the .sg hydration JSON."""
    found: PageData = {}
    for script in doc.iter("script"):
        text = script.text or ""
        if "_data=" in text or "_data =" in text:
            fields = dict(_DATA_FIELD.findall(text))
            if fields.get("pubdate"):
                found["published"] = fields["pubdate"]
            author = fields.get("author", "").removesuffix("_byline").strip()
            if author:
                found["bylines"] = [a for a in re.split(r"[、,，/]|_byline", author) if a.strip()]
            if fields.get("keyword"):
                found["keywords"] = fields["keyword"].split(",")
        m = _HYDRATION.search(text)
        if m:
            found.update(_hydrated_article(json.loads(json.loads(m.group(1)))))
    return found


def _hydrated_article(data) -> PageData:
    """The article record (the dict that has ``body_cn``) anywhere in the hydration data."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            body = node.get("body_cn")
            if isinstance(body, str) and body.strip():
                record: PageData = {"body_html": body}
                record.update(string_fields(node, _HYDRATED_FIELDS))
                return record
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return {}


def _order_key(value: str) -> int | None:
    """The position hidden in a ``data-s`` attribute: 3 filler characters, then base32 digits."""
    try:
        return int(base64.b32decode(value[3:].upper(), casefold=True).decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None


def _restore_paragraph_order(body: HtmlElement) -> None:
    """Keyed children back in key order; a child without a key (an ad slot, a further-reading
    box the junk rules did not catch) keeps its place and does not stop the reordering."""
    children = list(body)
    keys = [_order_key(c.get("data-s", "")) for c in children]
    slots = [i for i, k in enumerate(keys) if k is not None]
    if len(slots) < 2:
        return
    ordered = list(children)
    for slot, i in zip(slots, sorted(slots, key=lambda i: keys[i]), strict=True):
        ordered[slot] = children[i]
    for child in children:
        body.remove(child)
    body.extend(ordered)


SOURCE = Source(
    name="zaobao",
    display_name="联合早报",
    domains=("zaobao.com", "zaobao.com.sg", "zaobao.sg"),
    start_urls=tuple(
        [f"https://www.zaobao.com.sg/realtime/{s}" for s in SECTIONS]
        + [f"https://www.zaobao.com.sg/news/{s}" for s in SECTIONS]
        + [f"https://www.zaobao.com/realtime/{s}" for s in SECTIONS]
        + [f"https://www.zaobao.com/news/{s}" for s in SECTIONS]
        + [f"https://www.zaobao.com.sg/rss/realtime/{s}" for s in SECTIONS[:3]]
    ),
    article_path=re.compile(r"(?:/[a-z0-9-]+)+/(?P<id>story\d{8}-\d+)"),
    canonical_base="https://www.zaobao.com",
    tz=UTC8,
    lang="zh",
    junk_text=(
        r"^(?:延伸阅读|相关阅读|欢迎订阅|订阅联合早报|下载联合早报|点击下载|在早报App|用App阅读)",
        r"^(?:早报App|联合早报App)?(?:阅读全文|继续阅读)",
    ),
    body_selectors=(
        "article#article-body",
        ".articleBody",
        "div.article-content-rawhtml",
        ".article-body",
        ".article-content",
    ),
    junk_selectors=(
        "script",
        "style",
        "noscript",
        "iframe",
        "[id^='dfp-ad']",
        ".dfp-tag-wrapper",
        "#innity-in-post",
        "section#imu",
        ".adv",
        ".adv-tag",
        "a[href*='subscribe.sph.com.sg']",
        ".overlay-microtransaction",
        "#video-freemium-player",
        ".a2a_kit",
        ".share-bar",
        ".social-share",
        ".further-reading",
        ".read-on-app",
        ".article-relative-word",
        ".OUTBRAIN",
    ),
    title_selectors=("h1.article-title", "h1.headline", "article h1", "main h1"),
    keyword_selectors=(".article-relative-word a", "a[href^='/keywords/']"),
    byline_selectors=(".author-info span", "#author-block-sm .pdl10", ".byline"),
    section_selectors=("h1.breadcrumb-item.active", ".breadcrumb-item.active"),
    lead_image_selectors=("#carousel-article .carousel-item.active", "figure.lead-image"),
    page_data=_page_vars,
    fix_body=_restore_paragraph_order,
)
