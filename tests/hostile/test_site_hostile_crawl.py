"""Issue 10: the published site never runs what a crawled page says.

A hostile corpus (tests/hostile/hostile_pages.py: markup in the title, bylines, section,
keywords, lead image and caption, body, ``lang`` and URL of each article) is crawled from a
replayed WARC by ``scrapy crawl news``, built by real Jekyll, and every page of ``_site`` parsed
with lxml: no ``<script>``, no ``on*=`` attribute, no ``javascript:`` URL, no
``<iframe>/<object>/<embed>`` and no ``<style>`` but the layout's own, while the attacks
arrive as text.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
import replay_site
from conftest import crawl_stats, post_files, require_tool, run_crawl

import crawler.extract.body as body_module
from crawler.extract import extract_article
from crawler.store.post import parse_post
from crawler.store.site import skeleton_text
from crawler.store.verify import verify

from . import hostile_pages

ARTICLES = len(hostile_pages.ZAOBAO_URLS) + 1
EMBEDDING = ("script", "iframe", "object", "embed", "frame", "frameset", "applet", "base")
_SCHEME_NOISE = re.compile(r"[\s\x00-\x1f]")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(archive, _site): the hostile corpus crawled, then built by Jekyll."""
    jekyll = require_tool("jekyll")
    tmp_path = tmp_path_factory.mktemp("hostile")
    warc = replay_site.write_warc(tmp_path / "hostile.warc.gz", hostile_pages.site())
    archive = tmp_path / "archive"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"feed={hostile_pages.FEED_URL}"]
    for setting in (
        f"REPLAY_WARC={warc}",
        f"ARCHIVE_DIR={archive}",
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
        "AUTOTHROTTLE_ENABLED=False",
        "EXTRACT_WORKERS=0",
    ):
        cmd += ["-s", setting]
    crawl = run_crawl(cmd)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert crawl_stats(crawl.stderr).get("newsarchive/new") == ARTICLES, crawl.stderr[-3000:]
    site = tmp_path / "_site"
    result = subprocess.run(
        [jekyll, "build", "--source", str(archive), "--destination", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return archive, site


def pages(site: Path) -> list[tuple[str, lxml.html.HtmlElement]]:
    found = [
        (p.relative_to(site).as_posix(), lxml.html.fromstring(p.read_bytes()))
        for p in sorted(site.rglob("*.html"))
    ]
    assert len(found) >= ARTICLES + 2  # the posts, the home page, a source page
    return found


def post_pages(site: Path) -> list[tuple[str, lxml.html.HtmlElement]]:
    found = [(name, doc) for name, doc in pages(site) if doc.find(".//article") is not None]
    assert len(found) == ARTICLES
    return found


# -- the corpus does what it is meant to ---------------------------------------------------------
def test_the_corpus_reaches_the_body_through_both_extraction_paths(monkeypatch):
    fallback: list[str] = []
    real = body_module._paragraphs
    monkeypatch.setattr(body_module, "_paragraphs", lambda el: fallback.append("x") or real(el))
    for n, url in enumerate(hostile_pages.ZAOBAO_URLS):
        fallback.clear()
        article = extract_article(hostile_pages.zaobao_page(n), url)
        assert fallback, f"{url}: the body did not take the fallback path"
        assert "pwned" in article.body
    fallback.clear()
    generic_url = "https://news.example.com/2024/03/06/lights.html"
    article = extract_article(hostile_pages.generic_page(), generic_url)
    assert not fallback, "the generic page's body did not come from trafilatura"
    assert all(f"pwned('{f}')" in article.body for f in ("body", "ext", "link", "ial", "object"))


def test_every_attack_reaches_the_posts_as_text(built):
    archive, _ = built
    posts = [parse_post(p.read_text(encoding="utf-8")) for p in post_files(archive)]
    assert len(posts) == ARTICLES
    for meta, body in posts:
        assert "pwned('title')" in meta["title"]
        assert any("pwned('byline')" in b for b in meta["bylines"])
        assert "pwned('section')" in meta["section"]
        assert any("pwned('keyword')" in t for t in meta["tags"])
        assert "pwned(" in body
        assert "lang" not in meta  # no page's lang had the form of a language tag
        assert meta["from"].startswith("https://") and not re.search(r"[\"'<> ]", meta["from"])
        assert meta.get("image", "https://").startswith("https://")
    assert sum("image_caption" in meta and "image" in meta for meta, _ in posts) >= 1


def test_the_hostile_archive_verifies(built):
    archive, _ = built
    assert list(verify(archive)) == []


@pytest.mark.parametrize(
    "field", ["title", "byline", "section", "caption", "body", "ext", "link", "ial", "object"]
)
def test_each_attack_shows_on_the_site_as_text(built, field):
    _, site = built
    # kramdown's smart quotes turn the body's ' into ‘ ’
    shown = [re.sub("[‘’]", "'", doc.text_content()) for _, doc in post_pages(site)]
    assert any(f"pwned('{field}')" in text for text in shown), field


# -- the four rules, on every page of the built site ---------------------------------------------
def test_no_script_or_embedding_element(built):
    _, site = built
    for name, doc in pages(site):
        found = [el.tag for el in doc.iter(*EMBEDDING)]
        if name == "search/index.html":  # the search page's own (Pagefind's UI), no crawled text
            assert found == ["script"] * skeleton_text("search.html").count("<script"), found
            continue
        assert not found, (name, found)


def test_no_event_handler_attribute(built):
    _, site = built
    for name, doc in pages(site):
        for el in doc.iter():
            handlers = [a for a in getattr(el, "attrib", {}) if a.lower().startswith("on")]
            assert not handlers, (name, el.tag, handlers)


def test_no_script_url(built):
    _, site = built
    for name, doc in pages(site):
        for el in doc.iter():
            for attr, value in getattr(el, "attrib", {}).items():
                scheme = _SCHEME_NOISE.sub("", value).lower()
                assert not scheme.startswith(("javascript:", "vbscript:", "data:")), (
                    name,
                    el.tag,
                    attr,
                    value,
                )


def test_no_style_but_the_layouts(built):
    _, site = built
    for name, doc in pages(site):
        styles = list(doc.iter("style"))
        assert len(styles) == 1 and styles[0].getparent().tag == "head", name
        assert not [el.tag for el in doc.iter("link")], name


def test_post_pages_print_only_fixed_forms_in_attributes(built):
    _, site = built
    for name, doc in post_pages(site):
        assert re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", doc.get("lang")), name
        for img in doc.iter("img"):
            assert img.get("src").startswith("https://"), name
        (original,) = doc.xpath("//p[@class='meta']/a[starts-with(., 'http')]")
        assert re.fullmatch(r"https://[^\s\"'<>]+", original.get("href")), name
