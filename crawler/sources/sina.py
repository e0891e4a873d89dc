"""新浪新闻 (news.sina.com.cn).

Article URLs: ``https://news.sina.com.cn/c/2019-10-23/doc-iicezuev4202091.shtml`` (the folder
is the channel: ``c``, ``w``, ``s``, ``o``, ``china``, ``world``, ...; the ``doc-i...`` name is
the story). Sina's other channels (finance., sports., ent., ...) are other sites with the same
URL shape; only news.sina.com.cn is this outlet.

Markup (2017 template): ``.channel-path`` breadcrumb, ``h1.main-title``, ``.date-source`` =
``<span class="date">`` + ``<a class="source">`` (the publication the story comes from), the body
in ``#article``: video widgets, ``.img_wrapper`` pictures, a 专题 box and the
``p.show_author`` 责任编辑 line inside it; ``#keywords`` below. The publish time is in
``article:published_time``. The older template: ``h1#artibodyTitle``, ``.time-source``,
``#media_name``, ``#artibody``.

The body starts with ``原标题：...`` when Sina retitled a story: that line becomes the article's
``original_title``. The media name is the article's ``agency``, not a byline.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.sources.base import UTC8, PageData, Source, first_text

DISPLAY_NAME = "新浪新闻"
SECTIONS = ("china", "world", "society")

#: the media name beside the date: the publication Sina took the story from, not a writer
_MEDIA = (".date-source .source", ".time-source .source", "#media_name")


def _page_fields(doc: HtmlElement) -> PageData:
    media = first_text(doc, _MEDIA)
    return {"agency": media} if media else {}


SOURCE = Source(
    name="sina",
    display_name=DISPLAY_NAME,
    domains=("news.sina.com.cn",),
    start_urls=(
        "https://news.sina.com.cn/",
        *(f"https://news.sina.com.cn/{s}/" for s in SECTIONS),
        "https://news.sina.com.cn/roll/",
        # the JSON behind the 滚动新闻 (rolling news) page: newest stories of every channel
        "https://feed.mix.sina.com.cn/api/roll/get?pageid=153&lid=2509&k=&num=50&page=1",
        "http://rss.sina.com.cn/news/china/focus15.xml",
        "http://rss.sina.com.cn/news/world/focus15.xml",
    ),
    article_path=re.compile(r"(?:/[a-z0-9_-]+)*/\d{4}-\d{2}-\d{2}/(?P<id>doc-i[a-z0-9]+)\.shtml"),
    canonical_base="https://news.sina.com.cn",
    tz=UTC8,
    lang="zh-CN",
    body_selectors=("#article", "#artibody", ".article"),
    junk_selectors=(
        "[class^='video-']",  # the video player widget and its title link
        ".img_descr",
        ".wap_special",  # 点击进入专题：...
        ".show_author",  # 责任编辑：...
        ".article-editor",
        ".ad",
        ".sinaads",
        "ins",
        ".appendQr_wrap",
        ".otherContent_01",
        "#left_hzh_ad",
    ),
    junk_text=(
        r"^(?:此前报道|相关报道|相关阅读|相关新闻|延伸阅读)[:：]",
        r"^点击进入专题",
        r"^责任编辑[:：]",
        r"^(?:海量资讯、精准解读|新浪声明)",
    ),
    title_selectors=("h1.main-title", "h1#artibodyTitle", "#artibodyTitle"),
    page_data=_page_fields,
    section_selectors=(".channel-path a", ".bread a:last-child"),
    keyword_selectors=("#keywords a", ".keywords a"),
)
