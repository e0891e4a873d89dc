"""纽约时报中文网 (cn.nytimes.com): found through its RSS feed, read from the page.

Article URLs are ``/<section>/<YYYYMMDD>/<slug>/``; a slug alone is not unique over the years,
so the id is ``<YYYYMMDD>-<slug>``. The Traditional (``.../zh-hant/``) and bilingual
(``.../dual/``) renderings of a story are not followed: the Simplified page is the article. Pages
name the byline and a naive publish time (Beijing time, which the site uses throughout) in the
header; the body is ``section.article-body``, its paragraphs ``.article-paragraph``, with ads
and "related" asides between them.
"""

from __future__ import annotations

import re

from crawler.sources.base import UTC8, Source, capped_id


class NytimesSource(Source):
    def raw_article_id(self, url: str) -> str | None:
        """``YYYYMMDD/slug`` -> ``YYYYMMDD-slug``."""
        found = super().raw_article_id(url)
        return capped_id(found.replace("/", "-")) if found else None


SOURCE = NytimesSource(
    name="nytimes",
    display_name="纽约时报中文网",
    domains=("cn.nytimes.com",),
    start_urls=("https://cn.nytimes.com/rss/",),
    article_path=re.compile(r"/[a-z-]+(?:/[a-z-]+)?/(?P<id>(?:19|20)\d{6}/[a-z0-9-]+)"),
    canonical_base="https://cn.nytimes.com",
    tz=UTC8,
    lang="zh-Hans",
    body_selectors=("section.article-body", ".article-body"),
    junk_selectors=(
        ".article-body-aside",
        ".big_ad",
        ".ad_wrap",
        ".setting-bar",
        ".article-share",
    ),
    title_selectors=(".article-header h1", "header h1", "h1"),
    byline_selectors=(".article-header .byline address",),
    lead_image_selectors=(".article-span-photo",),
    junk_text=(r"^点击查看本文英文版",),
)
