"""Scrapy settings, and ours: flat UPPERCASE names grouped by prefix (ARCHIVE_*, WARC_*, REPLAY_*).

Every one can be changed per run with ``-s NAME=VALUE``; the README has the table.
"""

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# -- the archive ---------------------------------------------------------------------------------
#: where posts, catalog.db and the Jekyll skeleton live
ARCHIVE_DIR = "archive"

# -- WARC capture and replay ---------------------------------------------------------------------
#: record every request and response as gzip WARC 1.1 files in this folder ("" = off)
WARC_DIR = ""
#: start a new WARC file once the current one is this large (bytes)
WARC_MAX_SIZE = 1_000_000_000
#: serve every request from these WARC files/folders (comma-separated); never touch the network
REPLAY_WARC = ""

# -- politeness ----------------------------------------------------------------------------------
#: who we are, and how to reach whoever runs the crawler
CONTACT = "https://github.com/newsarchive/newsarchive"
USER_AGENT = f"newsarchive/0.1 (+{CONTACT})"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
#: news pages are small; anything this large is no article
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024

# -- components ----------------------------------------------------------------------------------
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.ArticleFingerprinter"
ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 300,
    "crawler.pipelines.ArchivePipeline": 500,
}
DOWNLOADER_MIDDLEWARES = {
    # after HttpCompressionMiddleware (590) on the way in: records bytes as they came off the wire
    "crawler.warc.WarcRecorderMiddleware": 890,
}
ADDONS = {
    "crawler.replay.ReplayAddon": 0,
}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
