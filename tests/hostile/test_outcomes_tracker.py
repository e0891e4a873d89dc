"""LinkTracker's spider-middleware side on its own: a spider error ends the link as failed in
one log line; Scrapy's CloseSpider is left to Scrapy."""

from __future__ import annotations

import logging

from conftest import own_settings
from scrapy import Request
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.run.outcomes import ENDED, LINK, LinkTracker


def page() -> HtmlResponse:
    request = Request("https://example.com/news/1", meta={LINK: "run:1"})
    return HtmlResponse(request.url, body=b"<html></html>", request=request)


def tracker() -> LinkTracker:
    crawler = get_crawler(settings_dict=own_settings())
    crawler.stats.open_spider()
    crawler.stats.set_value("newsarchive/links_run", "run")
    return LinkTracker.from_crawler(crawler)


def test_a_spider_error_fails_its_link_in_one_line(caplog):
    mw, response = tracker(), page()
    with caplog.at_level(logging.INFO):
        assert mw.process_spider_exception(response, KeyError("title")) == []
    stats = mw.crawler.stats
    assert stats.get_value("newsarchive/failed/spider-error") == 1
    assert stats.get_value("newsarchive/links_ended") == 1
    assert response.request.meta[ENDED] == "failed"
    [record] = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert record.getMessage() == "spider error on https://example.com/news/1: KeyError: 'title'"
    assert record.exc_info is None


def test_close_spider_is_left_to_scrapy():
    mw, response = tracker(), page()
    assert mw.process_spider_exception(response, CloseSpider("enough")) is None
    assert mw.crawler.stats.get_value("newsarchive/failed") is None
