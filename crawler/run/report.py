"""The crawl's run report: the `RunReport` extension feeds the crawl's stats to the report model.

The report itself (crawler/store/run_report.py), its status and exit code
(crawler/store/run_status.py) and the summary table (crawler/store/run_summary.py) are pure and
shared with the distributed worker (crawler/distributed/report.py) and the ingester. When the
spider closes, `RunReport` builds the report, writes it (``ARCHIVE_DIR/_runs/`` and the ``runs``
table), logs the summary and leaves the exit code in the stats for the crawl command
(crawler/commands/crawl.py).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.run.outcomes import describe
from crawler.store.archive import unwritable_reason
from crawler.store.run_report import build_report
from crawler.store.run_status import OK
from crawler.store.run_summary import summary
from crawler.store.runs import RUNS_DIR, last_runs, write_run_report

logger = logging.getLogger(__name__)


class RunReport:
    def __init__(self, crawler: Crawler, archive_dir: str, max_error_share: float):
        self.crawler = crawler
        self.archive_dir = archive_dir
        self.max_error_share = max_error_share
        self.started = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReport:
        archive_dir = crawler.settings.get("ARCHIVE_DIR")
        if not archive_dir or not crawler.settings.getbool("RUN_REPORT_ENABLED"):
            raise NotConfigured
        ext = cls(crawler, archive_dir, crawler.settings.getfloat("RUN_MAX_ERROR_SHARE"))
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
            health_warn_share=settings.getfloat("HEALTH_WARN_SHARE"),
            health_warn_rise=settings.getfloat("HEALTH_WARN_RISE"),
            health_min_articles=settings.getint("HEALTH_MIN_ARTICLES"),
            drift={
                "listing_share": settings.getfloat("DRIFT_LISTING_SHARE"),
                "min_links": settings.getint("DRIFT_MIN_LINKS"),
                "min_runs": settings.getint("DRIFT_MIN_RUNS"),
                "mark_share": settings.getfloat("DRIFT_SHARE"),
                "min_articles": settings.getint("HEALTH_MIN_ARTICLES"),
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
        log = logger.info if report["status"] == OK else logger.error
        if report["status"] == OK and (report["health_warnings"] or report["drift_warnings"]):
            log = logger.warning
        log("%s\n  report: %s", summary(report), where)
