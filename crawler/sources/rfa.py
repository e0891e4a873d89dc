"""自由亚洲电台 (RFA Mandarin, rfa.org/mandarin): found through its RSS feed, read from the page.

Two URL shapes, both followed:
- up to 2024 (Plone): ``/mandarin/<section>[/<sub>]/<slug>-<MMDDYYYYHHMMSS>.html``; the file name
  is the story id (``cm-01082021142032``), the section may change (``Xinwen``, ``yataibaodao``);
  the body is ``#storytext``, which carries lists of links to related stories in its middle;
- since the 2024 move to Arc XP: ``/mandarin/<section>/<YYYY>/<MM>/<DD>/<slug>/``; id
  ``<YYYYMMDD>-<slug>``. Those pages are read by the generic path (JSON-LD, meta, trafilatura).

RFA is in Washington: naive times are US Eastern. The 14 digits of an old id are the story's
creation time (Eastern), used only when the page gives no time at all.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement

from crawler.sources.base import PageData, Source, capped_id

EASTERN = ZoneInfo("America/New_York")
_OLD_ID = re.compile(r"-(\d{2})(\d{2})(\d{4})(\d{2})(\d{2})(\d{2})\.html")


class RfaSource(Source):
    def raw_article_id(self, url: str) -> str | None:
        """The old file name as it is; a new ``YYYY/MM/DD/slug`` as ``YYYYMMDD-slug``."""
        found = super().raw_article_id(url)
        if found and "/" in found:
            date, slug = found[:10].replace("/", ""), found[11:]
            found = capped_id(f"{date}-{slug}")
        return found


def _page_vars(doc: HtmlElement) -> PageData:
    """The creation time hidden in an old story id, when the page carries no time."""
    for url in doc.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content"):
        m = _OLD_ID.search(url)
        if m:
            month, day, year, hour, minute, second = (int(g) for g in m.groups())
            try:
                created = datetime(year, month, day, hour, minute, second, tzinfo=EASTERN)
            except ValueError:
                return {}
            return {"published": created.isoformat()}
    return {}


def _drop_related_lists(body: HtmlElement) -> None:
    """Lists whose every item is nothing but a link to another story: "related" boxes."""
    for ul in body.xpath(".//ul"):
        items = ul.xpath("./li")
        if items and all(_only_a_link(li) for li in items):
            ul.drop_tree()


def _only_a_link(li: HtmlElement) -> bool:
    text = "".join(li.itertext()).strip()
    linked = "".join(t for a in li.iter("a") for t in a.itertext()).strip()
    return bool(text) and text == linked


SOURCE = RfaSource(
    name="rfa",
    display_name="自由亚洲电台",
    domains=("rfa.org",),
    #: the current feed (Arc XP); until 2024 it was /mandarin/rss2.xml
    start_urls=("https://www.rfa.org/arc/outboundfeeds/mandarin/rss/",),
    article_path=re.compile(
        r"/mandarin(?:/[A-Za-z0-9_-]+)*?/"
        r"(?P<id>[A-Za-z0-9_-]+-\d{14}(?=\.html)|\d{4}/\d{2}/\d{2}/[a-z0-9-]+)(?:\.html)?"
    ),
    canonical_base="https://www.rfa.org",
    tz=EASTERN,
    lang="zh-Hans",
    body_selectors=("#storytext",),
    junk_selectors=("#audio_player", ".audio-player", ".sharing", "#related_stories"),
    title_selectors=("#storycontent h1", "h1"),
    byline_selectors=("#story_byline",),
    lead_image_selectors=("#headerimg",),
    page_data=_page_vars,
    fix_body=_drop_related_lists,
)
