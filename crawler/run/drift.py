"""Site drift, caught the day it happens: per-outlet rules a layout change trips even when the
run as a whole went well.

- ``listing``: a listing page (or feed) yielded far fewer article links than the median of its
  last runs (``DRIFT_LISTING_SHARE`` of it or less): its link markup changed;
- ``selectors``: the outlet's body selectors stopped matching: most of its articles had their
  body read from the whole page by the generic fallback (``Article.body_fallback``);
- ``site-title``: most of its articles are titled with the site's own name: the headline
  selectors stopped matching and ``<title>`` or ``og:site_name`` stood in.

The crawl counts what they need in its stats (``newsarchive/listing/<source>/<url>``,
``newsarchive/health/<source>/fallback_body`` and ``.../site_title``); the run report keeps the
per-listing counts (``listings``) for the next runs and says each rule that fired as one line
naming the outlet and the rule (``drift_warnings``). ``newsarchive stats --health`` shows the
figures per outlet across the last runs.
"""

from __future__ import annotations

import re
from statistics import median

#: the stats key prefix of the article links each listing page yielded
LISTING_PREFIX = "newsarchive/listing/"
#: the health marks the drift rules read, and the rule each one trips
DRIFT_MARKS = {"fallback_body": "selectors", "site_title": "site-title"}
_IGNORED = re.compile(r"[\s\-_|｜—–·:：,，]+")


def listing_stat(source: str, url: str) -> str:
    return f"{LISTING_PREFIX}{source}/{url}"


def title_is_site_name(title: str, site_names: tuple[str, ...]) -> bool:
    """Whether `title` is nothing but one of the site's names, separators and letter case
    aside (``人民网``, ``澎湃新闻 - The Paper`` for the names 澎湃新闻 and The Paper)."""
    bare = _IGNORED.sub("", title).lower()
    names = [_IGNORED.sub("", n).lower() for n in site_names if n and _IGNORED.sub("", n)]
    if not bare or not names:
        return False
    for name in sorted(names, key=len, reverse=True):
        bare = bare.replace(name, "")
    return not bare


def listings(stats: dict) -> dict[str, dict[str, int]]:
    """Per source, the article links each listing page yielded in this run."""
    found: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith(LISTING_PREFIX):
            source, _, url = key[len(LISTING_PREFIX) :].partition("/")
            found.setdefault(source, {})[url] = int(value)
    return {s: dict(sorted(urls.items())) for s, urls in sorted(found.items())}


def drift_warnings(
    report: dict,
    previous: list[dict],
    listing_share: float = 0.5,
    min_links: int = 5,
    min_runs: int = 3,
    mark_share: float = 0.5,
    min_articles: int = 3,
) -> list[str]:
    """One line per rule that fired: ``<outlet>: <rule>: what was seen``. `previous`: the
    earlier run reports, newest first (the last 10 are the listing baseline)."""
    warnings = []
    for source, urls in report.get("listings", {}).items():
        for url, links in urls.items():
            before = [_links(run, source, url) for run in previous[:10]]
            before = [n for n in before if n is not None]
            if len(before) < min_runs:
                continue
            usual = median(before)
            if usual >= min_links and links <= listing_share * usual:
                warnings.append(
                    f"{source}: listing: {url} yielded {links} article links"
                    f" (median of the last {len(before)} runs: {usual:g})"
                )
    for source, counts in report.get("health", {}).items():
        articles = counts.get("articles", 0)
        if articles < min_articles:
            continue
        for mark, rule in DRIFT_MARKS.items():
            hits = counts.get(mark, 0)
            if hits and hits >= mark_share * articles:
                warnings.append(f"{source}: {rule}: {_SAID[rule]} in {hits} of {articles} articles")
    return warnings


def _links(run: dict, source: str, url: str) -> int | None:
    """The links the listing yielded in an earlier run; None when that run did not read it (or
    its report predates the count, or is not of this shape)."""
    try:
        value = run["listings"][source][url]
    except (KeyError, TypeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_SAID = {
    "selectors": "article selectors stopped matching, body found by the generic fallback",
    "site-title": "title equal to the site name",
}
