"""法广 (RFI Chinese, rfi.fr/cn): found through its RSS feed, read from the page.

Article URLs are ``/cn/<section>/<YYYYMMDD>-<title>``, section and title in Chinese
(percent-encoded); no number names the story. Its id is the date and a hash of the title,
``20210115-3c1f...``, the same whatever section or URL spelling (encoded or not, hex case, the
``//cn/`` some feeds carried) it is linked under. Pages carry JSON-LD ``NewsArticle``; the body is
``.t-content__body``, and the standfirst (``.t-content__chapo``), which is the story's first
paragraph, stands outside it. RFI is in Paris: naive times are French time.

Older AFP-wire URLs without section and date (``/cn/<title>``) are not followed: nothing tells
them from section pages.
"""

from __future__ import annotations

import copy
import hashlib
import re
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement

from crawler.sources.base import PATH_SEGMENT as SEGMENT
from crawler.sources.base import Source


class RfiSource(Source):
    def raw_article_id(self, url: str) -> str | None:
        """``YYYYMMDD-`` + 12 hex digits of the decoded title."""
        found = super().raw_article_id(url)
        if not found:
            return None
        date, _, title = found.partition("-")
        return f"{date}-{hashlib.sha1(unquote(title).encode()).hexdigest()[:12]}"


def _standfirst_first(body: HtmlElement) -> None:
    """The standfirst, which the page puts above the body, back at the top of the body."""
    chapo = body.getroottree().getroot().cssselect(".t-content__chapo")
    if chapo and chapo[0] is not body and chapo[0] not in body.iterdescendants():
        lead = copy.deepcopy(chapo[0])
        lead.tag, lead.tail = "p", None
        body.insert(0, lead)


SOURCE = RfiSource(
    name="rfi",
    display_name="法广",
    domains=("rfi.fr",),
    start_urls=("https://www.rfi.fr/cn/rss",),
    article_path=re.compile(rf"/+cn/{SEGMENT}/(?P<id>(?:19|20)\d{{6}}-{SEGMENT})"),
    canonical_base="https://www.rfi.fr",
    tz=ZoneInfo("Europe/Paris"),
    lang="zh-Hans",
    body_selectors=(".t-content__body",),
    junk_selectors=(
        ".m-interstitial",
        ".o-self-promo",
        ".m-em-related",
        ".m-feed-sub",
        ".ad",
    ),
    title_selectors=("h1.t-content__title", "h1.a-page-title"),
    keyword_selectors=(".t-content__tags a",),
    byline_selectors=(".t-content__authors .m-from-author__name",),
    section_selectors=(".t-content__section-pt a",),
    lead_image_selectors=("figure.t-content__main-media",),
    fix_body=_standfirst_first,
)
