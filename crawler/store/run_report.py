"""A run's report: what a crawl, a distributed worker or the ingester did, as one dict.

Pure (no Scrapy, no I/O): the crawl extension (crawler/run/report.py) and the worker's
(crawler/distributed/report.py) feed `build_report` the crawl's stats; the ingester
(crawler/distributed/ingest.py) feeds `ingest_report` its counts. Both take the status, problem
and exit code from the one decision (crawler/store/run_status.py); crawler/store/run_summary.py
renders any of them as the summary table, crawler/store/runs.py stores them.

The report also accounts for every link (crawler/run/outcomes.py): the requests the crawl decided to
make, and the outcome each ended with; ``links.unaccounted`` is 0 when they add up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from crawler import settings as defaults
from crawler.run.drift import drift_warnings, listings
from crawler.store.run_status import (
    ARCHIVE_UNWRITABLE,
    CRAWL,
    INGESTER,
    NORMAL_ENDS,
    UNWRITABLE_STAT,
    WORKER,
    RunFacts,
    Verdict,
    decide,
)
from crawler.store.runs import COUNTS

#: what an archived article can lack (crawler/pipelines/archive.py counts them per source):
#: a publish time stated on the page, a byline, a body of some length, the whole article
HEALTH_MARKS = ("no_date", "no_byline", "short_body", "incomplete")
HEALTH_TITLES = {
    "no_date": "no date",
    "no_byline": "no byline",
    "short_body": "short body",
    "empty_body": "empty body",
    "incomplete": "incomplete",
}
#: counts of a run besides COUNTS (the summary's "also" line)
EXTRA = ("alias", "already_archived", "revisits", "not_modified")
#: how a link can end besides COUNTS (crawler/run/outcomes.py); `queued`: handed to the ingester
LINK_OUTCOMES = ("alias", "already_archived", "queued", "duplicate", "ignored", "pages_read")
#: the ingester's finish reasons: the run was over, SIGINT/SIGTERM, an error stopped it
IDLE, SIGNAL, ERROR = "idle", "signal", "error"


def report_id(started: datetime) -> str:
    """The id of a run started at `started` (UTC): it names ``_runs/<id>.json``."""
    return started.strftime("%Y%m%dT%H%M%S.") + f"{started.microsecond // 1000:03d}Z"


def _breakdown(stats: Mapping, prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def _head(
    spider: str,
    role: str | None,
    started: datetime,
    finished: datetime,
    verdict: Verdict,
    reason: str,
) -> dict:
    """What every run report starts with, in this order: which run, when, how it went."""
    return {
        "id": report_id(started),
        "spider": spider,
        **({"role": role} if role else {}),
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "status": verdict.status,
        "problem": verdict.problem,
        "exit_code": verdict.exit_code,
        "finish_reason": reason,
    }


def build_report(
    stats: Mapping,
    *,
    spider: str,
    reason: str,
    started: datetime,
    finished: datetime,
    max_error_share: float,
    previous: list[dict] | None = None,
    health_warn_share: float = defaults.HEALTH_WARN_SHARE,
    health_warn_rise: float = defaults.HEALTH_WARN_RISE,
    health_min_articles: int = defaults.HEALTH_MIN_ARTICLES,
    drift: dict | None = None,
    role: str = CRAWL,
    fatal: str | None = None,
) -> dict:
    """The run report of a crawl's `stats`. `previous`: earlier run reports (newest first), the
    baseline the health shares of this run are compared with. `drift`: the thresholds of the
    drift rules (crawler/run/drift.py: `drift_warnings`' keyword arguments). `role`: WORKER for a
    distributed worker: it writes nothing, what it handed over is ``counts.queued`` and counts
    as handled; it has ``role``, ``worker`` and ``run``. `fatal`: a problem that failed the run
    whatever it did (a worker that lost Redis)."""
    counts = {name: int(stats.get(f"newsarchive/{name}", 0)) for name in (*COUNTS, *EXTRA)}
    requests = int(stats.get("downloader/request_count", 0))
    reached = int(stats.get("downloader/response_count", 0)) - int(
        stats.get("robotstxt/response_count", 0)
    )
    pages = sum(int(stats.get(f"newsarchive/discovery/{k}_pages", 0)) for k in ("listing", "feed"))
    queued = int(stats.get("newsarchive/queued", 0)) if role == WORKER else 0
    if reason == ARCHIVE_UNWRITABLE and not fatal:
        fatal = stats.get(UNWRITABLE_STAT) or "cannot write to ARCHIVE_DIR"
    verdict = decide(
        RunFacts(
            role=role,
            fatal=fatal,
            ended_early=None if reason in NORMAL_ENDS else f"the run ended early ({reason})",
            requests=requests,
            pages_reached=reached,
            listing_pages=pages,
            article_links=int(stats.get("newsarchive/discovery/article_links", 0)),
            revisits=counts["revisits"],
            handled=pages + queued + sum(counts[n] for n in COUNTS),
            failed=counts["failed"],
        ),
        max_error_share,
    )
    sources: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith("newsarchive/source/"):
            source, outcome = key[len("newsarchive/source/") :].rsplit("/", 1)
            sources.setdefault(source, dict.fromkeys(COUNTS, 0))[outcome] = int(value)
    report = {
        **_head(spider, None, started, finished, verdict, reason),
        "requests": requests,
        "pages_reached": reached,
        "listing_pages": pages,
        "counts": counts,
        "skipped_reasons": _breakdown(stats, "newsarchive/skipped/"),
        "failed_reasons": _breakdown(stats, "newsarchive/failed/"),
        "links": build_links(stats),
        "incomplete_reasons": _breakdown(stats, "newsarchive/incomplete/"),
        "images": build_images(stats),
        "sources": sources,
        "health": (health := build_health(stats)),
        "health_warnings": health_warnings(
            health, previous or [], health_warn_share, health_warn_rise, health_min_articles
        ),
        "listings": (links := listings(stats)),
        "drift_warnings": drift_warnings(
            {"listings": links, "health": health}, previous or [], **(drift or {})
        ),
    }
    if role == WORKER:
        counts["queued"] = queued
        report["role"] = WORKER
        for key in ("worker", "run"):
            report[key] = stats.get(f"newsarchive/distributed/{key}", "")
    return report


def ingest_report(
    *,
    started: datetime,
    finished: datetime,
    reason: str,
    error: str | None,
    until_idle: float | None,
    max_error_share: float,
    counts: Mapping[str, int],
    sources: Mapping[str, Mapping[str, int]],
    failed_reasons: Mapping[str, int],
    items: int,
    recovered: int,
    worker_reports: int,
    redis_prefix: str,
) -> dict:
    """The ingester's run report (spider ``ingest``). `reason`: IDLE, SIGNAL or ERROR (`error`
    says what); a signal before `until_idle` was reached interrupted it. `items`: the items it
    took off the queue (saved or set aside), `counts` what became of them."""
    totals = {name: int(counts.get(name, 0)) for name in (*COUNTS, *EXTRA)}
    stopped_early = reason == SIGNAL and until_idle is not None
    verdict = decide(
        RunFacts(
            role=INGESTER,
            fatal=error,
            ended_early="stopped by a signal before it was idle" if stopped_early else None,
            handled=items,
            failed=totals["failed"],
        ),
        max_error_share,
    )
    return {
        **_head("ingest", INGESTER, started, finished, verdict, reason),
        "requests": 0,
        "pages_reached": 0,
        "listing_pages": 0,
        "counts": totals,
        "skipped_reasons": {},
        "failed_reasons": dict(sorted(failed_reasons.items())),
        "incomplete_reasons": {},
        "sources": {
            source: {name: int(c.get(name, 0)) for name in COUNTS}
            | ({"alias": int(c["alias"])} if c.get("alias") else {})
            for source, c in sorted(sources.items())
        },
        "health": {},
        "health_warnings": [],
        "items": items,
        "recovered": recovered,
        "worker_reports": worker_reports,
        "redis_prefix": redis_prefix,
    }


def build_images(stats: Mapping) -> dict:
    """The articles' images (crawler/pipelines/images.py): downloaded, and why others were not."""
    return {
        "downloaded": int(stats.get("newsarchive/images/downloaded", 0)),
        "failed": _breakdown(stats, "newsarchive/images/failed/"),
        "skipped": _breakdown(stats, "newsarchive/images/skipped/"),
    }


def build_links(stats: Mapping) -> dict:
    """Every link the crawl decided to request, and how they ended: `outcomes` (the counts),
    `unfinished` (still waiting when the run stopped), `unaccounted` (links that ended without a
    counted outcome, or outcomes counted twice: 0 when everything adds up)."""
    total = int(stats.get("newsarchive/links", 0))
    outcomes = {name: int(stats.get(f"newsarchive/{name}", 0)) for name in COUNTS}
    outcomes.update({name: int(stats.get(f"newsarchive/{name}", 0)) for name in LINK_OUTCOMES})
    unfinished = total - int(stats.get("newsarchive/links_ended", 0))
    return {
        "total": total,
        "outcomes": outcomes,
        "duplicate_reasons": _breakdown(stats, "newsarchive/duplicate/"),
        "ignored_reasons": _breakdown(stats, "newsarchive/ignored/"),
        "unfinished": unfinished,
        "unaccounted": total - unfinished - sum(outcomes.values()),
    }


def build_health(stats: Mapping) -> dict[str, dict]:
    """Per source: articles extracted, how many lack each of HEALTH_MARKS, article pages whose
    body was not found (``empty_body``), and the share of each."""
    health: dict[str, dict] = {}
    for key, value in stats.items():
        if key.startswith("newsarchive/health/"):
            source, mark = key[len("newsarchive/health/") :].rsplit("/", 1)
            health.setdefault(source, {"articles": 0, "empty_body": 0})[mark] = int(value)
    for counts in health.values():
        articles = counts["articles"]
        for mark in HEALTH_MARKS:
            counts.setdefault(mark, 0)
        counts["share"] = {m: counts[m] / articles if articles else 0.0 for m in HEALTH_MARKS}
        pages = articles + counts["empty_body"]
        counts["share"]["empty_body"] = counts["empty_body"] / pages if pages else 0.0
    return dict(sorted(health.items()))


def health_warnings(
    health: dict[str, dict],
    previous: list[dict],
    warn_share: float,
    warn_rise: float,
    min_articles: int,
) -> list[str]:
    """What looks like a site redesign: a share that rose by `warn_rise` or more over the mean
    of the earlier runs' (or, with no earlier run, is at `warn_share` or more)."""
    warnings = []
    for source, counts in health.items():
        if counts["articles"] + counts["empty_body"] < min_articles:
            continue
        for mark, share in counts["share"].items():
            before = [
                run["health"][source]["share"][mark]
                for run in previous
                if source in run.get("health", {})
                and run["health"][source]["articles"] + run["health"][source]["empty_body"]
                >= min_articles
            ][:10]
            baseline = sum(before) / len(before) if before else None
            if (baseline is None and share >= warn_share) or (
                baseline is not None and share - baseline >= warn_rise
            ):
                was = f" (was {baseline:.0%})" if baseline is not None else ""
                pages = counts["articles"] + (counts["empty_body"] if mark == "empty_body" else 0)
                warnings.append(f"{source}: {HEALTH_TITLES[mark]} {share:.0%} of {pages}{was}")
    return warnings
