"""The archive as a product: the format contract documents everything written, and a real crawl
of a replayed WARC builds (``newsarchive site build``: Jekyll, Pagefind) with no warnings into a
browsable site."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import require_tool
from test_cli_archive import NO_BYLINE_URL, TRADITIONAL_URL, build_archive, rows
from test_site_build import site_build
from test_store import make_article

from crawler.store.archive import Archive
from crawler.store.atomic import TEMP_PREFIX
from crawler.store.catalog import Catalog
from crawler.store.post import FRONT_MATTER_KEYS, REQUIRED_KEYS, parse_post, render_post
from crawler.store.site import SKELETON, skeleton_text

REPO = Path(__file__).resolve().parents[1]
CONTRACT = (REPO / "archive" / "README.md").read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The part of `text` under the heading that contains `heading`, subsections included."""
    m = re.search(rf"^(#+) [^\n]*{re.escape(heading)}[^\n]*\n", text, re.M)
    assert m, f"archive/README.md has no heading with {heading!r}"
    end = re.compile(rf"^#{{1,{len(m.group(1))}}} ", re.M).search(text, m.end())
    return text[m.end() : end.start() if end else len(text)]


# -- the format contract ------------------------------------------------------------------------
def test_every_front_matter_key_is_documented():
    full = make_article(
        agency="新华社",
        editors=["李四"],
        original_title="原来的标题",
        credits=["策划：张三"],
        image="https://example.org/a.jpg",
        image_local="/assets/" + "0" * 40 + ".jpg",
        image_caption="图说",
        images=[{"url": "https://example.org/b.png", "caption": "图二"}],
        description="摘要",
        date_source="url",
        script="zh-Hans",
        complete=False,
        completeness_reason="teaser-marker",
        pages=2,
        warc_record=["newsarchive-20261121120000-00000.warc.gz", "urn:uuid:0a1b"],
    )
    fetched = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    meta, _ = parse_post(render_post(full, fetched, updated=fetched + timedelta(hours=1)))
    assert set(meta) == set(FRONT_MATTER_KEYS), "a key post.py writes is not in FRONT_MATTER_KEYS"
    table = section(CONTRACT, "Post format")
    documented = re.findall(r"^\| `([a-z_]+)` \|", table, re.M)
    assert documented == list(FRONT_MATTER_KEYS)
    for key in REQUIRED_KEYS:
        assert re.search(rf"^\| `{key}` \| [^|]+ \| yes", table, re.M), f"{key} is required"


def test_every_catalog_table_column_and_index_is_documented():
    db = Catalog(":memory:").db
    catalog = section(CONTRACT, "Catalog (`catalog.db`)")
    for table in db.table_names():
        if re.fullmatch(r"texts_fts_(data|idx|docsize|config)", table):  # FTS5's shadow tables
            assert f"`{table}`" in catalog
            continue
        if table == "texts_fts":
            text = section(CONTRACT, "`texts_fts`")
        else:
            text = section(CONTRACT, f"Table `{table}`")
        for column in db[table].columns_dict:
            assert f"`{column}`" in text, f"column {table}.{column} is not documented"
        for index in db[table].indexes:
            if index.name.startswith("sqlite_autoindex"):  # the primary key's
                continue
            cols = "(" + ", ".join(index.columns) + ")"
            assert f"`{cols}`" in text, f"index {table}{cols} is not documented"
    for trigger in db.execute("select name from sqlite_master where type = 'trigger'"):
        assert f"`{trigger[0]}`" in catalog


@pytest.mark.parametrize("name", SKELETON)
def test_committed_site_files_are_what_the_crawler_writes(name):
    assert (REPO / "archive" / name).read_text(encoding="utf-8") == skeleton_text(name)


# -- a real crawl, a real site build ---------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, Path, str]:
    require_tool("jekyll")
    tmp_path = tmp_path_factory.mktemp("site")
    archive, _ = build_archive(tmp_path)
    code, output = site_build(archive, tmp_path / "_site")
    assert code == 0, output
    return archive, tmp_path / "_site", output


def test_the_site_builds_without_warnings(site):
    _, _, output = site
    assert "warn" not in output.lower() and "error" not in output.lower(), output
    assert "deprecat" not in output.lower(), output


def test_the_home_page_links_each_source_with_its_article_count(site):
    archive, built, _ = site
    home = (built / "index.html").read_text(encoding="utf-8")
    assert '<a href="/sources/zaobao/">联合早报</a>' in home
    assert f"{len(rows(archive))} articles" in home
    # the crawl's articles are from 2024: neither today's nor yesterday's
    assert "臺灣選舉結果出爐" not in home and home.count("No articles.") == 2


def test_the_month_pages_list_every_article_of_the_source(site):
    archive, built, _ = site
    page = (built / "sources" / "zaobao" / "index.html").read_text(encoding="utf-8")
    assert "<h1>联合早报</h1>" in page
    months = re.findall(r'<li><a href="(/sources/zaobao/\d{4}-\d\d/)">', page)
    assert months and "/sources/zaobao/2024-03/" in months
    listed = sum(
        (built / m.strip("/") / "index.html").read_text(encoding="utf-8").count("<li>")
        for m in months
    )
    assert listed == len(rows(archive))
    march = (built / "sources" / "zaobao" / "2024-03" / "index.html").read_text(encoding="utf-8")
    assert "<h1>联合早报 · 2024-03</h1>" in march and "陳美玲" in march
    assert (archive / "sources" / "zaobao.html").is_file()
    assert (archive / "sources" / "zaobao" / "2024-03.html").is_file()


def test_a_post_page_has_title_date_bylines_source_link_and_text(site):
    archive, built, _ = site
    (page,) = built.rglob("story20240302-8100001/index.html")
    html = page.read_text(encoding="utf-8")
    assert '<h1 data-pagefind-meta="title">臺灣選舉結果出爐 執政黨候選人勝選</h1>' in html
    assert '<time datetime="2024-03-02T21:15:00+08:00">2024-03-02 21:15 +0800</time>' in html
    assert "陳美玲" in html and '<a href="/sources/zaobao/">联合早报</a>' in html
    canonical = "https://www.zaobao.com" + TRADITIONAL_URL.split(".sg", 1)[1]
    assert f'<a href="{canonical}">' in html
    assert "<p>（早報訊）臺灣中央選舉委員會週六晚間公布" in html
    # the post's URL: source, publish date in the outlet's timezone (as its file name), id
    assert (
        page.relative_to(built).as_posix() == "zaobao/2024/03/02/story20240302-8100001/index.html"
    )
    (other,) = built.rglob(NO_BYLINE_URL.rsplit("/", 1)[1] + "/index.html")
    assert "· 作者" not in other.read_text(encoding="utf-8")


# -- source pages ---------------------------------------------------------------------------------
def test_a_source_page_is_written_with_the_first_post_and_never_overwritten(tmp_path):
    archive = Archive(tmp_path)
    archive.save(make_article())
    page = tmp_path / "sources" / "zaobao.html"
    meta, body = parse_post(page.read_text(encoding="utf-8"))
    assert meta == {
        "layout": "source",
        "title": "联合早报",
        "source": "zaobao",
        "permalink": "/sources/zaobao/",
    }
    assert body == ""
    page.write_text("---\nlayout: source\nsource: zaobao\ntitle: 我的标题\n---\n", encoding="utf-8")
    archive.save(make_article(id="story20210830-2", url="https://www.zaobao.com/a/story20210830-2"))
    assert "我的标题" in page.read_text(encoding="utf-8")
    archive.close()


def test_a_source_page_a_killed_run_did_not_finish_is_written_on_the_next_open(tmp_path):
    archive = Archive(tmp_path)
    archive.save(make_article())
    archive.close()
    page = tmp_path / "sources" / "zaobao.html"
    page.unlink()
    (page.parent / f"{TEMP_PREFIX}killed.html").write_text("---\nlayo")
    Archive(tmp_path).close()
    assert sorted(p.name for p in page.parent.iterdir()) == ["zaobao.html"]
