"""环球网 (huanqiu.com): the Global Times' Chinese news site, on channel hosts (world., china.,
mil., finance., opinion., ...).

Article URLs: ``https://world.huanqiu.com/article/4THWgUQJ5Jy`` (2020 on; the 11-character
``aid`` is the story, served on every channel host and on www.) and, before that,
``https://3w.huanqiu.com/a/d80b1f/3yWyyCuSR4w`` (the same kind of aid after a channel code).

Markup by era:
- 2020 (3w.huanqiu.com): ``h1.a-title``, ``.a-info .time`` (``2020-06-05 20:35``), the writers
  in ``.a-info .original span``, the body in ``.a-con``, ``.a-edit`` = 责编;
- current: the story is kept in hidden ``<textarea>`` fields the page's script renders:
  ``article-title``, ``article-time`` (milliseconds since 1970), ``article-content`` (the body as
  HTML), ``article-source-name``, ``article-author``; ``page_data`` reads them.
"""

from __future__ import annotations

import re
from datetime import datetime

from lxml.html import HtmlElement, fragment_fromstring

from crawler.sources.base import UTC8, PageData, Source, texts
from crawler.sources.roles import writer_names

DISPLAY_NAME = "环球网"
CHANNELS = ("world", "china", "mil", "finance", "opinion", "taiwan", "tech")

#: Baidu analytics variables of the 2020 pages: 3 = the channel, 4 = the editor
_CHANNEL_VAR = re.compile(r"_setCustomVar'\s*,\s*3\s*,\s*'[^']*'\s*,\s*'([^']+)'")
#: the page's script variables: ``source: '补壹刀微信公号', // 来源``
_SOURCE_VAR = re.compile(r"\bsource\s*:\s*'([^'\n]{1,40})'")


def _field(doc: HtmlElement, name: str) -> str:
    """The text of the hidden ``<textarea class="article-...">`` field `name`."""
    found = doc.xpath("//textarea[contains(concat(' ', @class, ' '), $c)]", c=f" article-{name} ")
    return (found[0].text or "").strip() if found else ""


def _plain(html: str) -> str:
    return " ".join(fragment_fromstring(html, create_parent="div").text_content().split())


def _textarea_fields(doc: HtmlElement) -> PageData:
    found: PageData = {}
    content = _field(doc, "content")
    if not content:
        return found
    found["body_html"] = content
    title = _field(doc, "title")
    if title:
        found["title"] = title
    millis = _field(doc, "time")
    if millis.isdigit():
        found["published"] = datetime.fromtimestamp(int(millis) / 1000, UTC8).isoformat()
    author = _plain(_field(doc, "author")) if _field(doc, "author") else ""
    source = _plain(_field(doc, "source-name")) if _field(doc, "source-name") else ""
    found["bylines"] = writer_names(
        author
    )  # ``环球时报驻德国特约记者 青木``, ``环球网记者 张三 李四``
    if source:
        found["agency"] = source  # ``环球时报-环球网``: the paper (the part before the dash)
    return found


def _page_fields(doc: HtmlElement) -> PageData:
    found = _textarea_fields(doc)
    if found:
        return found
    time = doc.cssselect(".a-info .time")
    if time and time[0].text_content().strip():
        found["published"] = time[0].text_content().strip()
    writers = [w for w in texts(doc, ".a-info .original span") if w]
    if writers:
        found["bylines"] = writers
    for script in doc.iter("script"):
        m = _CHANNEL_VAR.search(script.text or "")
        if m and "section" not in found:
            found["section"] = m.group(1)
        m = _SOURCE_VAR.search(script.text or "")
        if m and m.group(1).strip() and "agency" not in found:
            found["agency"] = m.group(1).strip()
    return found


SOURCE = Source(
    name="huanqiu",
    display_name=DISPLAY_NAME,
    domains=("huanqiu.com",),
    start_urls=tuple(
        ["https://www.huanqiu.com/"] + [f"https://{c}.huanqiu.com/" for c in CHANNELS]
    ),
    article_path=re.compile(r"(?:/article|/a/[0-9a-f]{4,8})/(?P<id>[0-9A-Za-z]{11})"),
    canonical_base="https://www.huanqiu.com",
    keep_host=True,
    tz=UTC8,
    lang="zh-CN",
    body_selectors=(".a-con", "article .l-con", ".article-content"),
    junk_selectors=(".a-edit", ".a-btool", ".editor"),
    junk_text=(r"^责编[:：]",),
    title_selectors=("h1.a-title", ".t-container h1", "h1"),
    section_selectors=(".nav-crumbs a:last-child",),
    page_data=_page_fields,
)
