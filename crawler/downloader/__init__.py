"""Downloader middlewares and handlers: only new work (incremental), politeness (Retry-After,
User-Agent), WARC recording and WARC replay."""
