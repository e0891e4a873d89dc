"""澎湃新闻 (thepaper.cn).

Article URLs: ``https://www.thepaper.cn/newsDetail_forward_4506347`` (also on m.thepaper.cn);
the number is the story's ``contId``.

Markup by era:
- to 2021 (server-rendered): ``.news_path`` breadcrumb, ``h1.news_title``, ``.news_about`` =
  ``<p>石佳/中国青年报</p><p>2019-09-24 09:10</p>``, the body in ``.news_txt`` as text runs
  separated by ``<br><div class="contheight"></div>``, ``.news_infor_extra`` (责任编辑, 报料),
  ``.news_keyword`` = ``关键词 >> 共享充电宝``;
- 2022 on (Next.js): hashed class names, and the whole story in the ``__NEXT_DATA__`` JSON
  (``props.pageProps.detailData.contentDetail``: ``name``, ``content`` HTML, ``pubTime``,
  ``author``, ``nodeInfo.name``, ``tagList``), which ``page_data`` reads.

澎湃号 pages (accounts republishing their WeChat posts) carry the WeChat embed in the body:
``#js_content`` with ``rich_media_*`` boxes around it, ``<section>`` runs of text split by
``<br>``, a ``原标题：《…》`` line on top (the article's ``original_title``) and the app's
interface text (``WECHAT_JUNK``; crawler/extract/ui_text.py).
"""

from __future__ import annotations

import json
import re

from lxml.html import HtmlElement

from crawler.sources.base import (
    PRINTED_DATE,
    UTC8,
    PageData,
    Source,
    printed_date,
    string_fields,
    texts,
)
from crawler.sources.roles import writer_names

DISPLAY_NAME = "澎湃新闻"
#: 时事, 财经, 思想, 生活, 国际, 科技 and the front page
CHANNELS = ("25950", "25951", "25952", "25953", "122908", "119908")

#: the WeChat app around a post that a 澎湃号 account republished (``#js_content`` holds the
#: post): the account card, 继续滑动看下一个 / 向上滑动看下一个, the QR code, the tool bar
#: (阅读原文, 在看, 分享), dialogs; the interface strings themselves are dropped on every outlet
#: (crawler/extract/ui_text.py)
WECHAT_JUNK = (
    ".rich_media_area_extra",
    ".rich_media_meta_list",
    ".rich_media_tool",
    ".rich_media_area_primary_inner > .profile_container",
    "#js_pc_qr_code",
    "#js_profile_qrcode",
    ".qr_code_pc_outer",
    ".wx_follow_context",
    ".wx_expand_article",
    ".weui-dialog",
    "#js_tags",
    ".reward_area",
    "#js_bottom_ad_area",
    "mp-style-type",
)


def _next_data(doc: HtmlElement) -> PageData:
    """The story record of a Next.js page, as fields."""
    scripts = doc.xpath("//script[@id='__NEXT_DATA__']/text()")
    try:
        data = json.loads(scripts[0]) if scripts else {}
        detail = data["props"]["pageProps"]["detailData"]
        story = detail.get("contentDetail") or detail.get("liveDetail") or {}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}
    if not isinstance(story, dict) or not isinstance(story.get("content"), str):
        return {}
    found: PageData = {"body_html": story["content"]}
    found.update(
        string_fields(story, {"title": ("name",), "published": ("pubTime", "publishTime")})
    )
    if "published" in found and not PRINTED_DATE.search(found["published"]):
        del found["published"]  # not a time (the next name is not read then)
    writers = writer_names(story["author"]) if isinstance(story.get("author"), str) else []
    if writers:  # ``澎湃新闻记者 张三 实习生 李四``
        found["bylines"] = writers
    node = story.get("nodeInfo")
    if isinstance(node, dict) and isinstance(node.get("name"), str):
        found["section"] = node["name"]
    tags = [t.get("tag") for t in story.get("tagList") or [] if isinstance(t, dict)]
    found["keywords"] = [tag for tag in tags if isinstance(tag, str) and tag]
    return found


def _page_fields(doc: HtmlElement) -> PageData:
    found = _next_data(doc)
    if found:
        return found
    about = texts(doc, ".news_about > p")
    published = printed_date(about, PRINTED_DATE)
    if published:
        found["published"] = published
    # ``石佳/中国青年报``: the writer and the paper the story comes from, or just ``新华社``
    names = [text for text in about if text and not PRINTED_DATE.search(text)]
    writers = writer_names(names[0]) if names else []
    if writers:
        found["bylines"] = writers
    keywords = " ".join(el.text_content() for el in doc.cssselect(".news_keyword"))
    keywords = keywords.split(">>", 1)[-1] if ">>" in keywords else ""
    found["keywords"] = [k for k in re.split(r"[\s,，、]+", keywords) if k]
    return found


def _is_picture(el: HtmlElement | None) -> bool:
    if el is None or not (el.tag == "img" or el.find(".//img") is not None):
        return False
    return not el.text_content().strip()


def _clean_body(body: HtmlElement) -> None:
    """Captions out (grey text right after a picture, alone or as the whole paragraph),
    underlines unwrapped (the ``【编前语】`` preface is underlined, and the Markdown converter
    would keep the tag)."""
    for span in body.cssselect("span[style*='128, 128, 128'], span[style*='#808080']"):
        caption = span
        parent = span.getparent()
        alone = parent is not None and parent.tag == "p"
        if alone and " ".join(parent.text_content().split()) == " ".join(
            span.text_content().split()
        ):
            caption = parent
        if _is_picture(caption.getprevious()):
            caption.drop_tree()
    for el in list(body.iter("u", "ins")):
        el.drop_tag()


SOURCE = Source(
    name="thepaper",
    display_name=DISPLAY_NAME,
    domains=("thepaper.cn",),
    start_urls=tuple(
        ["https://www.thepaper.cn/"] + [f"https://www.thepaper.cn/channel_{c}" for c in CHANNELS]
    ),
    article_path=re.compile(r"/(?P<id>newsDetail_forward_\d+)"),
    canonical_base="https://www.thepaper.cn",
    tz=UTC8,
    lang="zh-CN",
    body_selectors=(".news_txt", "[class*='cententWrap']", "[class*='contentWrap']"),
    junk_selectors=(
        ".hide_word",  # (本文来自澎湃新闻，更多原创资讯请下载“澎湃新闻”APP)
        ".contheight",
        ".go_to_topic",
        ".bottom_word_relation",
        ".news_infor_extra",
        ".news_imgad",
        ".news_txtad",
        *WECHAT_JUNK,
    ),
    junk_text=(r"^[（(]?本文来自澎湃新闻", r"^澎湃新闻报料[:：]"),
    title_selectors=("h1.news_title", "h1[class*='title']"),
    section_selectors=(".news_path a:last-child",),
    page_data=_page_fields,
    fix_body=_clean_body,
)
