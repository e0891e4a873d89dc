"""美国之音 (VOA Chinese, voachinese.com): found through its RSS feed, read from the page.

Article URLs are ``/a/<slug>/<number>.html`` (older and short links: ``/a/<number>.html``); the
number is the story id, whatever slug it is linked under. Pages are built by VOA's Pangea CMS:
JSON-LD ``NewsArticle`` (``datePublished`` like ``2021-01-09 16:46:49Z``), the body in
``#article-content .wsw``, embedded media and "related" boxes in ``.wsw__embed``. VOA is in
Washington: naive times on its pages are US Eastern.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from crawler.sources.base import PATH_SEGMENT as SEGMENT
from crawler.sources.base import Source

SOURCE = Source(
    name="voa",
    display_name="美国之音",
    domains=("voachinese.com",),
    #: VOA's Chinese feeds live under /api/ with opaque names; this is the one its RSS page
    #: lists first and feed readers use (seed-format archives carried it)
    start_urls=("https://www.voachinese.com/api/zm_yql-vomx-tpeybti",),
    article_path=re.compile(rf"/a/(?:{SEGMENT}/)?(?P<id>\d{{5,}})\.html"),
    canonical_base="https://www.voachinese.com",
    tz=ZoneInfo("America/New_York"),
    lang="zh-Hans",
    body_selectors=("#article-content .wsw", "div.wsw"),
    junk_selectors=(
        ".wsw__embed",
        ".media-block-wrap",
        ".embed-player-only",
        ".share--box",
        ".sticky-share-container",
    ),
    title_selectors=("h1.pg-title", "h1.title"),
    byline_selectors=(".publishing-details .links__item-link",),
    lead_image_selectors=(".cover-media figure",),
    junk_text=(r"^(?:请点击|点击)?(?:订阅|关注)美国之音",),
)
