"""中央社 (CNA, cna.com.tw): found through its RSS feeds, read from the page.

Article URLs are ``/news/<section>/<YYYYMMDD><4 digits>.aspx``; the 12 digits are the story id,
the same story is linked under several sections (``firstnews``, ``aipl``, ``acn``, ...). Pages
carry JSON-LD ``NewsArticle``; the body is ``.centralContent .paragraph`` (the ad banner after it
is a ``.paragraph`` too, but empty), the publish time ``.updatetime``, naive Taipei time.
"""

from __future__ import annotations

import re

from crawler.sources.base import UTC8, Source

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

SOURCE = Source(
    name="cna",
    display_name="中央社",
    domains=("cna.com.tw",),
    start_urls=tuple(f"https://feeds.feedburner.com/{feed}" for feed in FEEDS),
    article_path=re.compile(r"/news/[a-z]+/(?P<id>(?:19|20)\d{10})\.aspx"),
    canonical_base="https://www.cna.com.tw",
    tz=UTC8,
    lang="zh-Hant",
    body_selectors=(".centralContent .paragraph", "div.paragraph"),
    junk_selectors=(
        ".bottomArticleBanner",
        ".adslot_infinite",
        ".pcBox",
        ".mbBox",
        ".moreArticle",
        ".SubscriptionInner",
    ),
    title_selectors=(".centralContent h1", "h1"),
    lead_image_selectors=(".fullPic", ".floatImg"),
    junk_text=(r"^(?:本網站之文字、圖片及影音，非經授權，不得轉載|點擊訂閱)",),
)
