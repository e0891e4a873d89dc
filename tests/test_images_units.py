"""Issue 14, images kept, piece by piece: what counts as an image, which image values a post may
publish, the body's pictures found by extraction, failure reasons, when the pipeline is off,
and the built site showing the archived copy (escaped)."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime

import lxml.html
import pytest
import replay_site
from conftest import post_files, require_tool
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError, DNSLookupError

from crawler.extract import extract_article
from crawler.extract.article import Article
from crawler.pipelines.images import ArticleImagesPipeline, ImageFailed, failure_reason, image_type
from crawler.store.archive import Archive
from crawler.store.post import parse_post, render_post
from crawler.store.reextract import article_captures, reextract

SHA1 = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("data", "ext"),
    [
        (b"\xff\xd8\xff\xdb" + b"\x00" * 20, "jpg"),
        (b"\x89PNG\r\n\x1a\n\x00", "png"),
        (b"GIF87a\x00", "gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x1cftypavif\x00", "avif"),
        (b"<!DOCTYPE html><html>", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>", None),
        (b"", None),
        (b"\xff\xd8", None),  # a JPEG cut short before its marker
    ],
)
def test_an_image_is_told_by_its_first_bytes(data, ext):
    assert image_type(data) == ext


def article(**fields) -> Article:
    base = dict(
        source="example",
        id="a1",
        url="https://news.example.org/a1",
        title="标题",
        published=datetime(2024, 3, 1, 8, tzinfo=UTC),
        body="正文。",
        publication="Example",
    )
    return Article(**(base | fields))


def written(a: Article) -> dict:
    meta, _ = parse_post(render_post(a, datetime(2024, 3, 1, 9, tzinfo=UTC)))
    return meta


@pytest.mark.parametrize(
    ("local", "kept"),
    [
        (f"/assets/{SHA1}.jpg", True),
        (f"/assets/{SHA1}.avif", True),
        (f"/assets/{SHA1}.svg", False),
        (f"/assets/{SHA1[:-1]}.jpg", False),
        (f"/assets/../{SHA1}.jpg", False),
        (f"//evil.example/{SHA1}.jpg", False),
        (f'/assets/{SHA1}.jpg" onerror="x()', False),
        (f"javascript:/assets/{SHA1}.jpg", False),
    ],
)
def test_the_lead_image_links_its_copy_only_in_the_fixed_form(local, kept):
    meta = written(article(image="https://img.example.org/a.jpg", image_local=local))
    if kept:
        assert meta["image"] == local and meta["image_url"] == "https://img.example.org/a.jpg"
    else:  # a local path of another form is never published: the original stays
        assert meta["image"] == "https://img.example.org/a.jpg"
        assert "image_url" not in meta


def test_body_images_are_published_only_in_their_form():
    images = [
        {"url": "https://img.example.org/1.png", "local": f"/assets/{SHA1}.png", "caption": "一"},
        {"url": "javascript:alert(1)", "local": f"/assets/{SHA1}.png"},  # no URL: left out
        {"url": "https://img.example.org/2.png", "local": "/etc/passwd", "caption": "二"},
        {"url": "https://img.example.org/3.png", "caption": "  "},
        {"caption": "无地址"},
    ]
    meta = written(article(images=images))
    assert meta["images"] == [
        {"url": "https://img.example.org/1.png", "local": f"/assets/{SHA1}.png", "caption": "一"},
        {"url": "https://img.example.org/2.png", "caption": "二"},
        {"url": "https://img.example.org/3.png"},
    ]
    assert "images" not in written(article(images=[{"url": "data:image/png;base64,AAAA"}]))


def test_image_records_are_normalised_text():
    a = article(images=[{"url": "https://img.example.org/1.png", "caption": "图\x00说\ud800"}, 3])
    assert a.images == [{"url": "https://img.example.org/1.png", "caption": "图说"}]


def test_extraction_finds_the_body_pictures_and_their_captions():
    page = """<html><head><meta charset="utf-8"><title>图片新闻</title>
<meta property="og:image" content="https://img.example.org/lead.jpg">
<meta property="article:published_time" content="2024-03-01T08:00:00+08:00"></head>
<body><article class="article-body"><h1>图片新闻</h1>
<p>第一段正文，内容足够长，用来通过正文长度的检查，这里再多写几个字。</p>
<figure><img src="https://img.example.org/lead.jpg"><figcaption>重复的头图</figcaption></figure>
<figure><img src="/placeholder.gif" data-src="/img/1.jpg"><figcaption>第一张 图说</figcaption></figure>
<p><img src="data:image/gif;base64,R0lGOD" alt="占位"><img src="img/2.png" alt="第二张"></p>
<img src="/img/1.jpg" alt="again"><img src="javascript:alert(1)"><img src="http://[x/3.png">
<p>第二段正文，内容足够长，用来通过正文长度的检查，这里再多写几个字。</p>
</article></body></html>""".encode()
    a = extract_article(page, "https://news.example.org/2024/03/01/pics.html")
    assert a.image == "https://img.example.org/lead.jpg"
    assert a.images == [
        {"url": "https://news.example.org/img/1.jpg", "caption": "第一张 图说"},
        {"url": "https://news.example.org/2024/03/01/img/2.png", "caption": "第二张"},
    ]


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (ImageFailed("not-an-image", "text/html"), "not-an-image"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots"),
        (IgnoreRequest("other"), "ignored"),
        (DNSLookupError("no such host"), "dns"),
        (ConnectionRefusedError(), "connection"),
        (TimeoutError(), "timeout"),
        (ValueError("odd"), "download"),
    ],
)
def test_a_failed_download_has_a_short_reason(exc, reason):
    assert failure_reason(exc) == reason


@pytest.mark.parametrize(
    "settings",
    [
        {"ARCHIVE_IMAGES": "none"},
        {"REDIS_URL": "redis://127.0.0.1:6379/0"},  # a worker: no archive to write to
        {"ARCHIVE_DIR": ""},
        {"ARCHIVE_IMAGES": "every"},
    ],
)
def test_the_pipeline_is_off_without_an_archive_or_images_wanted(settings):
    crawler = get_crawler(settings_dict={"IMAGES_MAX_BYTES": 10, "IMAGES_MAX_PER_ARTICLE": 1})
    crawler.settings.frozen = False
    crawler.settings.setdict({"ARCHIVE_DIR": "archive", "ARCHIVE_IMAGES": "lead", **settings})
    with pytest.raises(NotConfigured):
        ArticleImagesPipeline.from_crawler(crawler)


def test_the_site_shows_the_archived_copies_escaped(tmp_path):
    jekyll = require_tool("jekyll")
    archive = Archive(tmp_path / "archive")
    caption = '图说 <script>pwned()</script>" onerror="pwned()'
    a = article(
        image="https://img.example.org/lead.jpg",
        image_local=f"/assets/{SHA1}.jpg",
        image_caption=caption,
        images=[
            {"url": "https://img.example.org/b.png", "local": f"/assets/{'f' * 40}.png",
             "caption": caption},
            {"url": "https://img.example.org/c.png", "caption": "没有下载"},
        ],
    )  # fmt: skip
    archive.save(a, datetime(2024, 3, 1, 9, tzinfo=UTC))
    archive.close()
    (tmp_path / "archive" / "assets").mkdir()
    (tmp_path / "archive" / "assets" / f"{SHA1}.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    site = tmp_path / "site"
    result = subprocess.run(
        [jekyll, "build", "-s", str(tmp_path / "archive"), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (site / "assets" / f"{SHA1}.jpg").read_bytes() == b"\xff\xd8\xff\xe0"
    [page] = [p for p in site.rglob("*.html") if "a1" in p.parent.name or p.parent.name == "a1"]
    doc = lxml.html.fromstring(page.read_bytes())
    imgs = doc.findall(".//article//img")
    assert [i.get("src") for i in imgs] == [f"/assets/{SHA1}.jpg", f"/assets/{'f' * 40}.png"]
    assert all(i.get("alt") == caption for i in imgs)
    assert [c.text_content() for c in doc.findall(".//figcaption")] == [caption, caption]
    assert not doc.findall(".//script") and not any(i.get("onerror") for i in imgs)


def pictures_page(paragraph: str) -> tuple[str, bytes]:
    """(url, page) of a zaobao article with a lead image and two pictures in its body."""
    url, page = replay_site.made_up_article(1)
    page = page.replace(
        b"</head>", b"<meta property='og:image' content='https://img.example.org/lead.jpg'></head>"
    )
    figures = (
        "<figure><img src='/img/1.jpg'><figcaption>第一张</figcaption></figure>"
        f"<figure><img src='/img/2.jpg'><figcaption>第二张</figcaption></figure><p>{paragraph}</p>"
    )
    return url, page.replace(b"</article>", figures.encode() + b"</article>")


@pytest.mark.parametrize("files_left", [True, False])
def test_reextract_keeps_the_archived_copies_while_their_files_are_there(tmp_path, files_left):
    url, page = pictures_page("第一版正文，内容足够长，用来通过正文长度的检查。")
    first = extract_article(page, url)
    first.image_local = f"/assets/{SHA1}.jpg"
    first.images = [{**first.images[0], "local": f"/assets/{'e' * 40}.jpg"}, first.images[1]]
    archive = Archive(tmp_path / "archive")
    archive.save(first, datetime(2024, 3, 1, 9, tzinfo=UTC))
    if files_left:
        for name in (f"{SHA1}.jpg", f"{'e' * 40}.jpg"):
            (tmp_path / "archive" / "assets").mkdir(exist_ok=True)
            (tmp_path / "archive" / "assets" / name).write_bytes(b"\xff\xd8\xff\xe0")
    html = {"Content-Type": "text/html; charset=utf-8"}
    warc = replay_site.write_warc(
        tmp_path / "again.warc.gz",
        {url: (200, html, pictures_page("第二版正文，内容足够长，用来通过正文长度的检查。")[1])},
    )
    counts = reextract(archive, article_captures([warc]))
    archive.close()
    assert counts["updated"] == 1
    [post] = post_files(tmp_path / "archive")
    meta, body = parse_post(post.read_text(encoding="utf-8"))
    assert "第二版正文" in body
    if files_left:
        assert meta["image"] == f"/assets/{SHA1}.jpg"
        assert meta["image_url"] == "https://img.example.org/lead.jpg"
        assert [i.get("local") for i in meta["images"]] == [f"/assets/{'e' * 40}.jpg", None]
    else:  # a copy whose file is gone is not linked
        assert meta["image"] == "https://img.example.org/lead.jpg" and "image_url" not in meta
        assert all("local" not in i for i in meta["images"])


def test_an_error_in_the_images_pipeline_costs_the_article_only_its_images(tmp_path, monkeypatch):
    crawler = get_crawler(settings_dict={"ARCHIVE_DIR": str(tmp_path), "ARCHIVE_IMAGES": "all"})
    pipeline = ArticleImagesPipeline.from_crawler(crawler)
    pipeline.spiderinfo = ArticleImagesPipeline.SpiderInfo(object())

    def broken(_article):
        raise RuntimeError("a bug")

    monkeypatch.setattr(pipeline, "wanted", broken)
    a = article(image="https://img.example.org/a.jpg")
    assert asyncio.run(pipeline.process_item(a)) is a
    assert a.image_local is None
    assert crawler.stats.get_value("newsarchive/images/failed/error") == 1
