"""A worker's run report: built as a crawl's, sent to Redis for the archive machine.

`WorkerRunReport` takes the place of `RunReport` in worker mode. It builds the same report
(crawler/store/run_report.py, role ``worker``; its status: crawler/store/run_status.py), logs
the same summary and leaves the same exit code for ``scrapy crawl``, but a worker has no
archive: the report goes to ``P:reports``, and ``newsarchive ingest``
writes it into ``ARCHIVE_DIR/_runs/`` and the ``runs`` table (so ``newsarchive status`` on the
archive machine shows the workers' runs next to the ingester's). The last few reports of the
spider stay in ``P:S:reports:recent``: the baseline of the health warnings.

A worker writes nothing, so its counts of new/updated/unchanged are 0; what it handed over is
``counts.queued``, and that counts as handled when the share of failed pages is judged. A worker
that found no work at all (it joined a run whose frontier was already empty) ran fine. A worker
that lost Redis (finish reason ``redis_unreachable``) failed: exit 1.
"""

from __future__ import annotations

import json
import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.distributed import Keys
from crawler.distributed.connection import server_from_settings
from crawler.distributed.scheduler import REDIS_LOST
from crawler.run.report import RunReport
from crawler.store.run_report import build_report
from crawler.store.run_status import WORKER

logger = logging.getLogger(__name__)

RECENT_REPORTS = 10


def worker_report(stats: dict, *, reason: str, **kwargs) -> dict:
    """`build_report` for a worker (see the module doc): a worker that lost Redis failed."""
    fatal = None
    if reason == REDIS_LOST:
        fatal = f"lost Redis ({stats.get('newsarchive/distributed/lost_redis', '')})"
    return build_report(stats, reason=reason, role=WORKER, fatal=fatal, **kwargs)


class WorkerRunReport(RunReport):
    def __init__(self, crawler: Crawler, server, max_error_share: float):
        super().__init__(crawler, "", max_error_share)
        self.server = server
        self.keys = Keys.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerRunReport:
        settings = crawler.settings
        if not settings.getbool("RUN_REPORT_ENABLED"):
            raise NotConfigured
        ext = cls(crawler, server_from_settings(settings), settings.getfloat("RUN_MAX_ERROR_SHARE"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def previous_reports(self) -> list[dict]:
        if getattr(self.crawler.engine.scheduler, "lost_redis", None):
            return []
        try:
            return [json.loads(r) for r in self.server.lrange(self.keys.recent_reports, 0, -1)]
        except Exception:  # noqa: BLE001 - the report matters more than its baseline
            logger.warning("earlier worker reports unreadable; health compared with nothing")
            return []

    def build(self, stats: dict, **kwargs) -> dict:
        report = worker_report(stats, **kwargs)
        # two workers may start in the same millisecond: the id names the report file
        report["id"] += "-" + (report["worker"] or "worker").rsplit(":", 1)[-1]
        return report

    def deliver(self, report: dict) -> str:
        """To Redis, for the ingester to write into the archive."""
        if getattr(self.crawler.engine.scheduler, "lost_redis", None):
            return "not sent (Redis unreachable)"
        try:
            data = json.dumps(report, ensure_ascii=False)
            pipe = self.server.pipeline()
            pipe.lpush(self.keys.reports, data)
            pipe.lpush(self.keys.recent_reports, data)
            pipe.ltrim(self.keys.recent_reports, 0, RECENT_REPORTS - 1)
            pipe.execute()
        except Exception:  # noqa: BLE001 - the summary is logged all the same
            logger.exception("could not send the run report to Redis")
            return "not sent (Redis unreachable)"
        queued = report["counts"]["queued"]
        return f"sent to {self.keys.reports} for the archive ({queued} articles queued)"
