"""人民网 (people.com.cn): the People's Daily news site.

Article URLs: ``http://culture.people.com.cn/n1/2019/0615/c1013-31153719.html`` on a channel
host (politics., world., culture., ...; special sites put a prefix before ``/n1/``). The number
after ``c`` is the channel, the last one the story. ``-2.html``, ``-3.html`` are further pages of
the same story; ``/n2/`` paths are the provincial sites, other newsrooms.

Markup (2016 template, still served): ``.text_title h1`` with ``h3.pre`` / ``h4.sub`` around it,
``p.author``, ``.box01 .fl`` = ``2019年06月15日08:18  来源：人民网-文化频道``, the body in
``#rwb_zw.box_con``; the 2020 template has ``.rm_txt h1``, ``.col-1-1`` and ``.rm_txt_con``.

Pages are served as GB2312/GBK, and some saved copies are UTF-8 still declaring GB2312: the
decoder has to tell them apart (crawler/extract/decode.py).

``<meta name="author">`` holds a CMS user number, never a name: the bylines always come from
``page_data`` (the writers in ``p.author``), so that number is never used; the 来源 is the
article's ``agency``.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.sources.base import UTC8, PageData, Source, edit_meta, first_text
from crawler.sources.roles import writer_names

DISPLAY_NAME = "人民网"
CHANNELS = (
    "politics", "world", "finance", "society", "culture", "opinion", "military", "tw", "legal",
    "edu", "health", "sports", "ent", "env", "energy", "house", "it", "kpzg", "theory",
)  # fmt: skip
#: the RSS feeds of the site's RSS page (www.people.com.cn/rss/)
FEEDS = ("politics", "world", "finance", "society", "culture", "opinion", "military", "tw")

_DATE_SOURCE = (".text_title .box01 .fl", ".col-1-1", ".box01 .fl", ".channel .col-1-1")
_AUTHOR = (".text_title p.author", ".rm_txt .author", "p.author")
#: a channel's promo line before the story: ``点击进入“文艺星青年”>>``
_PROMO = re.compile(r"^\s*点击进入.{0,30}?>>\s*")


def _publication(source: str) -> str:
    """The publication a 来源 names: ``人民网-文化频道`` is the site itself (its display name),
    ``人民网－人民日报`` is the printed paper, ``新华社`` another newsroom."""
    parts = [p.strip() for p in re.split(r"[-－—]+", source) if p.strip()]
    others = [p for p in parts if not p.startswith(DISPLAY_NAME) and not p.endswith("频道")]
    return others[0] if others else DISPLAY_NAME


def _page_fields(doc: HtmlElement) -> PageData:
    found: PageData = {}
    edit_meta(doc, ("description",), lambda text: _PROMO.sub("", text))  # the body's first text
    line = first_text(doc, _DATE_SOURCE)
    date, _, source = line.partition("来源")
    if date.strip():
        found["published"] = date.strip(" |")
    # the writers only (``本报记者 张三 本报通讯员 李四``, ``作者：王五``; an empty list:
    # <meta name=author> is a CMS number, never a name)
    found["bylines"] = writer_names(first_text(doc, _AUTHOR))
    source = source.lstrip("：: ").strip()
    if source:  # ``人民网-文化频道`` is the site itself, ``人民网－人民日报`` the paper, ``新华网``
        found["agency"] = _publication(source)
    return found


SOURCE = Source(
    name="people",
    display_name=DISPLAY_NAME,
    domains=("people.com.cn",),
    start_urls=tuple(
        ["http://www.people.com.cn/"]
        + [f"http://{c}.people.com.cn/" for c in CHANNELS]
        + [f"http://www.people.com.cn/rss/{f}.xml" for f in FEEDS]
    ),
    article_path=re.compile(r"(?:/[a-z0-9_]+)*/n1/\d{4}/\d{4}/(?P<id>c\d+-\d+)\.html"),
    canonical_base="https://www.people.com.cn",
    keep_host=True,
    tz=UTC8,
    lang="zh-CN",
    body_selectors=("#rwb_zw", ".rm_txt_con", ".box_con", ".show_text"),
    junk_selectors=(
        ".zdfy",  # 【1】【2】【3】 page links
        "center",  # the "next page" image button
        ".edit",  # (责编：...)
        ".editor",
        ".box_pic",
        ".paper_num",
        ".ops_shareLayer",
        "#ops_share",
    ),
    junk_text=(_PROMO.pattern, r"^[（(]责编[:：]"),
    title_selectors=(".text_title h1", ".rm_txt h1", ".col-1 h1", "h1"),
    section_selectors=("#rwb_navpath a:last-child", ".route a:last-child"),
    page_data=_page_fields,
)
