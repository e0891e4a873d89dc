"""Issue 14, images kept: a real `scrapy crawl news` of a loopback site whose articles have lead
and body images (good, missing, oversize, HTML posing as an image, too many), then the posts,
the assets and the run report; and a replayed crawl (images out of the WARC or counted)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import replay_site
from conftest import REPO, crawl_command, crawl_stats, post_files, run_crawl

from crawler.store.post import parse_post
from crawler.store.runs import RUNS_DIR

#: a tiny valid image of each kept type (only the first bytes are read)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 200
GIF = b"GIF89a" + b"\x03" * 200
MAX_BYTES = 1000


def image_page(title: str, lead: str | None, body_images: list[tuple[str, str]]) -> bytes:
    """An article page of an outlet without rules: og:image as the lead, figures in the body."""
    og = f"<meta property='og:image' content='{lead}'>" if lead else ""
    figures = "".join(
        f"<figure><img src='{src}'><figcaption>{caption}</figcaption></figure>"
        for src, caption in body_images
    )
    paragraphs = "".join(
        f"<p>这是{title}这篇测试文章的第{i}段正文，内容足够长，用来通过正文长度的检查。</p>"
        for i in range(6)
    )
    return (
        "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>"
        f"<title>{title}</title>{og}"
        "<meta property='article:published_time' content='2024-03-01T08:00:00+08:00'></head>"
        f"<body><article class='article-body'><h1>{title}</h1>{paragraphs}{figures}"
        "</article></body></html>"
    ).encode()


HTML = {"Content-Type": "text/html; charset=utf-8"}
ARTICLES = {
    # the lead image and two body images, all fine
    "lead": (
        "/img/lead.jpg",
        [("/img/b1.png", "图一 &lt;b&gt;说明&lt;/b&gt;"), ("/img/b2.gif", "图二")],
    ),
    "missing": ("/img/missing.jpg", []),  # 404
    "big": ("/img/big.jpg", []),  # over IMAGES_MAX_BYTES
    "html": ("/img/page.jpg", []),  # an HTML page served as the image
    "many": ("/img/lead.jpg", [(f"/img/m{n}.png", f"第{n}张") for n in range(5)]),
}


def site() -> dict[str, tuple[int, dict, bytes]]:
    pages: dict[str, tuple[int, dict, bytes]] = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"),
        "/img/lead.jpg": (200, {"Content-Type": "image/jpeg"}, JPEG),
        "/img/b1.png": (200, {"Content-Type": "image/png"}, PNG),
        "/img/b2.gif": (200, {"Content-Type": "image/gif"}, GIF),
        "/img/big.jpg": (200, {"Content-Type": "image/jpeg"}, JPEG + b"\x00" * 2 * MAX_BYTES),
        "/img/page.jpg": (200, HTML, b"<html><body>Not found, sorry</body></html>"),
    }
    for n in range(5):
        pages[f"/img/m{n}.png"] = (200, {"Content-Type": "image/png"}, PNG + bytes([n]))
    links = []
    for name, (lead, body) in ARTICLES.items():
        path = f"/news/2024/{name}"
        links.append(path)
        pages[path] = (200, HTML, image_page(f"测试{name}", lead, body))
    listing = "".join(f"<li><a href='{p}'>{p}</a></li>" for p in links)
    pages["/news/"] = (200, HTML, f"<html><body><ul>{listing}</ul></body></html>".encode())
    return pages


@pytest.fixture(scope="module")
def loopback_site():
    """The site above on a free 127.0.0.1 port; (base URL, requested paths)."""
    pages = site()
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            requested.append(self.path)
            status, headers, body = pages.get(self.path, (404, {}, b"not here"))
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler hung up on a body it will not take

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def news_crawl(archive: Path, base: str, *settings: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news"]
    cmd += ["-a", f"start_urls={base}/news/", "-a", "allow=/news/2024/"]
    for setting in (
        f"ARCHIVE_DIR={archive}",
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
        "AUTOTHROTTLE_ENABLED=False",
        "EXTRACT_WORKERS=0",
        "RETRY_TIMES=0",
        "LOG_LEVEL=INFO",
        *settings,
    ):
        cmd += ["-s", setting]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    env = {k: v for k, v in env.items() if "proxy" not in k.lower()}
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)


def posts_by_name(archive: Path) -> dict[str, dict]:
    found = {}
    for path in post_files(archive):
        meta, _ = parse_post(path.read_text(encoding="utf-8"))
        found[meta["from"].rsplit("/", 1)[-1]] = meta
    return found


def run_report(archive: Path) -> dict:
    [report] = [json.loads(p.read_text()) for p in sorted((archive / RUNS_DIR).glob("*.json"))]
    return report


def local_file(archive: Path, local: str) -> Path:
    assert re.fullmatch(r"/assets/[0-9a-f]{40}\.(jpg|png|gif|webp|avif)", local), local
    return archive / local.lstrip("/")


@pytest.fixture(scope="module")
def all_images(loopback_site, tmp_path_factory):
    """ARCHIVE_IMAGES=all, at most 3 images an article, 1000 bytes an image."""
    base, _ = loopback_site
    archive = tmp_path_factory.mktemp("images-all") / "archive"
    result = news_crawl(
        archive,
        base,
        "ARCHIVE_IMAGES=all",
        "IMAGES_MAX_PER_ARTICLE=3",
        f"IMAGES_MAX_BYTES={MAX_BYTES}",
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return archive, base, result, crawl_stats(result.stderr)


@pytest.fixture(scope="module")
def lead_only(loopback_site, tmp_path_factory):
    """The defaults: the lead image only."""
    base, _ = loopback_site
    archive = tmp_path_factory.mktemp("images-lead") / "archive"
    result = news_crawl(archive, base, f"IMAGES_MAX_BYTES={MAX_BYTES}")
    assert result.returncode == 0, result.stderr[-4000:]
    return archive, base, result, crawl_stats(result.stderr)


def test_every_article_is_archived_whatever_became_of_its_images(all_images):
    archive, _, result, stats = all_images
    assert stats["newsarchive/new"] == len(ARTICLES), result.stderr[-3000:]
    assert set(posts_by_name(archive)) == set(ARTICLES)
    assert "Traceback" not in result.stderr
    failed = {k: v for k, v in stats.items() if k.startswith("newsarchive/images/failed/")}
    assert sum(failed.values()) == 3 and run_report(archive)["status"] == "ok"


def test_the_lead_image_is_downloaded_by_default_and_the_post_links_the_copy(lead_only):
    archive, base, result, stats = lead_only
    meta = posts_by_name(archive)["lead"]
    assert meta["image_url"] == f"{base}/img/lead.jpg"  # the original URL is kept
    path = local_file(archive, meta["image"])
    assert path.read_bytes() == JPEG
    assert path.name == hashlib.sha1(JPEG).hexdigest() + ".jpg"  # the content's hash
    # body images are listed with their original URL, not downloaded ("lead")
    assert [i["url"] for i in meta["images"]] == [f"{base}/img/b1.png", f"{base}/img/b2.gif"]
    assert all("local" not in i for i in meta["images"])
    assert sorted(p.name for p in (archive / "assets").iterdir()) == [path.name]
    assert stats["newsarchive/images/downloaded"] == 2  # "lead" and "many" share one file


def test_body_images_are_downloaded_with_all(all_images):
    archive, base, _, _ = all_images
    meta = posts_by_name(archive)["lead"]
    assert local_file(archive, meta["image"]).read_bytes() == JPEG
    first, second = meta["images"]
    assert first["url"] == f"{base}/img/b1.png" and first["caption"] == "图一 <b>说明</b>"
    assert local_file(archive, first["local"]).read_bytes() == PNG
    assert local_file(archive, second["local"]).read_bytes() == GIF


@pytest.mark.parametrize(
    ("article", "reason"),
    [("missing", "http-404"), ("big", "too-large"), ("html", "not-an-image")],
)
def test_a_failed_image_keeps_its_url_and_is_counted(all_images, article, reason):
    archive, base, result, stats = all_images
    meta = posts_by_name(archive)[article]
    assert meta["image"] == base + ARTICLES[article][0]  # hotlinked as found
    assert "image_url" not in meta
    assert stats[f"newsarchive/images/failed/{reason}"] == 1
    assert run_report(archive)["images"]["failed"][reason] == 1
    assert re.search(rf"image of \S+/{article} not archived, failed/{reason}", result.stderr)


def test_the_count_limit_downloads_the_first_images_and_counts_the_rest(all_images):
    archive, _, result, stats = all_images
    meta = posts_by_name(archive)["many"]
    assert meta["image"].startswith("/assets/")
    assert [("local" in i) for i in meta["images"]] == [True, True, False, False, False]
    assert stats["newsarchive/images/skipped/over-limit"] == 3
    report = run_report(archive)["images"]
    assert report["skipped"] == {"over-limit": 3}
    # lead (3) + many (3: the lead and two body images)
    assert report["downloaded"] == stats["newsarchive/images/downloaded"] == 6
    assert "images: downloaded 6, failed http-404 1," in result.stderr  # the summary


def test_none_downloads_nothing(loopback_site, tmp_path):
    base, requested = loopback_site
    archive = tmp_path / "archive"
    before = len(requested)
    result = news_crawl(archive, base, "ARCHIVE_IMAGES=none")
    assert result.returncode == 0, result.stderr[-3000:]
    assert not any(p.startswith("/img/") for p in requested[before:])
    assert not (archive / "assets").exists()
    assert posts_by_name(archive)["lead"]["image"].startswith("http://127.0.0.1")
    assert run_report(archive)["images"] == {"downloaded": 0, "failed": {}, "skipped": {}}


@pytest.mark.parametrize(
    "setting",
    ["ARCHIVE_IMAGES=some", "IMAGES_MAX_BYTES=ten", "IMAGES_MAX_PER_ARTICLE=-1"],
)
def test_a_bad_image_setting_is_a_usage_error(tmp_path, setting):
    result = news_crawl(tmp_path / "archive", "http://127.0.0.1:9", setting)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("newsarchive: ")
    assert setting.split("=")[0] in result.stderr and "Traceback" not in result.stderr


def test_a_replay_takes_images_from_the_warc_or_counts_them(tmp_path):
    pages, listing = replay_site.small_site(2)
    urls = [u for u in pages if "/story" in u]
    for n, url in enumerate(urls):
        status, headers, body = pages[url]
        image = f"https://static.example-cdn.com/img/{n}.jpg"
        body = body.replace(
            b"</head>", f"<meta property='og:image' content='{image}'></head>".encode()
        )
        pages[url] = (status, headers, body)
    # the first article's image was recorded; the second's was not
    pages["https://static.example-cdn.com/img/0.jpg"] = (200, {"Content-Type": "image/jpeg"}, JPEG)
    warc = replay_site.write_warc(tmp_path / "site.warc.gz", pages)
    archive = tmp_path / "archive"
    result = run_crawl(crawl_command(archive, [listing], warc=warc))
    assert result.returncode == 0, result.stderr[-3000:]
    stats = crawl_stats(result.stderr)
    assert stats["newsarchive/new"] == 2
    assert stats["newsarchive/images/downloaded"] == 1
    assert stats["newsarchive/images/failed/not-in-replay"] == 1
    images = sorted(m.get("image_url", m["image"]) for m in posts_by_name(archive).values())
    assert images == [f"https://static.example-cdn.com/img/{n}.jpg" for n in range(2)]
