"""观察者网 (guancha.cn).

Article URLs: ``https://www.guancha.cn/WangWen/2019_09_07_516891.shtml`` (the folder is the
section or the columnist, the name the date and the story number); ``..._2.shtml`` is page 2 of
a long story and ``..._s.shtml`` all of it on one page (余下全文).

Markup: the headline is an ``<h3>`` (there is no ``<h1>``), the columnist in ``.author-intro``,
``.time`` = date + 来源, the body in ``.content.all-txt``, pages in ``#select_page``, keywords in
``.key-word``; below the story ``.article-other`` (本文仅代表作者个人观点, 转发请注明, 责任编辑).
``<meta name="author">`` is a template leftover (``name, email@gmail.com``): the bylines always
come from ``page_data``.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.sources.base import (
    UTC8,
    PageData,
    Source,
    first_paragraphs,
    labelled,
    printed_date,
    texts,
)
from crawler.sources.roles import names_in

DISPLAY_NAME = "观察者网"
SECTIONS = ("internation", "politics", "economy", "military", "chanjing", "society")

#: the body's first line naming the writers: ``【文/观察者网 许岩】``, ``【文/观察者网专栏作者 王文】``
_WRITERS_LINE = re.compile(
    r"^【\s*(?:文|撰文|编译)\s*[/／]\s*(?:观察者网(?:专栏作者|特约作者|记者|编辑)?\s*)?([^】/／]+)】$"
)


def _body_writers(doc: HtmlElement) -> list[str]:
    lines = first_paragraphs(doc, (".content.all-txt",))
    m = next((m for line in lines if (m := _WRITERS_LINE.match(line))), None)
    return names_in(m.group(1)) if m else []


def _page_fields(doc: HtmlElement) -> PageData:
    found: PageData = {}
    spans = texts(doc, ".left-main .time span")
    published = printed_date(s for s in spans if not s.startswith("最后更新"))
    if published:
        found["published"] = published
    writers = [w for w in texts(doc, ".author-intro p > a") if w] or _body_writers(doc)
    source = labelled(spans, "来源")
    # the columnists or the writers the body names, and the publication the story comes from
    found["bylines"] = writers
    if source:
        found["agency"] = source
    return found


def _drop_captions(body: HtmlElement) -> None:
    """A picture's caption: a paragraph of grey text right after the paragraph of the picture."""
    for p in list(body.iter("p")):
        before = p.getprevious()
        grey = p.cssselect("span[style*='999']")
        if (
            grey
            and before is not None
            and before.find(".//img") is not None
            and not before.text_content().strip()
            and p.text_content().strip() == "".join(g.text_content() for g in grey).strip()
        ):
            p.drop_tree()


SOURCE = Source(
    name="guancha",
    display_name=DISPLAY_NAME,
    domains=("guancha.cn",),
    start_urls=tuple(
        ["https://www.guancha.cn/", "https://www.guancha.cn/mainnews-yw/"]
        + [f"https://www.guancha.cn/{s}" for s in SECTIONS]
    ),
    article_path=re.compile(r"/[A-Za-z0-9-]+/(?P<id>\d{4}_\d{2}_\d{2}_\d+)\.shtml"),
    canonical_base="https://www.guancha.cn",
    tz=UTC8,
    lang="zh-CN",
    body_selectors=(".content.all-txt", ".all-txt"),
    junk_selectors=("#select_page", ".module-page", ".share", ".key-word", ".article-other"),
    junk_text=(
        r"^本文系观察者网独家稿件",
        r"^关注观察者网微信",
        r"^请支持独立网站",
        r"^责任编辑[:：]",
    ),
    title_selectors=(".left-main > h3", ".left-main h1", "h1"),
    keyword_selectors=(".key-word a",),
    page_data=_page_fields,
    fix_body=_drop_captions,
)
