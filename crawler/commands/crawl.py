"""``scrapy crawl <source>``, as Scrapy's, plus what cron needs:

- takes the archive lock first: a second run on the same archive exits at once with code 75 and
  "another run holds the archive lock ..." (not in worker mode, ``-s REDIS_URL=``: a worker
  writes no archive);
- refuses a damaged catalog before anything is written: "catalog.db is damaged: run
  `newsarchive reindex`", exit 1;
- exits with the run report's code: 0 worked, 1 failed, 3 interrupted (crawler/run/report.py);
  an archive that cannot even be locked (disk full, read-only) exits 1 with one line.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack, nullcontext

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.downloader.replay_index import replay_problem
from crawler.pipelines.images import settings_problem as images_problem
from crawler.run.outcomes import UNWRITABLE_STAT
from crawler.run.report import RunReport
from crawler.store.archive import unwritable_reason
from crawler.store.atomic import OutsideArchive
from crawler.store.catalog import CatalogDamaged, check_catalog
from crawler.store.lock import ArchiveLock, ArchiveLocked
from crawler.store.run_status import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_USAGE

#: Scrapy's exit code for a usage error


class Command(ScrapyCrawl):
    def long_desc(self) -> str:
        return (
            "Run a spider (one per outlet: see `scrapy list`) into ARCHIVE_DIR. One run per archive "
            "at a time. Exit codes: 0 ok, 1 failed, 3 interrupted, 75 archive locked by another run."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name: scrapy crawl <spider>")
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            raise UsageError(f"no spider named {args[0]!r} (see `scrapy list`)") from None
        check = getattr(spidercls, "check_arguments", None)
        if check:  # a spider's own argument errors: a usage error (exit 2), before any locking
            check(**opts.spargs)
        problem = images_problem(self.settings)
        if problem:  # a bad ARCHIVE_IMAGES / IMAGES_MAX_* value: a usage error
            print(f"newsarchive: {problem}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        if self.settings.get("REPLAY_WARC"):  # a WARC that cannot be replayed: a usage error
            problem = replay_problem(self.settings.get("REPLAY_WARC"))
            if problem:
                print(f"newsarchive: {problem}", file=sys.stderr)
                self.exitcode = EXIT_USAGE
                return
        worker = bool(self.settings.get("REDIS_URL"))
        if worker:  # a worker writes no archive: `newsarchive ingest` does
            from crawler.distributed.addon import redis_problem

            problem = redis_problem(self.settings)
            if problem:
                print(f"newsarchive: {problem}", file=sys.stderr)
                self.exitcode = EXIT_FAILED
                return
        archive_dir = self.settings["ARCHIVE_DIR"]
        with ExitStack() as held:  # the lock is released however the crawl ends
            try:
                held.enter_context(nullcontext() if worker else ArchiveLock(archive_dir))
            except ArchiveLocked as exc:
                print(f"newsarchive: {exc}", file=sys.stderr)
                self.exitcode = EXIT_LOCKED
                return
            except OSError as exc:  # not even the lock file can be written: nothing can be saved
                reason = unwritable_reason(exc)
                if reason is None:
                    raise
                print(
                    f"newsarchive: cannot write to ARCHIVE_DIR ({archive_dir}): {reason}"
                    " (nothing crawled; no run report written)",
                    file=sys.stderr,
                )
                self.exitcode = EXIT_FAILED
                return
            if not worker:
                try:
                    check_catalog(archive_dir)
                except (CatalogDamaged, OutsideArchive) as exc:
                    print(f"newsarchive: {exc}", file=sys.stderr)
                    self.exitcode = EXIT_FAILED
                    return
            self.exitcode = self._crawl(args[0], opts)

    def _crawl(self, name: str, opts: argparse.Namespace) -> int:
        """Run the spider; its exit code (the run report's)."""
        crawler = self._create_crawler(name)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            return EXIT_FAILED
        code = crawler.stats.get_value("newsarchive/exit_code")
        if code is None and crawler.stats.get_value("finish_reason") is None:
            # stopped (a signal) while the spider was still opening: Scrapy never
            # closed it, so no report was written; say what happened all the same
            code = EXIT_INTERRUPTED
            report = crawler.get_extension(RunReport) if crawler.spider else None
            if report is not None:
                report.spider_closed(crawler.spider, "shutdown")
        problem = crawler.stats.get_value(UNWRITABLE_STAT)
        if problem:  # the one line cron mails, also with --logfile (crawler/run/outcomes.py)
            print(f"newsarchive: {problem}", file=sys.stderr)
            code = code or EXIT_FAILED
        return code or 0
