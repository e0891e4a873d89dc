"""BBC中文 (bbc.com/zhongwen, formerly bbc.co.uk/zhongwen): BBC News Chinese, in simplified
(``simp``) and traditional (``trad``) script. The English-language BBC News is another outlet.

Article URLs by era (bbc.co.uk paths now redirect to the same path on bbc.com):
- to 2014: ``/zhongwen/simp/chinese_news/2012/12/121210_hongkong_politics.shtml``;
- 2015-2023: ``/zhongwen/simp/chinese-news-67891234``, ``/zhongwen/trad/world-67891234``;
- 2023 on: ``/zhongwen/articles/c4gl7g0gzk7o/simp``.

Each script version is an article of its own (their texts differ), so the id covers the script
as well as the story. A URL path holds the two apart (``simp/...-67891234``), which is no safe
file name: the extractor then names the article by a hash of its canonical URL.

Markup: the 2012 pages have ``h1``, ``.datestamp`` (in GMT), ``dcterms.created`` /
``dcterms.modified`` meta tags and the body in ``.bodytext``, with ``&#0147;``/``&#0148;``
quotes (Windows-1252 code points, which the HTML parser leaves as C1 control characters; the
body is mended in ``fix_body``); later pages put everything in JSON-LD and ``<main>``.
Times are published in UTC (the old pages say 格林尼治标准时间).
"""

from __future__ import annotations

import json
import re
from datetime import UTC

from lxml.html import HtmlElement

from crawler.sources.base import PageData, Source, texts

DISPLAY_NAME = "BBC中文"

_C1 = re.compile("[\u0080-\u009f]")
_PERSON_NAME = "ul[class*='-Person'] li[class*='-Name']"
_AUTHOR = re.compile(r"^(?:作者|Author)\s*[,，:：]\s*(.+)$")


def _cp1252(match: re.Match) -> str:
    try:
        return bytes([ord(match.group(0))]).decode("cp1252")
    except UnicodeDecodeError:
        return ""


def _jsonld_author(doc: HtmlElement):
    for script in doc.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        nodes = data.get("@graph", [data]) if isinstance(data, dict) else data
        for node in nodes if isinstance(nodes, list) else []:
            if isinstance(node, dict) and "author" in node:
                return node["author"]
    return None


def _page_fields(doc: HtmlElement) -> PageData:
    found: PageData = {}
    for value in doc.xpath("//meta[@name='dcterms.created' or @name='DCTERMS.created']/@content"):
        if value.strip():  # the pages to 2014
            found["published"] = value.strip()
            break
    # the byline block: ``作者, 林小雨`` then the role (2021: ``ul.*-Person`` with ``li.*-Name``);
    # without one the story is the BBC's own
    names = [n for n in texts(doc, _PERSON_NAME) if n]
    if names:
        found["bylines"] = names
        return found
    for item in texts(doc, "[data-testid='byline'] li"):
        m = _AUTHOR.match(item)
        if m:
            found["bylines"] = [m.group(1)]
            return found
    author = _jsonld_author(doc)
    if isinstance(author, dict) and author.get("@type") != "Person":
        found["bylines"] = []  # the organization, not a writer
    return found


def _is_link_list(el: HtmlElement) -> bool:
    """A list of nothing but links to other BBC Chinese stories (related reading)."""
    items = [li for li in el if li.tag == "li"]
    if not items:
        return False
    for li in items:
        links = li.findall(".//a")
        text = " ".join(li.text_content().split())
        if len(links) != 1 or "/zhongwen/" not in (links[0].get("href") or ""):
            return False
        if text != " ".join(links[0].text_content().split()):
            return False
    return True


def _mend_body(body: HtmlElement) -> None:
    """Related-story link lists out; ``&#0147;`` (which came out as U+0093) read as the
    character Windows-1252 means by that number."""
    for el in list(body.iter("ul", "ol")):
        if el.getparent() is not None and _is_link_list(el):
            el.drop_tree()
    for el in body.iter():
        if el.text and _C1.search(el.text):
            el.text = _C1.sub(_cp1252, el.text)
        if el.tail and _C1.search(el.tail):
            el.tail = _C1.sub(_cp1252, el.tail)


SOURCE = Source(
    name="bbc_zhongwen",
    display_name=DISPLAY_NAME,
    domains=("bbc.com", "bbc.co.uk"),
    start_urls=(
        "https://www.bbc.com/zhongwen/simp",
        "https://www.bbc.com/zhongwen/trad",
        "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml",
        "https://feeds.bbci.co.uk/zhongwen/trad/rss.xml",
    ),
    article_path=re.compile(
        r"/zhongwen/(?:articles/)?(?P<id>"
        r"(?:simp|trad)/[a-z_]+/\d{4}/\d{2}/\d{6}_[a-z0-9_]+\.shtml"  # to 2014
        r"|(?:simp|trad)/[a-z0-9-]+-\d{8}"  # 2015-2023
        r"|c[0-9a-z]{10}o/(?:simp|trad))"  # 2023 on
    ),
    canonical_base="https://www.bbc.com",
    tz=UTC,
    lang="zh-Hans",
    body_selectors=(".bodytext", ".story-body__inner", "main[role='main']", "main"),
    junk_selectors=(
        ".tools-container",
        ".document-tools",
        ".module .image",  # pictures and their captions
        "figure",
        "nav",
        "header",
        "footer",
        "aside",
        "section[aria-labelledby]",  # related stories, topics, most read
        "[data-e2e]",
        "[data-testid='byline']",
        "ul[class*='-Person']",
        "h1",
        "time",
        "[data-component='links-block']",
        "[data-component='tag-list']",
        ".bbccom_advert_placeholder",
    ),
    junk_text=(r"^(?:相关话题|相关内容|热读|更多相关内容|热门阅读|熱讀|相關話題|相關內容)$",),
    title_selectors=("#blq-content h1", "main h1", "h1"),
    section_selectors=("li.nav-current a",),
    page_data=_page_fields,
    fix_body=_mend_body,
)
