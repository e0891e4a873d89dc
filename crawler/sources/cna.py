"""中央社 (CNA, cna.com.tw): found through its RSS feeds, read from the page.

Article URLs are ``/news/<section>/<YYYYMMDD><4 digits>.aspx``; the 12 digits are the story id,
the same story is linked under several sections (``firstnews``, ``aipl``, ``acn``, ...). Pages
carry JSON-LD ``NewsArticle`` (2019 on; the 2018 template has microdata ``datePublished`` and
``author`` = 中央通訊社, the agency itself); the body is ``.centralContent .paragraph`` (the ad
banner after it is a ``.paragraph`` too, but empty), the section the breadcrumb's last link.

The reporters are named in the dateline that opens the story:
``（中央社記者邱俊欽桃園19日電）``, ``（中央社記者陳家倫、何宏儒台北19日電）``. The name runs into
the place; the place is cut off by a list of CNA's dateline cities, else the name is taken as
three characters (most Taiwanese names). A dateline without 記者 (``（中央社台北19日電）``) names
no one: the story is the agency's.

A story older than CNA's free window keeps only its first paragraph and a red notice
(``您所瀏覽的新聞已過查詢時效``, completeness.TEASER_TEXTS): archived as incomplete, notice cut.
The 2018 template's ``<meta name=keywords>`` is the headline plus the site's own words
(``News, 新聞, 即時新聞, 中央社``); ``page_data`` leaves those out.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.sources.base import UTC8, PageData, Source, edit_meta, folded_text

DISPLAY_NAME = "中央社"
#: the categories of CNA's RSS page (https://www.cna.com.tw/about/rss.aspx), served by FeedBurner
FEEDS = (
    "cnaFirstNews",
    "rsscna/politics",
    "rsscna/intworld",
    "rsscna/mainland",
    "rsscna/finance",
    "rsscna/technology",
    "rsscna/lifehealth",
    "rsscna/social",
    "rsscna/local",
    "rsscna/culture",
    "rsscna/sport",
    "rsscna/stars",
)
_BODY = (".centralContent .paragraph", "div.paragraph")
#: ``（中央社記者邱俊欽桃園19日電）``: who (names + place) before the day
_DATELINE = re.compile(
    r"^[（(]中央社(?:駐\S{1,6}?特派員|特約記者|實習記者|記者)"
    r"(?P<who>[\u4e00-\u9fff·、]{2,40}?)\d{1,2}日(?:綜合外電|專|)電"
)
#: the cities CNA datelines name, at the end of the dateline's "who" (the leftmost match wins:
#: the longest place)
_PLACE_AT_END = re.compile(
    "(?:"
    "台北|臺北|新北|桃園|新竹|苗栗|台中|臺中|彰化|南投|雲林|嘉義|台南|"
    "臺南|高雄|屏東|宜蘭|花蓮|台東|臺東|澎湖|金門|馬祖|連江|基隆|香港|"
    "澳門|北京|上海|廣州|深圳|廈門|東京|大阪|首爾|華盛頓|紐約|洛杉磯|"
    "舊金山|休士頓|芝加哥|波士頓|西雅圖|亞特蘭大|多倫多|溫哥華|倫敦|巴黎|"
    "柏林|布魯塞爾|日內瓦|維也納|羅馬|馬德里|莫斯科|華沙|布拉格|斯德哥爾摩|"
    "新加坡|曼谷|河內|胡志明市|雅加達|吉隆坡|馬尼拉|仰光|新德里|雪梨|墨爾本|"
    "坎培拉|奧克蘭|約翰尼斯堡|開羅|耶路撒冷|杜拜"
    ")$"
)
_SITE_KEYWORDS = {"News", "新聞", "即時新聞", DISPLAY_NAME, "中央通訊社", "CNA"}


def dateline_reporters(text: str) -> list[str] | None:
    """The reporters a dateline names; [] for the agency's own dateline; None: no dateline."""
    m = _DATELINE.match(text)
    if not m:
        return None if not re.match(r"^[（(]中央社", text) else []
    *names, last = m.group("who").split("、")
    place = _PLACE_AT_END.search(last)
    name = last[: place.start()] if place and place.start() >= 2 else last[:3]
    return [n for n in (*names, name) if 2 <= len(n) <= 4]


def _page_fields(doc: HtmlElement) -> PageData:
    found: PageData = {}
    headline = " ".join((doc.findtext(".//h1") or "").split())

    def story_words(keywords: str) -> str:
        words = [w.strip() for w in keywords.split(",")]
        return ",".join(
            w for w in words if w and w not in _SITE_KEYWORDS and " ".join(w.split()) != headline
        )

    edit_meta(doc, ("keywords",), story_words)
    for selector in _BODY:
        # the first paragraph, even empty: the dateline or nothing
        first = next((p for b in doc.cssselect(selector) for p in b.iter("p")), None)
        if first is not None:
            reporters = dateline_reporters(folded_text(first))
            if reporters is not None:  # the agency's own story: its reporters, or no one
                found["bylines"] = reporters
                found["agency"] = DISPLAY_NAME
            break
    return found


SOURCE = Source(
    name="cna",
    display_name=DISPLAY_NAME,
    domains=("cna.com.tw",),
    start_urls=tuple(f"https://feeds.feedburner.com/{feed}" for feed in FEEDS),
    article_path=re.compile(r"/news/[a-z]+/(?P<id>(?:19|20)\d{10})\.aspx"),
    canonical_base="https://www.cna.com.tw",
    tz=UTC8,
    lang="zh-Hant",
    body_selectors=_BODY,
    junk_selectors=(
        ".bottomArticleBanner",
        ".adslot_infinite",
        ".pcBox",
        ".mbBox",
        ".moreArticle",
        ".SubscriptionInner",
    ),
    title_selectors=(".centralContent h1", "h1"),
    section_selectors=(".centralContent .breadcrumb a:last-child",),
    lead_image_selectors=(".fullPic", ".floatImg"),
    junk_text=(
        r"^(?:本網站之文字、圖片及影音，非經授權，不得轉載|點擊訂閱)",
        r"^您所瀏覽的新聞已過查詢時效",
    ),
    page_data=_page_fields,
)
