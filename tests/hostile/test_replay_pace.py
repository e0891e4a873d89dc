"""A replay has no server to be polite to: no delay of any kind (issue 11); a live crawl keeps
its politeness exactly as configured."""

from __future__ import annotations

from pathlib import Path

import pytest
import replay_site
from scrapy.crawler import Crawler
from scrapy.settings import Settings

import crawler.settings as project
from crawler.spiders.outlets import ZaobaoSpider


def effective_settings(*cmdline: tuple[str, object]) -> Settings:
    """The settings a `scrapy crawl zaobao -s NAME=VALUE ...` crawl runs with, add-ons applied."""
    settings = Settings()
    settings.setmodule(project, priority="project")
    for name, value in cmdline:
        settings.set(name, value, priority="cmdline")
    crawler = Crawler(ZaobaoSpider, settings)
    crawler.addons.load_settings(crawler.settings)
    return crawler.settings


@pytest.fixture(scope="module")
def warc(tmp_path_factory) -> Path:
    return replay_site.write_warc(tmp_path_factory.mktemp("site") / "site.warc.gz")


def test_a_replay_has_no_delay_of_any_kind(warc):
    settings = effective_settings(("REPLAY_WARC", str(warc)))
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert settings.getfloat("DOWNLOAD_DELAY_JITTER") == 0
    assert settings.getbool("RETRY_AFTER_ENABLED", True) is False
    assert settings.getint("CONCURRENT_REQUESTS") >= 32
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") >= 32


@pytest.mark.parametrize(
    "name",
    [
        "AUTOTHROTTLE_ENABLED",
        "AUTOTHROTTLE_START_DELAY",
        "DOWNLOAD_DELAY",
        "DOWNLOAD_DELAY_JITTER",
        "RETRY_AFTER_MAX",
        "CONCURRENT_REQUESTS",
        "CONCURRENT_REQUESTS_PER_DOMAIN",
    ],
)
def test_a_live_crawl_keeps_its_politeness(name):
    settings = effective_settings()
    defaults = Settings()
    defaults.setmodule(project, priority="project")
    assert settings[name] == defaults[name]
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is True


def test_what_the_command_line_says_wins_over_the_replay_pace(warc):
    settings = effective_settings(("REPLAY_WARC", str(warc)), ("DOWNLOAD_DELAY", "0.3"))
    assert settings.getfloat("DOWNLOAD_DELAY") == 0.3
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False
