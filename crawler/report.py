"""Saying what a run did: a JSON report, a row in the catalog, a summary table, an exit code.

`build_report` turns the crawl's stats into the report (pure); the `RunReport` extension writes
it when the spider closes and leaves the exit code in the stats for the crawl command.

Exit codes: 0 the run worked; 1 it failed (nothing reached, errors past RUN_MAX_ERROR_SHARE, or
the archive could not be written); 3 it was interrupted (SIGINT/SIGTERM); 75 another run holds the
archive lock (crawler/store/lock.py).

The report also accounts for every link (crawler/outcomes.py): the requests the crawl decided to
make, and the outcome each ended with; ``links.unaccounted`` is 0 when they add up.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.drift import drift_warnings, listings
from crawler.outcomes import ARCHIVE_UNWRITABLE, UNWRITABLE_STAT, describe
from crawler.store.archive import unwritable_reason
from crawler.store.runs import COUNTS, RUNS_DIR, last_runs, write_run_report

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 3
#: what an archived article can lack (crawler/pipelines.py counts them per source):
#: a publish time stated on the page, a byline, a body of some length, the whole article
HEALTH_MARKS = ("no_date", "no_byline", "short_body", "incomplete")
_HEALTH_TITLES = {
    "no_date": "no date",
    "no_byline": "no byline",
    "short_body": "short body",
    "empty_body": "empty body",
    "incomplete": "incomplete",
}
#: finish reasons of a run that ended as configured (limits), not by a signal or an error
_NORMAL_ENDS = ("finished", "closespider_timeout", "closespider_itemcount", "closespider_pagecount")
_EXTRA = ("alias", "already_archived", "revisits", "not_modified")
#: how a link can end besides COUNTS (crawler/outcomes.py); `queued`: handed to the ingester
LINK_OUTCOMES = ("alias", "already_archived", "queued", "duplicate", "ignored", "pages_read")


def _breakdown(stats: dict, prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def build_report(
    stats: dict,
    *,
    spider: str,
    reason: str,
    started: datetime,
    finished: datetime,
    max_error_share: float,
    previous: list[dict] | None = None,
    health_warn_share: float = 0.5,
    health_warn_rise: float = 0.3,
    health_min_articles: int = 3,
    drift: dict | None = None,
) -> dict:
    """The run report of a crawl's `stats`. `previous`: earlier run reports (newest first), the
    baseline the health shares of this run are compared with. `drift`: the thresholds of the
    drift rules (crawler/drift.py: `drift_warnings`' keyword arguments)."""
    counts = {name: int(stats.get(f"newsarchive/{name}", 0)) for name in (*COUNTS, *_EXTRA)}
    requests = int(stats.get("downloader/request_count", 0))
    reached = int(stats.get("downloader/response_count", 0)) - int(
        stats.get("robotstxt/response_count", 0)
    )
    pages = sum(int(stats.get(f"newsarchive/discovery/{k}_pages", 0)) for k in ("listing", "feed"))
    handled = pages + sum(counts[n] for n in COUNTS)
    error_share = counts["failed"] / handled if handled else 1.0
    sources = {}
    for key, value in stats.items():
        if key.startswith("newsarchive/source/"):
            source, outcome = key[len("newsarchive/source/") :].rsplit("/", 1)
            sources.setdefault(source, dict.fromkeys(COUNTS, 0))[outcome] = int(value)
    if reason == ARCHIVE_UNWRITABLE:
        status, problem = "failed", stats.get(UNWRITABLE_STAT) or "cannot write to ARCHIVE_DIR"
    elif reason not in _NORMAL_ENDS:
        status, problem = "interrupted", f"the run ended early ({reason})"
    elif reached <= 0:
        status, problem = "failed", "no page could be fetched (network, DNS or every host down?)"
    elif pages and not stats.get("newsarchive/discovery/article_links") and not counts["revisits"]:
        status, problem = (
            "failed",
            (
                f"no article link on any of the {pages} listing pages and feeds read: has the site changed?"
            ),
        )
    elif error_share > max_error_share:
        status, problem = (
            "failed",
            (
                f"{counts['failed']} of {handled} pages failed ({error_share:.0%} > {max_error_share:.0%})"
            ),
        )
    else:
        status, problem = "ok", None
    exit_code = {"ok": EXIT_OK, "failed": EXIT_FAILED, "interrupted": EXIT_INTERRUPTED}[status]
    return {
        "id": started.strftime("%Y%m%dT%H%M%S.") + f"{started.microsecond // 1000:03d}Z",
        "spider": spider,
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "status": status,
        "problem": problem,
        "exit_code": exit_code,
        "finish_reason": reason,
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


def build_images(stats: dict) -> dict:
    """The articles' images (crawler/images.py): downloaded, and why others were not."""
    return {
        "downloaded": int(stats.get("newsarchive/images/downloaded", 0)),
        "failed": _breakdown(stats, "newsarchive/images/failed/"),
        "skipped": _breakdown(stats, "newsarchive/images/skipped/"),
    }


def build_links(stats: dict) -> dict:
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


def build_health(stats: dict) -> dict[str, dict]:
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
                warnings.append(f"{source}: {_HEALTH_TITLES[mark]} {share:.0%} of {pages}{was}")
    return warnings


def summary(report: dict) -> str:
    """The report as a few readable lines (the end of every run's log)."""
    lines = [
        f"run {report['id']} ({report['spider']}): {report['status'].upper()} (exit {report['exit_code']})"
        f" in {report['duration_seconds']:.1f} s, {report['requests']} requests,"
        f" {report['pages_reached']} pages reached",
    ]
    if report["problem"]:
        lines.append(f"  problem: {report['problem']}")
    lines.extend(counts_table(report))
    for title, reasons in (
        ("skipped", report["skipped_reasons"]),
        ("failed", report["failed_reasons"]),
    ):
        if reasons:
            lines.append(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
    extra = {k: report["counts"][k] for k in _EXTRA if report["counts"][k]}
    if extra:
        lines.append("  also: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in extra.items()))
    lines.extend(_link_lines(report))
    lines.extend(_image_lines(report))
    lines.extend(_health_lines(report))
    return "\n".join(lines)


def _link_lines(report: dict) -> list[str]:
    """Where the run's links went; a warning when they do not add up."""
    links = report.get("links") or {}
    if not links.get("total"):
        return []
    ended = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in links["outcomes"].items() if v)
    lines = [f"  links: {links['total']} requested: {ended}"]
    for title in ("duplicate", "ignored"):
        reasons = links.get(f"{title}_reasons")
        if reasons:
            lines.append(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
    if links["unfinished"] and report.get("role") == "worker":  # crawler/distributed/report.py
        lines.append(f"  left to the shared queue (other workers): {links['unfinished']}")
    elif links["unfinished"]:
        lines.append(f"  not fetched (the run stopped first): {links['unfinished']}")
    if links["unaccounted"]:
        lines.append(
            f"  WARNING {links['unaccounted']} links ended without exactly one counted outcome"
        )
    return lines


def _image_lines(report: dict) -> list[str]:
    images = report.get("images") or {}
    parts = [f"downloaded {images['downloaded']}"] if images.get("downloaded") else []
    for title in ("failed", "skipped"):
        parts += [f"{title} {k} {v}" for k, v in (images.get(title) or {}).items()]
    return ["  images: " + ", ".join(parts)] if parts else []


def counts_table(report: dict) -> list[str]:
    """The counts of new/updated/unchanged/skipped/failed, a line per source and the total."""
    lines = ["  " + f"{'source':<16}" + "".join(f"{c:>11}" for c in COUNTS)]
    totals = {c: report["counts"][c] for c in COUNTS}
    for source, counts in [*sorted(report["sources"].items()), ("total", totals)]:
        lines.append("  " + f"{source:<16}" + "".join(f"{counts.get(c, 0):>11}" for c in COUNTS))
    return lines


def _health_lines(report: dict) -> list[str]:
    """The health table: per source, the share of articles lacking each thing."""
    health = report.get("health") or {}
    if not health:
        return [f"  WARNING drift {w}" for w in report.get("drift_warnings", [])]
    marks = (*HEALTH_MARKS, "empty_body")
    lines = [
        "  "
        + f"{'health':<16}{'articles':>11}"
        + "".join(f"{_HEALTH_TITLES[m]:>12}" for m in marks)
    ]
    for source, counts in health.items():
        shares = "".join(f"{counts['share'][m]:>12.0%}" for m in marks)
        lines.append("  " + f"{source:<16}{counts['articles']:>11}" + shares)
    if report.get("incomplete_reasons"):
        reasons = report["incomplete_reasons"]
        lines.append("  incomplete: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
    for warning in report.get("health_warnings", []):
        lines.append(f"  WARNING {warning}: has the site changed?")
    for warning in report.get("drift_warnings", []):
        lines.append(f"  WARNING drift {warning}")
    return lines


class RunReport:
    def __init__(self, crawler: Crawler, archive_dir: str, max_error_share: float):
        self.crawler = crawler
        self.archive_dir = archive_dir
        self.max_error_share = max_error_share
        self.started = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReport:
        archive_dir = crawler.settings.get("ARCHIVE_DIR")
        if not archive_dir or not crawler.settings.getbool("RUN_REPORT_ENABLED", True):
            raise NotConfigured
        ext = cls(crawler, archive_dir, crawler.settings.getfloat("RUN_MAX_ERROR_SHARE", 0.5))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.started = datetime.now(UTC)

    def previous_reports(self) -> list[dict]:
        """The earlier runs' reports: the baseline of the health warnings (none readable: [])."""
        try:
            return last_runs(self.archive_dir, limit=10)
        except Exception:  # noqa: BLE001 - a catalog we cannot read must not lose the report
            logger.warning("earlier run reports unreadable; health compared with nothing")
            return []

    def build(self, stats: dict, **kwargs) -> dict:
        return build_report(stats, **kwargs)

    def deliver(self, report: dict) -> str:
        """Store the report; returns where it went (for the log)."""
        return str(write_run_report(self.archive_dir, report))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        settings = self.crawler.settings
        report = self.build(
            stats.get_stats(),
            spider=spider.name,
            reason=reason,
            started=self.started,
            finished=datetime.now(UTC),
            max_error_share=self.max_error_share,
            previous=self.previous_reports(),
            health_warn_share=settings.getfloat("HEALTH_WARN_SHARE", 0.5),
            health_warn_rise=settings.getfloat("HEALTH_WARN_RISE", 0.3),
            health_min_articles=settings.getint("HEALTH_MIN_ARTICLES", 3),
            drift={
                "listing_share": settings.getfloat("DRIFT_LISTING_SHARE", 0.5),
                "min_links": settings.getint("DRIFT_MIN_LINKS", 5),
                "min_runs": settings.getint("DRIFT_MIN_RUNS", 3),
                "mark_share": settings.getfloat("DRIFT_SHARE", 0.5),
                "min_articles": settings.getint("HEALTH_MIN_ARTICLES", 3),
            },
        )
        stats.set_value("newsarchive/exit_code", report["exit_code"])
        stats.set_value("newsarchive/status", report["status"])
        try:
            where = self.deliver(report)
        except Exception as exc:  # noqa: BLE001 - the summary and the exit code still stand
            why = unwritable_reason(exc) or describe(exc)
            logger.debug("traceback of the failed report write", exc_info=exc)
            written = Path(self.archive_dir or ".") / RUNS_DIR / f"{report['id']}.json"
            if self.archive_dir and written.exists():  # the file is there, the catalog row not
                where = f"{written} (not in the catalog's runs table: {why})"
                print(f"newsarchive: run report {written} not recorded in the catalog: {why}"
                      " (`newsarchive reindex` restores it)", file=sys.stderr)  # fmt: skip
            else:
                where = f"NOT WRITTEN ({why})"
                print(f"newsarchive: the run report could not be written: {why}", file=sys.stderr)
        log = logger.info if report["status"] == "ok" else logger.error
        if report["status"] == "ok" and (report["health_warnings"] or report["drift_warnings"]):
            log = logger.warning
        log("%s\n  report: %s", summary(report), where)
