"""德国之声 (DW Chinese, dw.com/zh and dw.com/zh-hant): found through its RSS feed, read from the
page.

Article URLs are ``/zh/<percent-encoded title>/a-<number>``; ``a-<number>`` is the story id
(``av-`` videos and ``g-`` galleries are no articles). Pages carry JSON-LD ``NewsArticle`` with
UTC times; the body is ``.rich-text`` (since the 2023 redesign) or ``.longText`` (before). DW is
in Bonn/Berlin: naive times are German time.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from crawler.sources.base import PATH_SEGMENT as SEGMENT
from crawler.sources.base import Source

SOURCE = Source(
    name="dw",
    display_name="德国之声",
    domains=("dw.com",),
    #: all Chinese stories, RSS 1.0 (RDF), as seed-format archives and feed readers use it
    start_urls=("https://rss.dw.com/rdf/rss-chi-all",),
    article_path=re.compile(rf"/zh(?:-hant)?/(?:{SEGMENT}/)?(?P<id>a-\d+)"),
    canonical_base="https://www.dw.com",
    tz=ZoneInfo("Europe/Berlin"),
    lang="zh-Hans",
    body_selectors=(".rich-text", "div.longText"),
    junk_selectors=(
        ".advertisement",
        ".ad-slot",
        ".newsletter-signup",
        ".related-content",
        "aside",
    ),
    title_selectors=("article h1", "#bodyContent h1", "h1"),
    byline_selectors=(".author-details .author-name", ".author-details a"),
    lead_image_selectors=("article header figure", ".picBox"),
    junk_text=(r"^(?:DW中文有Instagram|欢迎订阅DW|订阅德国之声)",),
)
