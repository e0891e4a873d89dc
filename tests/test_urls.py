"""One canonical URL per article, whatever link it was found under."""

from __future__ import annotations

import pytest

from crawler.sources import get_source
from crawler.sources.generic import generic_source
from crawler.sources.urls import clean_url

ZAOBAO = get_source("zaobao")
CANONICAL = "https://www.zaobao.com/realtime/china/story20240610-3889352"


@pytest.mark.parametrize(
    "url",
    [
        CANONICAL,
        "http://www.zaobao.com/realtime/china/story20240610-3889352",
        "https://www.zaobao.com.sg/realtime/china/story20240610-3889352",
        "https://zaobao.com.sg/realtime/china/story20240610-3889352/",
        "https://WWW.ZAOBAO.COM:443/realtime/china/story20240610-3889352#comments",
        "https://www.zaobao.com.sg/realtime/china/story20240610-3889352?ref=article_next",
        "https://www.zaobao.com.sg/realtime/china/story20240610-3889352?utm_source=rss&utm_medium=feed",
    ],
)
def test_every_spelling_of_a_zaobao_story_has_one_canonical_url_and_id(url):
    assert ZAOBAO.canonical_url(url) == CANONICAL
    assert ZAOBAO.article_id(url) == "story20240610-3889352"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://news.example.com/a/1.html?utm_source=x&id=7#top",
            "https://news.example.com/a/1.html?id=7",
        ),
        (
            "https://news.example.com/a/1.html?spm=a.b.c&from=timeline",
            "https://news.example.com/a/1.html",
        ),
        ("https://NEWS.example.com:443/a/b/", "https://news.example.com/a/b"),
        ("http://news.example.com/", "http://news.example.com/"),
    ],
)
def test_clean_url_drops_tracking_parameters_fragments_and_trailing_slashes(url, expected):
    assert clean_url(url) == expected


def test_generic_sources_keep_the_query_that_names_the_article():
    source = generic_source("https://news.example.com/")
    one = source.article_id("https://news.example.com/article.php?id=1&utm_source=x")
    two = source.article_id("https://news.example.com/article.php?id=2")
    assert one != two and one == source.article_id("https://news.example.com/article.php?id=1")
    assert source.canonical_url("https://news.example.com/article.php?id=1&fbclid=z") == (
        "https://news.example.com/article.php?id=1"
    )


def test_zaobao_fetches_the_url_as_found_minus_its_query():
    found = "https://www.zaobao.com.sg/realtime/china/story20240610-3889352?ref=listing#x"
    assert (
        ZAOBAO.fetch_url(found) == "https://www.zaobao.com.sg/realtime/china/story20240610-3889352"
    )
