"""新华网 (news.cn, formerly xinhuanet.com): Xinhua's news site.

Article URLs, both still linked:
- ``/politics/2023-11/17/c_1129981476.htm`` (to 2023; ``/politics/`` may be absent or deeper);
- ``/politics/20240115/3e0f6c...a9/c.html`` (2023 on: a 32-hex id and ``c.html``).

Markup by era:
- 2019 (xinhuanet.com): ``.h-title``, ``.h-time``, ``#source``, the body in ``#p-detail``;
- 2021 on (news.cn): ``.head-line h1 .title``, the date split over ``.header-time`` spans (and
  whole in the mobile header ``.mheader .info``), ``.source``, the body in ``#detail``.

Neither has a publish-time meta tag: the date comes from the header (``page_data``). The writer
is named in the dateline (``新华社巴黎12月9日电（记者唐霁）``); 来源 is mostly the site itself.
Features end with production credits (``策划：... 监制：... 记者：... 视觉：...``, ``新华社国内部
出品``): they go to the article's ``credits``, out of the body.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.sources.base import UTC8, PageData, Source, edit_meta, first_paragraphs, first_text
from crawler.sources.credits import trailing_credits
from crawler.sources.roles import names_in

DISPLAY_NAME = "新华网"
SECTIONS = ("politics", "world", "fortune", "local", "legal", "tech", "culture", "sports", "mil")

#: the writers in a dateline: ``（记者唐霁）``, ``（记者张三、李四）``, ``（记者 张三 李四）``
_DATELINE_WRITERS = re.compile(r"^[^（(]{0,30}电\s*[（(]\s*记者\s*([^）)]{1,40})[）)]")
#: ``2023 11/17 20:52:15`` (the PC header's spans) or ``2023-11-17 20:52:15``
_HEADER_DATE = re.compile(
    r"(\d{4})\D{1,3}(\d{1,2})\s*[/-]\s*(\d{1,2})\s+(\d{1,2}:\d{2}(?::\d{2})?)"
)
_DATE_TEXT = ("div.header-time", ".mheader .info", ".h-info .h-time", "span.h-time")
#: ``<meta name="description">`` is ``<headline>\n---<summary>``: the headline and the dashes
_DESCRIPTION_HEAD = re.compile(r"^[^\n]*\n\s*-{3,}\s*")


def _page_fields(doc: HtmlElement) -> PageData:
    """The publish time from the header, and the writers (or the 来源) as bylines."""
    found: PageData = {}
    edit_meta(doc, ("description",), lambda text: _DESCRIPTION_HEAD.sub("", text))
    for selector in _DATE_TEXT:
        m = _HEADER_DATE.search(first_text(doc, (selector,), first_match=True))
        if m:
            year, month, day, time = m.groups()
            found["published"] = f"{year}-{int(month):02d}-{int(day):02d} {time}"
            break
    dateline = next(first_paragraphs(doc, ("#detail, #p-detail",)), "")
    m = _DATELINE_WRITERS.match(dateline)
    # ``周明远、林晓``, ``张三 通讯员李四`` (or glued: ``张三通讯员李四``); none named: none
    found["bylines"] = names_in(m.group(1).replace("通讯员", " ")) if m else []
    source = first_text(doc, ("#source", ".header-cont .source"), first_match=True)
    source = source.strip().removeprefix("来源：").strip()
    if source:  # the site itself, or the publication it took the story from
        found["agency"] = source
    elif dateline.startswith("新华社"):  # ``新华社北京11月17日电``
        found["agency"] = "新华社"
    return found


SOURCE = Source(
    name="xinhuanet",
    display_name=DISPLAY_NAME,
    # www only: the other hosts (english.news.cn, local channels) are other sites with other paths
    domains=("www.news.cn", "www.xinhuanet.com"),
    start_urls=tuple(
        ["https://www.news.cn/"]
        + [f"https://www.news.cn/{s}/" for s in SECTIONS]
        + ["https://www.news.cn/politics/leaders/", "https://www.news.cn/comments/"]
    ),
    # ``/fortune/2023-11/17/c_1129981476.htm`` or ``/politics/20240115/<32 hex>/c.html``
    article_path=re.compile(
        r"(?:/[a-z0-9_]+)*/(?:\d{4}-\d{2}/\d{2}|\d{8})/(?P<id>c_\d+|[0-9a-f]{32})(?:\.htm|/c\.html)"
    ),
    canonical_base="https://www.news.cn",
    tz=UTC8,
    lang="zh-CN",
    body_selectors=("#detail", "#p-detail"),
    junk_selectors=(
        "#articleEdit",  # 【纠错】 and 【责任编辑:...】
        ".p-tags",
        ".tadd",  # likes and share buttons
        ".lb",  # the (empty) slideshow frame
        ".video-url",
        ".pageShare",
        ".share",
        "ins",
        ".ad_right",
        ".adv",
        ".nextpage",
        ".bookList",
    ),
    junk_text=(r"^【纠错】", r"^【?责任编辑[:：]"),
    title_selectors=(".head-line h1 .title", ".mheader h1 .title", ".h-title", "h1"),
    section_selectors=(".header-nav a.curColumn", ".news-position a:nth-of-type(2)"),
    page_data=_page_fields,
    take_credits=trailing_credits,
)
