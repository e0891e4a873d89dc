"""The post writer publishes text only: whatever a crawled page holds, the post body has no
markup kramdown would turn into HTML, the front matter only values of fixed forms, the layouts
print every value escaped, and empty optional keys are left out (issue 10). No Jekyll here:
tests/hostile/test_site_hostile_crawl.py builds a crawled hostile corpus with it."""

from __future__ import annotations

import asyncio
import random
import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from test_store import make_article

from crawler.cli import main
from crawler.pipelines.archive import ArchivePipeline
from crawler.store.archive import Archive
from crawler.store.post import REQUIRED_KEYS, parse_post, render_post
from crawler.store.publish_safety import (
    UnpublishableArticle,
    archived_body,
    publishable_body,
)
from crawler.store.reader import Reader
from crawler.store.reindex import reindex
from crawler.store.site import SKELETON, skeleton_text

FETCHED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

HOSTILE_BODIES = [
    "正文<script>alert(1)</script>结束。",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<object data=x></object><embed src=x><style>body{}</style>",
    '<img src=x onerror="alert(1)">',
    "&lt;script&gt;alert(1)&lt;/script&gt; &#60;b&#62; &amp;",
    "\\<script>alert(1)\\</script> \\\\<b> \\[a\\](javascript:x)",  # Markdown-escaped
    "{::nomarkdown}<script>alert(1)</script>{:/}",
    '{::options parse_block_html="true" /}\n\n<div>x</div>',
    '段落\n{: onclick="alert(1)" style="x"}',
    "## 小标题 {#id onclick=alert(1)}",
    "[点我](javascript:alert(1)) ![图](javascript:alert(1))",
    "<javascript:alert(1)> <https://example.org/> <a@example.org>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "脚注[^1]\n\n[^1]: <script>x</script>",
    "*[HTML]: Hyper <b>Text</b>\n\nHTML",
    "$$\\href{javascript:alert(1)}{x}$$",
    "```js onmouseover=alert(1)\ncode\n```",
    "~~~ ruby\ncode\n~~~",
    "    indented <script>",
    "{{ site.title }} {% raw %}",
    "| 表 | 格 |\n|---|---|\n| <b>1</b> | [2](javascript:x) |",
]
#: what opens HTML or an attribute in kramdown: none may stand in a published body
_MARKUP_OPENERS = re.compile(r"[<>{\[$`~]|&(?!(?:amp|lt|gt|#\d+|#x[0-9A-F]+);)")


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_a_hostile_body_is_published_as_text_and_read_back_as_given(body):
    text = render_post(make_article(body=body), FETCHED)
    published = text.split("\n---\n", 1)[1]
    assert not _MARKUP_OPENERS.search(published), published
    assert published.count("&amp;") == body.count("&")  # an entity in the text stays text
    assert parse_post(text)[1] == body.strip()  # python-frontmatter strips the body


@pytest.mark.parametrize(
    "text",
    ["", "\\", "\\\\", "a\\", "\\&", "&#x3C;", "&amp;lt;", "\\&#123;", "\\\\\\<", "~`$[{<>&\\"],
)
def test_escaping_is_undone_exactly(text):
    assert archived_body(publishable_body(text)) == text


def test_escaping_is_undone_exactly_for_any_mix_of_markup_characters():
    rng = random.Random(10)  # fixed: the same strings every run
    alphabet = "\\&<>{[$`~;#x3C0 amplt"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert archived_body(publishable_body(text)) == text


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("\\<b\\>", "&#x3C;b&#x3E;"),  # trafilatura's escapes still show the bare character
        ("\\\\<b>", "\\\\&lt;b&gt;"),  # an escaped backslash stays one
        ("**粗体** *斜体*", "**粗体** *斜体*"),  # emphasis makes no attribute: kept
    ],
)
def test_markdown_escapes_keep_their_meaning(markdown, shown):
    assert publishable_body(markdown) == shown


@pytest.mark.parametrize(
    ("field", "value", "key", "kept"),
    [
        ("lang", 'en"><script>alert(1)</script>', "lang", False),
        ("lang", "zh onload=alert(1)", "lang", False),
        ("lang", "zh-Hant-TW", "lang", True),
        ("lang", "en", "lang", True),
        ("script", "zh-Hans<script>", "script", False),
        ("script", "zh-Hant", "script", True),
        ("image", "javascript:alert(1)", "image", False),
        ("image", "data:text/html,<script>alert(1)</script>", "image", False),
        ("image", 'https://img.example.org/a.jpg" onerror="alert(1)', "image", False),
        ("image", "https://img.example.org/a b.jpg", "image", False),
        ("image", "//img.example.org/a.jpg", "image", False),
        ("image", "https://img.example.org/a.jpg?w=1&h=2", "image", True),
        ("image", "HTTP://img.example.org/a.jpg", "image", True),
    ],
)
def test_front_matter_values_of_the_wrong_form_are_left_out(field, value, key, kept):
    meta, _ = parse_post(render_post(make_article(**{field: value}), FETCHED))
    if kept:
        assert meta[key] == value
    else:
        assert key not in meta


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "https://www.zaobao.com/a b", 'https://www.zaobao.com/a"><x>', "/a"],
)
def test_an_article_whose_url_has_no_publishable_form_is_refused(url):
    with pytest.raises(UnpublishableArticle, match="'from'"):
        render_post(make_article(url=url), FETCHED)


def test_times_are_written_only_as_iso_8601():
    meta, _ = parse_post(render_post(make_article(), FETCHED, updated="yesterday"))  # type: ignore[arg-type]
    assert "updated" not in meta and meta["fetched"] == FETCHED
    with pytest.raises(UnpublishableArticle, match="'date'"):
        render_post(make_article(published="2021-08-30 下午"), FETCHED)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"bylines": []}, "bylines"),
        ({"bylines": ["", "  "]}, "bylines"),
        ({"section": " \n"}, "section"),
        ({"description": "   "}, "description"),
        ({"image_caption": "\t", "image": "https://img.example.org/a.jpg"}, "image_caption"),
        ({"lang": " "}, "lang"),
    ],
)
def test_empty_optional_keys_are_left_out(changes, key):
    text = render_post(make_article(**changes), FETCHED)
    assert f"\n{key}:" not in text
    assert set(REQUIRED_KEYS) <= set(parse_post(text)[0])


def test_empty_keywords_are_left_out_of_the_tags():
    meta, _ = parse_post(render_post(make_article(keywords=["", "台湾", " "]), FETCHED))
    assert meta["tags"] == ["联合早报", "台湾"]


#: a value printed by a layout: ``{{ expression }}``
_PRINTED = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)


@pytest.mark.parametrize("name", [n for n in SKELETON if n.endswith(".html")])
def test_every_value_a_layout_prints_is_escaped(name):
    for expression in _PRINTED.findall(skeleton_text(name)):
        if expression == "content":  # the rendered body: escaped when it was written
            continue
        assert re.search(r"\|\s*(escape|xml_escape|jsonify)\s*$", expression), (name, expression)


def test_catalog_reader_and_reindex_read_a_hostile_post_as_it_was_given(tmp_path):
    body = "\n\n".join(HOSTILE_BODIES[:6] + ["台湾选举 <b>结果</b> & [更多]"])
    article = make_article(body=body, lang='zh"><script>x</script>', bylines=["", "记者"])
    archive = Archive(tmp_path)
    archive.save(article, FETCHED)
    archive.close()

    def catalog_and_text() -> tuple[dict, str, list]:
        with Reader(tmp_path) as reader:
            (row,) = reader.rows()
            post = reader.load(article.id)
            hits = reader.search("结果")  # the snippet shows the text around it as given
        return row, post.body, hits

    before = catalog_and_text()
    row, text, hits = before
    assert text == body and row["chars"] == len(body)
    assert row["lang"] is None and row["bylines"] == ["记者"]
    assert [hit.id for hit in hits] == [article.id] and "<b>结果</b>" in hits[0].snippet
    reindex(tmp_path)
    assert catalog_and_text() == before


# -- an article that cannot be published is refused with a one-line reason ----------------------
SAVED_PAGE_WITHOUT_URL = (
    "<html lang='zh'><head><meta charset='utf-8'><title>标题</title>"
    "<meta property='article:published_time' content='2024-03-01T08:00:00+08:00'></head>"
    "<body><article><p>这是一段足够长的正文，用来通过正文长度的检查，内容没有什么特别。</p>"
    "<p>第二段正文也足够长，用来通过正文长度的检查，内容也没有什么特别。</p></article></body></html>"
)


def test_extract_refuses_a_post_without_a_publishable_url_in_one_line(tmp_path):
    page = tmp_path / "saved.html"
    page.write_text(SAVED_PAGE_WITHOUT_URL, encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(page)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.strip() == (
        f"{page}: not publishable as a post (front matter 'from' has no publishable form: '');"
        " give the page's URL with --url"
    )


def test_the_crawl_counts_and_logs_an_unpublishable_article(tmp_path, caplog):
    crawler = get_crawler(settings_dict={"ARCHIVE_DIR": str(tmp_path)})
    crawler.stats.open_spider()
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    try:
        article = make_article(url="javascript:alert(1)")
        with pytest.raises(DropItem, match="not archived"):
            asyncio.run(pipeline.process_item(article))
    finally:
        pipeline.close_spider()
    assert crawler.stats.get_value("newsarchive/failed/unpublishable") == 1
    assert crawler.stats.get_value("newsarchive/source/zaobao/failed") == 1
    assert "not archived javascript:alert(1): front matter 'from'" in caplog.text
    assert not list(tmp_path.rglob("*.md"))
    with Reader(tmp_path) as reader:  # nothing recorded, nothing left half-written
        assert reader.count() == 0
        assert reader.db.execute("select count(*) from pending").fetchone()[0] == 0
