"""The crawl process looks for an article's next page among a few candidate links picked by
lxml (speed, issue 11); no "next page" label may be lost on the way, however it is spelt."""

from __future__ import annotations

import pytest

from crawler.extract.pages import next_page_url

URL = "https://news.example.com/a/story"


@pytest.mark.parametrize(
    "link",
    [
        "<a href='/a/story/2'>下一页</a>",
        "<a href='/a/story/2'>下 一\u200b页</a>",
        "<a href='/a/story/2'>\u3000下一頁\u00a0</a>",
        "<a href='/a/story/2'><span>下一</span><b>页</b></a>",
        "<a href='/a/story/2'>NEXT</a>",
        "<a href='/a/story/2'>Ne\u00a0xt »</a>",
        "<a href='/a/story/2'><i></i>Next <em>Page</em> ›</a>",
        "<a href='/a/story/2' rel='next'>›</a>",
        "<a href='/a/story_2'>2</a>",
        "<a href='/a/story?page=2'>2</a>",
    ],
)
def test_every_spelling_of_a_next_page_link_is_found(link):
    page = (
        "<html><body><p>正文</p>"
        + "".join(f"<a href='/other/{n}'>其他新闻{n}</a>" for n in range(50))
        + link
        + "</body></html>"
    )
    assert next_page_url(page, URL) is not None
