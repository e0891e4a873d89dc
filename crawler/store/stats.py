"""Counts over the catalog: articles per source and per day, and how complete they are."""

from __future__ import annotations

from crawler.store.reader import Day, Reader, filters

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
) -> dict:
    """``{"articles", "missing": {what: share}, "sources": [...], "days": [...]}``.

    `sources`: per source, the article count, first and last publish time and the count
    missing each of MISSING. `days`: per publish day (in the outlet's timezone) and source,
    newest first, the last `days` days that have articles (all of them when `days` is None).
    """
    where, params = filters(source, since, until)
    clause = (" where " + " and ".join(where)) if where else ""
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
