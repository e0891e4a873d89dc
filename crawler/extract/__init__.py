"""Extraction: (bytes, headers, url, source) -> Article. Pure: no Scrapy, no I/O.

The spider, ``newsarchive extract`` and re-extraction from WARC all call `extract_article`
(crawler/extract/core.py); this package only names what it offers.
"""

from __future__ import annotations

from crawler.extract.article import Article, NotAnArticle
from crawler.extract.core import extract_article
from crawler.extract.metadata import ARTICLE_TYPES

__all__ = ["ARTICLE_TYPES", "Article", "NotAnArticle", "extract_article"]
