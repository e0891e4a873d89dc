"""Counts over the catalog: articles per source and per day, and how complete they are; and
the health of each outlet across the last runs (site drift)."""

from __future__ import annotations

import json

from crawler.store.reader import Day, Reader, filters, where_clause

#: what an article can lack, and the SQL that tells (over ``articles a``)
MISSING = {
    # the page did not state its publish time: taken from the URL or guessed (date_source)
    "date": "a.date_source is not null",
    "byline": "coalesce(a.bylines, '') in ('', '[]')",
    "body": "coalesce(a.chars, 0) = 0",
}


def archive_stats(
    reader: Reader,
    source: str | None = None,
    since: Day = None,
    until: Day = None,
    days: int | None = 30,
    agency: str | None = None,
) -> dict:
    """``{"articles", "missing": {what: share}, "sources": [...], "days": [...]}``.

    `sources`: per source, the article count, first and last publish time and the count
    missing each of MISSING. `days`: per publish day (in the outlet's timezone) and source,
    newest first, the last `days` days that have articles (all of them when `days` is None).
    """
    where, params = filters(source, since, until, agency)
    clause = where_clause(where)
    lacking = ", ".join(f"sum({sql}) as missing_{name}" for name, sql in MISSING.items())
    per_source = [
        dict(row)
        for row in reader.db.query(
            "select a.source, count(*) as articles, min(a.published) as first, "
            f"max(a.published) as last, {lacking} from articles a{clause} "
            "group by a.source order by a.source",
            params,
        )
    ]
    total = sum(s["articles"] for s in per_source)
    missing = {
        name: round(sum(s[f"missing_{name}"] for s in per_source) / total, 4) if total else 0.0
        for name in MISSING
    }
    day_rows = list(
        reader.db.query(
            "select substr(a.published, 1, 10) as day, a.source, count(*) as articles "
            f"from articles a{clause} group by day, a.source order by day desc, a.source",
            params,
        )
    )
    if days is not None:
        keep = sorted({r["day"] for r in day_rows}, reverse=True)[:days]
        day_rows = [r for r in day_rows if r["day"] in set(keep)]
    return {"articles": total, "missing": missing, "sources": per_source, "days": day_rows}


#: the per-outlet figures of a run report's health (crawler/run/report.py) shown as a trend: the
#: share of articles lacking each thing, and the drift rules' marks (crawler/run/drift.py)
TREND_MARKS = (
    "no_date", "no_byline", "short_body", "incomplete", "empty_body", "fallback_body", "site_title"
)  # fmt: skip


def health_trend(reader: Reader, source: str | None = None, runs: int = 10) -> dict[str, list]:
    """Per outlet, its figures in each of the last `runs` run reports, newest first: articles,
    article links its listing pages yielded, the share of each of TREND_MARKS and the drift
    warnings that named it. Unreadable reports are skipped."""
    trend: dict[str, list] = {}
    for (text,) in reader.db.execute(
        "select report from runs order by started desc limit ?", [runs]
    ):
        try:
            report = json.loads(text)
            health, links = report.get("health") or {}, report.get("listings") or {}
            for name in sorted(set(health) | set(links)):
                if source and name != source:
                    continue
                trend.setdefault(name, []).append(_trend_row(report, name, health, links))
        except (ValueError, TypeError, AttributeError, KeyError):
            continue
    return dict(sorted(trend.items()))


def _trend_row(report: dict, name: str, health: dict, links: dict) -> dict:
    counts = health.get(name) or {}
    articles = int(counts.get("articles", 0))
    shares = dict(counts.get("share") or {})
    for mark in TREND_MARKS:
        if mark not in shares:
            pages = articles + (int(counts.get("empty_body", 0)) if mark == "empty_body" else 0)
            shares[mark] = int(counts.get(mark, 0)) / pages if pages else 0.0
    warnings = [*report.get("health_warnings", []), *report.get("drift_warnings", [])]
    return {
        "run": report["id"],
        "articles": articles,
        "links": sum(links[name].values()) if name in links else None,
        "share": {m: round(float(shares[m]), 4) for m in TREND_MARKS},
        "warnings": [w for w in warnings if w.startswith(f"{name}:")],
    }
