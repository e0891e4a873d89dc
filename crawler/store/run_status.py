"""A run's status, problem and exit code: one decision for every kind of run.

A plain crawl, a distributed worker (crawler/distributed/report.py) and the ingester
(crawler/distributed/ingest.py) each gather the `RunFacts` of their run
(crawler/store/run_report.py) and `decide` says how it went. Pure: no Scrapy, no I/O.

Exit codes: 0 the run worked; 1 it failed (something stopped it that fails any run: the archive
could not be written, Redis was lost, the ingester hit an error; nothing reached; no article
link anywhere; errors past RUN_MAX_ERROR_SHARE); 3 it was interrupted (SIGINT/SIGTERM); 75
another run holds the archive lock (crawler/store/lock.py, before any report).
"""

from __future__ import annotations

from dataclasses import dataclass

#: every exit code of `scrapy crawl` and `newsarchive`: worked, failed, usage error (as click's),
#: interrupted, the archive locked by another run (EX_TEMPFAIL: cron may simply try again)
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_LOCKED = 0, 1, 2, 3, 75
OK, FAILED, INTERRUPTED = "ok", "failed", "interrupted"
EXIT_CODES = {OK: EXIT_OK, FAILED: EXIT_FAILED, INTERRUPTED: EXIT_INTERRUPTED}

#: the kinds of run (a report's ``role``; a plain crawl's report has none)
CRAWL, WORKER, INGESTER = "crawl", "worker", "ingester"

#: the finish reason of a crawl stopped because ARCHIVE_DIR cannot be written (crawler/run/outcomes.py)
ARCHIVE_UNWRITABLE = "archive-unwritable"
#: stats key: the one-line problem ("cannot write to ARCHIVE_DIR (...): disk full")
UNWRITABLE_STAT = "newsarchive/archive_unwritable"
#: finish reasons of a crawl that ended as configured (limits), not by a signal or an error
NORMAL_ENDS = ("finished", "closespider_timeout", "closespider_itemcount", "closespider_pagecount")

NOTHING_REACHED = "no page could be fetched (network, DNS or every host down?)"


@dataclass(frozen=True)
class RunFacts:
    """What a run's status is decided on. `handled`: the pages (or, for the ingester, items)
    that got an outcome, `failed` among them."""

    role: str = CRAWL
    #: what stopped the run and fails it whatever else it did (disk full, Redis lost, an error)
    fatal: str | None = None
    #: why the run stopped before its end (a signal), when it did
    ended_early: str | None = None
    requests: int = 0
    pages_reached: int = 0
    listing_pages: int = 0
    article_links: int = 0
    revisits: int = 0
    handled: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Verdict:
    status: str
    problem: str | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def decide(facts: RunFacts, max_error_share: float) -> Verdict:
    """How the run went, the first rule that applies deciding: a fatal problem, an early end,
    (a worker that found nothing to do: ok), nothing reached, no article link on any listing
    page or feed read, more than `max_error_share` of the pages (items) failed; else ok."""
    if facts.fatal:
        return Verdict(FAILED, facts.fatal)
    if facts.ended_early:
        return Verdict(INTERRUPTED, facts.ended_early)
    if facts.role == INGESTER:  # it fetches nothing: only its items are judged
        if facts.handled and facts.failed / facts.handled > max_error_share:
            return Verdict(FAILED, f"{facts.failed} of {facts.handled} items could not be saved")
        return Verdict(OK)
    if facts.role == WORKER and not facts.requests and not facts.failed:
        return Verdict(OK)  # nothing was left to do when this worker came
    if facts.pages_reached <= 0:
        return Verdict(FAILED, NOTHING_REACHED)
    if facts.listing_pages and not facts.article_links and not facts.revisits:
        return Verdict(
            FAILED,
            f"no article link on any of the {facts.listing_pages} listing pages and feeds read:"
            " has the site changed?",
        )
    # pages reached but none handled: a crawl failed; a worker may only have given work back
    empty = 0.0 if facts.role == WORKER else 1.0
    share = facts.failed / facts.handled if facts.handled else empty
    if share > max_error_share:
        return Verdict(
            FAILED,
            f"{facts.failed} of {facts.handled} pages failed ({share:.0%} > {max_error_share:.0%})",
        )
    return Verdict(OK)
