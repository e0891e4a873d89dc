"""中国日报 (chinadaily.com.cn, Chinese edition: cn., china., world., caijing., ... hosts).

Article URLs: ``https://china.chinadaily.com.cn/a/202311/17/WS65571297a310d5acd876f404.html``
(``WS`` + 24 hex digits is the story); ``_2.html`` is its page 2. The English edition
(www.chinadaily.com.cn, global., usa., ...) uses the same shape and is not this outlet.

Markup (2018 template): ``.da-bre`` breadcrumb, ``h1.dabiaoti``, ``.fenx .xinf-le`` = 来源 (a
logo link and the publication) and the time ``2023-11-17 15:13``, share widgets, the body in
``#Content``, ending in ``（编辑：...）`` and a ``【责任编辑：...】`` box. ``<meta name="author">``
names the editor, not a writer: the bylines always come from ``page_data``, the 来源 is the
``agency``.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.sources.base import UTC8, PageData, Source, labelled, printed_date, texts
from crawler.sources.roles import writer_names

DISPLAY_NAME = "中国日报"
#: the Chinese edition's hosts (the English edition lives on www. and others)
HOSTS = ("cn", "china", "world", "caijing", "tech", "cnews", "ex", "language", "fashion", "kw")


def _page_fields(doc: HtmlElement) -> PageData:
    found: PageData = {}
    infos = texts(doc, ".fenx .xinf-le")
    published = printed_date(infos)
    if published:
        found["published"] = published
    source = labelled(infos, "来源")
    # the writers (``作者：李四``, ``中国日报记者 王五 通讯员 赵六``; none named: none, as
    # <meta name=author> is the editor), and the 来源
    found["bylines"] = [n for t in infos if re.match(r"^(?:作者|记者)", t) for n in writer_names(t)]
    if source:
        found["agency"] = source
    crumbs = [el.text_content().strip(" >\u00a0\n\t") for el in doc.cssselect(".da-bre a")]
    crumbs = [c for c in crumbs if c]
    if crumbs:  # ``评论 > 海外观察``: the innermost section
        found["section"] = crumbs[-1]
    return found


SOURCE = Source(
    name="chinadaily",
    display_name=DISPLAY_NAME,
    domains=tuple(f"{h}.chinadaily.com.cn" for h in HOSTS),
    start_urls=(
        "https://cn.chinadaily.com.cn/",
        "https://china.chinadaily.com.cn/",
        "https://world.chinadaily.com.cn/",
        "https://caijing.chinadaily.com.cn/",
        "https://china.chinadaily.com.cn/5bd5639ca3101a87ca8ff634",  # 评论
    ),
    article_path=re.compile(r"/a/\d{6}/\d{2}/(?P<id>WS[0-9a-f]{24})\.html"),
    canonical_base="https://cn.chinadaily.com.cn",
    keep_host=True,
    tz=UTC8,
    lang="zh-CN",
    body_selectors=("#Content", ".article"),
    junk_selectors=(
        "#div_currpage",
        ".selectpage",
        ".moreshare",
        ".share",
        "#qrcode",
        "div[style*='text-align:right']",  # 【责任编辑：...】
    ),
    junk_text=(r"^【责任编辑[:：]", r"^[（(]\s*(?:责任)?编辑[:：][^）)]{0,30}[）)]$"),
    title_selectors=("h1.dabiaoti", ".container-left2 h1", "h1"),
    section_selectors=(),
    page_data=_page_fields,
)
