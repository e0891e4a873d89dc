"""Scrapy settings, and ours: flat UPPERCASE names grouped by prefix (ARCHIVE_*, WARC_*, REPLAY_*).

This is the only place a default lives: components read ``settings.get*("NAME")`` with no
fallback of their own, and a setting whose "unset" means something has that value here (``""``,
None). Every one can be changed per run with ``-s NAME=VALUE``; docs/settings.md has the table
(tests/test_settings_documented.py checks both).
"""

from __future__ import annotations

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# -- the archive ---------------------------------------------------------------------------------
#: where posts, catalog.db and the Jekyll skeleton live
ARCHIVE_DIR = "archive"
#: group commit: save up to this many articles together (one journal and one catalog
#: transaction, their fsyncs side by side); 1 = each article on its own
ARCHIVE_BATCH_SIZE = 64
#: ... or what came within this many milliseconds of the first waiting article
ARCHIVE_BATCH_MS = 100

# -- images (crawler/pipelines/images.py) ------------------------------------------------------
#: download into ARCHIVE_DIR/assets/ and link locally: "lead" (each article's lead image),
#: "all" (the lead image and the pictures in the body) or "none" (hotlink, as found)
ARCHIVE_IMAGES = "lead"
#: an image larger than this is not downloaded (counted failed/too-large); 0 = no limit
IMAGES_MAX_BYTES = 10 * 1024 * 1024
#: download at most this many images of one article (the rest counted skipped/over-limit);
#: 0 = no limit
IMAGES_MAX_PER_ARTICLE = 20

# -- incremental runs ----------------------------------------------------------------------------
#: skip articles already in the catalog (only listing pages and feeds are fetched again)
INCREMENTAL_ENABLED = True
#: look at an archived article again this long after publication (conditional GET); "" = never
REVISIT_AFTER = "1h,6h,24h,72h"
#: backfill (-a since=...): follow at most this many "next page" links per listing
BACKFILL_MAX_PAGES = 1000
#: take at most this many article links from one listing page or feed (the rest is left and
#: logged); 0 = no limit
LISTING_MAX_LINKS = 10_000
#: hand the scheduler the next start page (listing, feed) only while fewer than this many
#: requests wait in it and fewer than START_PACING_PAGES start pages are being fetched or read,
#: so the links waiting in memory do not grow with the crawl (crawler/scheduling/pacing.py); 0 = off
START_PACING_PENDING = 100
START_PACING_PAGES = 2
#: Scrapy's scheduler, counting the start pages it holds for the pacing
SCHEDULER = "crawler.scheduling.pacing.PacedScheduler"

# -- extraction ------------------------------------------------------------------------------------
#: extraction processes: "auto" = one per core; 0 = extract in the crawling process
EXTRACT_WORKERS = "auto"
#: a multi-page article is joined from at most this many pages
ARTICLE_MAX_PAGES = 30

# -- run reports and exit codes --------------------------------------------------------------------
#: write ARCHIVE_DIR/_runs/<UTC time>.json and a `runs` row per run, log a summary table
RUN_REPORT_ENABLED = True
#: the run fails (exit code 1) when more than this share of its pages failed
RUN_MAX_ERROR_SHARE = 0.5
#: source health in the report: a body under this many characters counts as short
HEALTH_SHORT_BODY_CHARS = 200
#: warn when a source's share of articles without date/byline/body, or incomplete, reaches
#: this (with no earlier runs) or rises this much over its mean of the last 10 runs
HEALTH_WARN_SHARE = 0.5
HEALTH_WARN_RISE = 0.3
#: ... among at least this many articles of the source in the run
HEALTH_MIN_ARTICLES = 3
#: site drift (crawler/run/drift.py): warn when a listing page yields this share of the median of
#: its article links over the last 10 runs, or less ...
DRIFT_LISTING_SHARE = 0.5
#: ... when that median is at least this many links and at least this many runs read the page
DRIFT_MIN_LINKS = 5
DRIFT_MIN_RUNS = 3
#: warn when this share of an outlet's articles (at least HEALTH_MIN_ARTICLES) had the body read
#: by the generic fallback, or a title equal to the site name
DRIFT_SHARE = 0.5

#: count where every request the crawl decides to make ends (crawler/run/outcomes.py): the report
#: checks that its outcomes add up to its links
LINK_OUTCOMES_ENABLED = True

# -- WARC capture and replay ---------------------------------------------------------------------
#: record every request and response as gzip WARC 1.1 files in this folder ("" = off)
WARC_DIR = ""
#: start a new WARC file once the current one is this large (bytes)
WARC_MAX_SIZE = 1_000_000_000
#: serve every request from these WARC files/folders (comma-separated); never touch the network.
#: A replay also turns every delay off (AutoThrottle, DOWNLOAD_DELAY, Retry-After waits) and
#: runs 32 requests at once, unless given with -s (crawler/downloader/replay.py REPLAY_OVERRIDES)
REPLAY_WARC = ""

# -- several machines (crawler/distributed/, docs/distributed.md) ----------------------------------
#: a Redis server (redis://[:password@]host:port/db): this crawl becomes a worker of a
#: distributed crawl (shared frontier, articles handed to `newsarchive ingest`); "" = off
REDIS_URL = ""
#: the first part of every Redis key (one prefix per archive)
REDIS_KEY_PREFIX = "newsarchive"
#: a worker closes after this many seconds with no request taken and no response received,
#: while the frontier is empty and no other worker has a request in hand
REDIS_IDLE_TIMEOUT = 60
#: a worker silent this long is dead: the requests it had taken go back into the frontier
REDIS_HEARTBEAT_TTL = 30
#: at most this many requests taken from the frontier and not yet done per worker (what its
#: death strands until REDIS_HEARTBEAT_TTL); 0 = 2 x CONCURRENT_REQUESTS_PER_DOMAIN, at most
#: CONCURRENT_REQUESTS
REDIS_MAX_HELD = 0
#: Redis gone (a restart): retry every command for this many seconds, then stop (exit 1)
REDIS_RECONNECT_TIMEOUT = 30
#: where the "already archived" check reads: "catalog" (ARCHIVE_DIR) or "redis" (set by REDIS_URL)
INCREMENTAL_STORE = "catalog"
#: scrapy-redis' own settings, read by our Redis client and scheduler: extra keyword arguments
#: of the Redis client, and the module that (de)serialises queued requests (None = pickle)
REDIS_PARAMS: dict = {}
SCHEDULER_SERIALIZER = None

# -- politeness ----------------------------------------------------------------------------------
#: how site owners reach whoever runs the crawler (a URL or mailto:); goes into the User-Agent,
#: "newsarchive/<version> (+CONTACT)", unless USER_AGENT is set explicitly
CONTACT = "https://github.com/newsarchive/newsarchive"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
#: 429 and 503 belong to RetryAfterMiddleware (Retry-After, backoff); the rest retried at once
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]
#: RetryAfterMiddleware (crawler/downloader/politeness.py): on these codes wait what Retry-After asks
#: (or back off RETRY_AFTER_BACKOFF_BASE seconds, doubled at each retry: 5 s, 10 s, 20 s...),
#: slowing the whole host down; give up when asked to wait longer than RETRY_AFTER_MAX seconds
RETRY_AFTER_ENABLED = True
RETRY_AFTER_HTTP_CODES = [429, 503]
RETRY_AFTER_BACKOFF_BASE = 5.0
RETRY_AFTER_MAX = 600
#: ... and retry one request at most this many times
RETRY_AFTER_TIMES = 3
#: news pages are small; anything this large is no article
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024

# -- components ----------------------------------------------------------------------------------
REQUEST_FINGERPRINTER_CLASS = "crawler.scheduling.fingerprint.ArticleFingerprinter"
#: seen requests on disk, not in a set that grows with the crawl (crawler/scheduling/dupefilter.py)
DUPEFILTER_CLASS = "crawler.scheduling.dupefilter.DiskDupeFilter"
ITEM_PIPELINES = {
    "crawler.pipelines.archive.ExtractPipeline": 300,
    # the article's images into ARCHIVE_DIR/assets/, before the post that links them is written
    "crawler.pipelines.images.ArticleImagesPipeline": 400,
    "crawler.pipelines.archive.ArchivePipeline": 500,
}
SPIDER_MIDDLEWARES = {
    # holds start pages back until the crawl needs their links (memory flat in the crawl size)
    "crawler.scheduling.pacing.StartPacer": 20,
    # near the engine: sees what the spider and the other middlewares let through
    "crawler.run.outcomes.LinkTracker": 25,
}
DOWNLOADER_MIDDLEWARES = {
    # first of all: an archived article is not requested (not even robots.txt for it)
    "crawler.downloader.incremental.IncrementalMiddleware": 50,
    # inside RetryMiddleware (550): honours 429/503 Retry-After and slows the whole host down
    "crawler.downloader.politeness.RetryAfterMiddleware": 560,
    # after HttpCompressionMiddleware (590) on the way in: records bytes as they came off the wire
    "crawler.downloader.warc.WarcRecorderMiddleware": 890,
}
EXTENSIONS = {
    "crawler.downloader.incremental.RevisitScheduler": 500,
    "crawler.run.report.RunReport": 500,
    # a robots.txt Scrapy could not fetch: one warning line, not an ERROR with a traceback
    "crawler.run.log_lines.OneLineFailures": 0,
}
ADDONS = {
    "crawler.distributed.addon.RedisAddon": 0,
    "crawler.downloader.replay.ReplayAddon": 0,
    "crawler.downloader.politeness.UserAgentAddon": 0,
}

#: an article page yields one item: Scrapy's 100 (items of one response processed at once) would
#: start 100 tasks for every response; the pipelines' work runs in the extraction pool anyway
CONCURRENT_ITEMS = 8
#: no Python console (telnet) or code-running HTTP server (Scrapy's remote control) opened by an
#: unattended crawl from cron; turn either on with -s for a crawl you watch
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
