"""Issue 14: ``newsarchive site build`` (Jekyll, then Pagefind over the result); post URLs in
ASCII, ``/<source>/<YYYY>/<MM>/<DD>/<id>/`` from ``_config.yml``; month pages per source; a
home page of today's and yesterday's articles per source. The browser side of the search is
tests/test_site_browser.py."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_tool
from test_store import make_article

from crawler.cli import main
from crawler.store.archive import Archive
from crawler.store.site import ensure_source_url, prepare_site, skeleton_text
from crawler.store.site_build import simplified_copy, traditional_to_simplified_map

UTC8 = timezone(timedelta(hours=8))
#: the Simplified article a Traditional query must find, and the Traditional one
SIMPLIFIED_ID = "story20240303-8100002"
TRADITIONAL_ID = "story20240202-8100001"
AGENCY_ID = "story20240304-8100003"
SIMPLIFIED_URL = f"/zaobao/2024/03/03/{SIMPLIFIED_ID}/"
TRADITIONAL_URL = f"/zaobao/2024/02/02/{TRADITIONAL_ID}/"
AGENCY_URL = f"/zaobao/2024/03/04/{AGENCY_ID}/"


def save_search_articles(root: Path, now: datetime | None = None) -> None:
    """An archive of two sources: a Simplified and a Traditional article, one with an agency,
    one of today and one of yesterday (and one older) per source."""
    # midnight: today's article is never dated after the build
    now = (now or datetime.now(UTC8)).replace(hour=0, minute=0, second=0, microsecond=0)
    archive = Archive(root)
    save = archive.save
    save(make_article(
        id=SIMPLIFIED_ID, url=f"https://www.zaobao.com/realtime/world/{SIMPLIFIED_ID}",
        title="台湾选举结果出炉 执政党候选人胜选", script="zh-Hans",
        body="台湾中央选举委员会周六晚间公布选举结果。\n\n执政党候选人赢得选举。",
        published=datetime(2024, 3, 3, 21, 15, tzinfo=UTC8),
    ))  # fmt: skip
    save(make_article(
        id=TRADITIONAL_ID, url=f"https://www.zaobao.com/realtime/china/{TRADITIONAL_ID}",
        title="新加坡推出組屋節能計劃 <script>pwned()</script>", lang="zh-Hant", script="zh-Hant",
        body="建屋發展局週五宣佈新的節能計劃。\n\n居民可以申請補貼 & 諮詢。",
        published=datetime(2024, 2, 2, 10, 0, tzinfo=UTC8),
    ))  # fmt: skip
    save(make_article(
        id=AGENCY_ID, url=f"https://www.zaobao.com/realtime/china/{AGENCY_ID}",
        title="港口扩建工程动工", body="港口扩建工程周一动工，预计三年完工。",
        published=datetime(2024, 3, 4, 8, 0, tzinfo=UTC8),
    ))  # fmt: skip
    for source, publication, domain in (("zaobao", "联合早报", "www.zaobao.com"),
                                        ("cna", "中央社", "www.cna.com.tw")):  # fmt: skip
        for name, age in (("today", timedelta(0)), ("yesterday", timedelta(days=1)),
                          ("older", timedelta(days=3))):  # fmt: skip
            save(make_article(
                source=source, publication=publication, id=f"{name}-{source}",
                url=f"https://{domain}/news/{name}-{source}", title=f"{publication} {name} 新闻",
                published=now - age,
            ))  # fmt: skip
    archive.close()
    # an agency: a key the post writer may write; the site shows and filters by it when present
    (post,) = root.glob(f"_posts/zaobao/*/*-{AGENCY_ID}.md")
    text = post.read_text(encoding="utf-8")
    post.write_text(
        text.replace("\nsource: zaobao\n", "\nsource: zaobao\nagency: 新华社\n"), "utf-8"
    )


def site_build(archive: Path, dest: Path, env: dict | None = None) -> tuple[int, str]:
    """Run ``newsarchive site build`` in a fresh process; (exit code, stdout + stderr)."""
    cmd = [sys.executable, "-c", "from crawler.cli import main; main()", "site", "build",
           "--archive", str(archive), "--dest", str(dest)]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, str]:
    """(archive, site, output of the build)."""
    require_tool("jekyll")
    tmp_path = tmp_path_factory.mktemp("search")
    save_search_articles(tmp_path / "archive")
    code, output = site_build(tmp_path / "archive", tmp_path / "site")
    assert code == 0, output
    return tmp_path / "archive", tmp_path / "site", output


def read(site: Path, url: str) -> str:
    return (site / url.strip("/") / "index.html").read_text(encoding="utf-8")


# -- the build ------------------------------------------------------------------------------------
def test_site_build_runs_jekyll_then_pagefind_without_warnings(built):
    _, site, output = built
    assert not re.search(r"warn|error|deprecat|traceback", output, re.I), output
    assert "built " in output and "9 articles, 1 with a Simplified copy" in output, output
    assert "9 pages indexed for search" in output, output
    assert (site / "pagefind" / "pagefind-ui.js").is_file()
    assert (site / "pagefind" / "to-simplified.js").is_file()
    assert [p.name for p in (site / "pagefind").glob("pagefind.*.pf_meta")] != []
    assert len(list((site / "pagefind").glob("pagefind.zh*.pf_meta"))) == 1, "one index, zh"


def test_every_file_of_the_site_is_readable_by_a_web_server(built):
    _, site, _ = built
    unreadable = [p for p in site.rglob("*") if p.is_file() and not p.stat().st_mode & 0o004]
    assert unreadable == []


def test_every_page_has_a_search_box_and_the_search_page_loads_pagefind(built):
    _, site, _ = built
    for url in ("/", SIMPLIFIED_URL, "/sources/zaobao/", "/sources/zaobao/2024-03/"):
        assert '<form class="search" role="search" method="get" action="/search/">' in read(
            site, url
        ), url
    search = read(site, "/search/")
    assert '<script src="/pagefind/pagefind-ui.js"></script>' in search
    assert '@import url("/pagefind/pagefind-ui.css");' in search


def test_only_post_pages_are_indexed_with_their_filters(built):
    _, site, _ = built
    post = read(site, AGENCY_URL)
    assert "<article data-pagefind-body>" in post
    assert '<span data-pagefind-filter="source">联合早报</span>' in post
    assert '<span data-pagefind-filter="year">2024</span>' in post
    assert '<span data-pagefind-filter="agency">新华社</span>' in post
    assert 'data-pagefind-filter="agency"' not in read(site, SIMPLIFIED_URL)
    for url in ("/", "/search/", "/sources/zaobao/", "/sources/zaobao/2024-03/"):
        assert "data-pagefind-body" not in read(site, url), url


def test_a_traditional_post_carries_an_escaped_simplified_copy(built):
    _, site, _ = built
    page = read(site, TRADITIONAL_URL)
    (copy,) = re.findall(r"<div hidden data-simplified-copy>(.*?)</div>", page, re.S)
    assert "建屋发展局周五宣布新的节能计划" in copy and "新加坡推出组屋节能计划" in copy
    assert "&lt;script&gt;pwned()&lt;/script&gt;" in copy and "<script>pwned" not in page
    assert "申请补贴 &amp; 咨询" in copy
    # a Simplified post needs none
    assert "<div hidden data-simplified-copy></div>" in read(site, SIMPLIFIED_URL)


@pytest.mark.parametrize(
    "page, expected",
    [
        ("<p>no post</p>", None),
        ("<article><p>已是简体</p><div hidden data-simplified-copy></div></article>", None),
        (
            "<article><p>臺灣 &lt;b&gt;</p><div hidden data-simplified-copy></div></article>",
            "<article><p>臺灣 &lt;b&gt;</p><div hidden data-simplified-copy>台湾 &lt;b&gt;</div>"
            "</article>",
        ),
    ],
)
def test_simplified_copy(page, expected):
    assert simplified_copy(page) == expected


def test_the_traditional_to_simplified_map_covers_common_characters():
    table = traditional_to_simplified_map()
    assert [table.get(c) for c in "臺灣選舉節劃"] == list("台湾选举节划")
    assert "台" not in table and "中" not in table


# -- URLs that last --------------------------------------------------------------------------------
def test_post_urls_are_ascii_source_date_and_id(built):
    _, site, _ = built
    for url in (SIMPLIFIED_URL, TRADITIONAL_URL, AGENCY_URL):
        assert (site / url.strip("/") / "index.html").is_file(), url
    posts = [p for p in site.rglob("index.html") if "<article" in p.read_text(encoding="utf-8")]
    assert len(posts) == 9
    for page in posts:
        url = "/" + page.parent.relative_to(site).as_posix() + "/"
        assert url.isascii() and re.fullmatch(r"/(zaobao|cna)/\d{4}/\d\d/\d\d/[\w-]+/", url), url


def test_a_post_page_shows_the_outlets_display_name(built):
    _, site, _ = built
    assert '<a href="/sources/zaobao/">联合早报</a>' in read(site, SIMPLIFIED_URL)


@pytest.mark.parametrize(
    "pattern, url",
    [
        ("/:source/:year/:month/:day/:title/", f"/zaobao/2024/03/03/{SIMPLIFIED_ID}/"),
        ("/archive/:source/:year/:title.html", f"/archive/zaobao/2024/{SIMPLIFIED_ID}.html"),
    ],
)
def test_the_post_url_pattern_comes_from_the_config(tmp_path, pattern, url):
    jekyll = require_tool("jekyll")
    root = tmp_path / "archive"
    root.mkdir()
    config = skeleton_text("_config.yml").replace(
        "source_permalink: /:source/:year/:month/:day/:title/", f"source_permalink: {pattern}"
    )
    (root / "_config.yml").write_text(config, encoding="utf-8")
    archive = Archive(root)
    archive.save(make_article(id=SIMPLIFIED_ID, published=datetime(2024, 3, 3, 9, tzinfo=UTC8)))
    archive.close()
    # a plain Jekyll build has the same URLs: the entry was written with the source's first post
    subprocess.run([jekyll, "build", "-s", str(root), "-d", str(tmp_path / "site")],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    target = tmp_path / "site" / url.strip("/")
    assert (target / "index.html" if url.endswith("/") else target).is_file()


def test_an_article_dated_after_the_build_is_published_too(tmp_path):
    jekyll = require_tool("jekyll")
    archive = Archive(tmp_path / "archive")
    tomorrow = datetime.now(UTC8) + timedelta(days=2)
    archive.save(make_article(id="future-1", published=tomorrow))
    archive.close()
    subprocess.run([jekyll, "build", "-s", str(tmp_path / "archive"), "-d", str(tmp_path / "site")],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    assert (tmp_path / "site" / f"zaobao/{tomorrow:%Y/%m/%d}/future-1/index.html").is_file()


def _config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "_config.yml").write_text(text, encoding="utf-8")
    return tmp_path / "_config.yml"


def test_a_source_url_entry_is_added_once(tmp_path):
    config = _config(tmp_path, skeleton_text("_config.yml"))
    assert ensure_source_url(tmp_path, "zaobao") is True
    assert ensure_source_url(tmp_path, "zaobao") is False
    text = config.read_text(encoding="utf-8")
    assert text.startswith(skeleton_text("_config.yml"))
    assert text.count("_posts/zaobao") == 1
    assert "{permalink: '/zaobao/:year/:month/:day/:title/'}" in text


@pytest.mark.parametrize(
    "text, source, reason",
    [
        ("defaults:\n  - scope: {path: ''}\n    values: {layout: post}\n"
         "source_permalink: /:source/:title/\ntitle: x\n", "zaobao", "is not the last key"),
        ("defaults: []\ntitle: x\n", "zaobao", None),  # no source_permalink: the user's choice
        ("source_permalink: /:source/:title/\ndefaults:\n  - scope: {path: _posts/zaobao/}\n"
         "    values: {permalink: /zb/:title/}\n", "zaobao", None),  # the user's own entry
        ("source_permalink: /:source/:title/\ndefaults:\n  - {}\n", "a b", "not a URL-safe key"),
        ("source_permalink: [\n", "zaobao", "cannot read it"),
    ],
)  # fmt: skip
def test_a_config_the_entry_cannot_go_into_is_left_as_it_is(tmp_path, caplog, text, source, reason):
    config = _config(tmp_path, text)
    with caplog.at_level(logging.WARNING, logger="crawler.store.site"):
        assert ensure_source_url(tmp_path, source) is False
    assert config.read_text(encoding="utf-8") == text
    if reason:
        (record,) = caplog.records
        assert reason in record.getMessage() and "\n" not in record.getMessage()
    else:
        assert not caplog.records


def test_site_build_says_when_the_config_has_no_source_permalink(tmp_path):
    require_tool("jekyll")
    root = tmp_path / "archive"
    root.mkdir()
    (root / "_config.yml").write_text("title: mine\npermalink: /:year/:title/\n", encoding="utf-8")
    save_search_articles(root)
    code, output = site_build(root, tmp_path / "site")
    assert code == 0, output
    assert (
        f"note: {root / '_config.yml'} has no source_permalink: post URLs follow its own" in output
    )
    assert (tmp_path / "site" / "2024" / SIMPLIFIED_ID / "index.html").is_file()
    assert (root / "_config.yml").read_text(
        encoding="utf-8"
    ) == "title: mine\npermalink: /:year/:title/\n"


# -- source, month and home pages ------------------------------------------------------------------
def test_month_pages_are_written_once_per_source_and_month(tmp_path):
    save_search_articles(tmp_path, now=datetime(2026, 11, 30, 12, tzinfo=UTC8))
    done = prepare_site(tmp_path)
    assert sorted(done.pages) == [
        "sources/cna/2026-11.html",
        "sources/zaobao/2024-02.html",
        "sources/zaobao/2024-03.html",
        "sources/zaobao/2026-11.html",
    ]
    page = tmp_path / "sources" / "zaobao" / "2024-03.html"
    assert page.read_text(encoding="utf-8") == (
        "---\nlayout: source_month\ntitle: 联合早报 · 2024-03\nsource: zaobao\nmonth: 2024-03\n"
        "permalink: /sources/zaobao/2024-03/\n---\n"
    )
    page.write_text("---\nlayout: source_month\nsource: zaobao\nmonth: 2024-03\n---\n")
    assert prepare_site(tmp_path).pages == []
    assert "title" not in page.read_text(encoding="utf-8")


def test_a_month_page_lists_that_months_posts_and_the_source_page_links_months(built):
    _, site, _ = built
    march = read(site, "/sources/zaobao/2024-03/")
    assert "<h1>联合早报 · 2024-03</h1>" in march
    assert march.count("<li>") == 2
    assert march.index(AGENCY_URL) < march.index(SIMPLIFIED_URL)  # newest first
    assert TRADITIONAL_URL not in march
    source = read(site, "/sources/zaobao/")
    assert '<li><a href="/sources/zaobao/2024-03/">2024-03</a></li>' in source
    assert source.index("2024-03/") < source.index("2024-02/")
    assert TRADITIONAL_URL not in source  # the posts are on the month pages


def test_the_home_page_shows_todays_and_yesterdays_articles_per_source(built):
    _, site, _ = built
    home = read(site, "/")
    for source, publication in (("zaobao", "联合早报"), ("cna", "中央社")):
        section = home.split(f'<a href="/sources/{source}/">{publication}</a>')[1].split(
            "</section>"
        )[0]
        today, yesterday = section.split("<h3>Yesterday")
        assert f"/today-{source}/" in today and f"/yesterday-{source}/" not in today
        assert f"/yesterday-{source}/" in yesterday and f"/today-{source}/" not in yesterday
        assert f"/older-{source}/" not in section
    assert SIMPLIFIED_URL not in home


# -- bad input: one line, an honest exit code -------------------------------------------------------
def test_a_folder_that_is_no_archive_is_refused_in_one_line(tmp_path):
    (tmp_path / "none").mkdir()  # a folder that does not exist is a usage error (exit 2)
    result = CliRunner().invoke(main, ["site", "build", "--archive", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "is no archive folder" in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_jekyll_is_reported_in_one_line(tmp_path):
    save_search_articles(tmp_path / "archive")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    code, output = site_build(tmp_path / "archive", tmp_path / "site", env=env)
    assert code == 1
    assert output.strip() == "site build: jekyll is not installed (apt-get install jekyll)"


def test_a_failing_jekyll_build_is_reported_with_its_reason(tmp_path):
    require_tool("jekyll")
    save_search_articles(tmp_path / "archive")
    (tmp_path / "archive" / "_layouts" / "post.html").write_text("{% if %}", encoding="utf-8")
    code, output = site_build(tmp_path / "archive", tmp_path / "site")
    assert code == 1
    (line,) = output.strip().splitlines()
    assert line.startswith("site build: jekyll build failed (exit 1): ") and "Traceback" not in line


def test_the_build_needs_no_network(tmp_path):
    """Pagefind's binary comes with the package: the build runs with no network at all."""
    require_tool("jekyll")
    unshare = shutil.which("unshare")
    if not unshare or subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode:
        pytest.skip("unshare -rn (a user namespace without network) is not available here")
    save_search_articles(tmp_path / "archive")
    cmd = [unshare, "-rn", sys.executable, "-c", "from crawler.cli import main; main()",
           "site", "build", "--archive", str(tmp_path / "archive")]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    entry = json.loads(
        (tmp_path / "archive" / "_site" / "pagefind" / "pagefind-entry.json").read_text()
    )
    assert list(entry["languages"]) == ["zh"]
