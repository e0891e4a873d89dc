"""凤凰网 (ifeng.com): news.ifeng.com and its other channels.

Article URLs: ``https://news.ifeng.com/c/7rtKNyg6PU9`` (the 11-character code is the story, the
same on every channel host: finance., mil., tech., ...).

Markup (2018 on, a server-rendered React page): CSS-module class names with a hash suffix
(``main_content-LcrEruCc``, ``text-3zQ3cZD4``, ``time-hm3v7ddj``, ``source-2pXi2vGI``), so rules
match the name before the hash. ``var allData = {...}`` holds ``docData``: ``title``,
``newsTime``, ``source`` (the publication the story comes from), ``breadCrumbdata``.
A story taken from another paper opens with its writers in bold: ``澎湃新闻记者 段彦超 廖艳``;
they are the bylines, and the line stays in the text where the paper put it.

``<meta name="keywords">`` separates the keywords with spaces, which the generic reader would
take for one keyword; ``page_data`` rewrites the tag's content with commas (until the extractor
splits such lists itself).
"""

from __future__ import annotations

import json
import re

from lxml.html import HtmlElement

from crawler.sources.base import UTC8, PageData, Source, edit_meta, first_paragraphs, first_text
from crawler.sources.roles import names_in

DISPLAY_NAME = "凤凰网"
CHANNELS = ("news", "finance", "mil", "tech", "culture", "history")

_ALL_DATA = re.compile(r"\bvar\s+allData\s*=\s*")
_BODY = (
    "[class^='main_content-'] [class^='text-']",
    "[class*='main_content'] [class*='text']",
    "#main_content",
)
#: ``澎湃新闻记者 段彦超 廖艳``, ``本报记者 张三``, ``记者 李四 王五``
_WRITERS_LINE = re.compile(
    r"^\S{0,12}?(?:记者|通讯员)\s*((?:[\u4e00-\u9fff·]{2,6}[\s、，,]*){1,4})$"
)
_SELF = re.compile(r"^(?:凤凰网|凤凰新闻|凤凰资讯)")


def _doc_data(doc: HtmlElement) -> dict:
    for script in doc.iter("script"):
        text = script.text or ""
        m = _ALL_DATA.search(text)
        if not m:
            continue
        try:
            data, _ = json.JSONDecoder().raw_decode(text, m.end())
        except ValueError:
            return {}
        record = data.get("docData") if isinstance(data, dict) else None
        return record if isinstance(record, dict) else {}
    return {}


def _writers(doc: HtmlElement) -> list[str]:
    """The writers named in the body's first paragraph, if that paragraph is only them."""
    m = _WRITERS_LINE.match(next(first_paragraphs(doc, _BODY), ""))
    return names_in(m.group(1)) if m else []


def _comma_separated(keywords: str) -> str:
    words = keywords.split()
    if len(words) > 1 and not any(c in keywords for c in ",，、;；"):
        return ",".join(words)
    return keywords


def _page_fields(doc: HtmlElement) -> PageData:
    edit_meta(doc, ("keywords", "Keywords"), _comma_separated)
    record = _doc_data(doc)
    found: PageData = {}
    title = record.get("title")
    if isinstance(title, str) and title.strip():
        found["title"] = title
    published = record.get("newsTime") or first_text(
        doc, ("[class^='time-'] span",), first_match=True
    )
    if isinstance(published, str) and published.strip():
        found["published"] = published
    crumbs = record.get("breadCrumbdata")
    last = crumbs[-1] if isinstance(crumbs, list) and crumbs else None
    if isinstance(last, dict) and isinstance(last.get("title"), str):
        found["section"] = last["title"]
    source = record.get("source") or first_text(doc, ("[class^='source-']",), first_match=True)
    source = source.strip() if isinstance(source, str) else ""
    found["bylines"] = _writers(doc)
    if source:  # the publication the story comes from
        found["agency"] = DISPLAY_NAME if _SELF.match(source) else source
    return found


SOURCE = Source(
    name="ifeng",
    display_name=DISPLAY_NAME,
    domains=("ifeng.com",),
    start_urls=tuple(
        ["https://www.ifeng.com/"]
        + [f"https://{c}.ifeng.com/" for c in CHANNELS]
        + [
            "https://news.ifeng.com/shanklist/3-35197-/",
            "https://news.ifeng.com/shanklist/3-35198-/",
        ]
    ),
    article_path=re.compile(r"/c/(?P<id>[0-9A-Za-z]{11})"),
    canonical_base="https://news.ifeng.com",
    tz=UTC8,
    lang="zh-CN",
    body_selectors=_BODY,
    junk_selectors=(
        "[class^='end-']",
        "[class*='share_']",
        "[class*='vote_']",
    ),
    junk_text=(r"^[（(]?(?:责任编辑|编辑)[:：]\s*\S{1,12}\s*[NO_\d]*[）)]?$",),
    title_selectors=("h1[class^='topic-']", "h1[class*='topic']", "#artical_topic", "h1"),
    section_selectors=(),
    page_data=_page_fields,
)
