"""Every URL the crawl decides to request ends with exactly one counted outcome, and the counts
add up: links requested = outcomes (issue 10). A loopback site holds every way a request can
end: articles, a redirected article, redirect loops, too many redirects, a gzip bomb, a body
over DOWNLOAD_MAXSIZE, a 404, a page forbidden by robots.txt, duplicates (also one found only
after a redirect), listing pages and sitemaps.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import replay_site
from conftest import REPO
from test_crawl_e2e import crawl
from test_multipage import ARTICLE, HTML, article_page

from crawler import settings as project_settings

from .save_faults import ENV
from .test_save_disk_full import reports

MAX_SIZE = 1_000_000


def _article(name: str) -> bytes:
    paragraphs = "".join(
        f"<p>这是{name}这篇测试文章的第{i}段正文，内容足够长，用来通过正文长度的检查。</p>"
        for i in range(6)
    )
    return (
        f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>测试 {name}</title>"
        "<meta property='article:published_time' content='2024-03-01T08:00:00+08:00'></head>"
        f"<body><article class='article-body'><h1>测试 {name}</h1>{paragraphs}</article>"
        "</body></html>"
    ).encode()


def _listing(*paths: str) -> bytes:
    links = "".join(f"<li><a href='{p}'>{p}</a></li>" for p in paths)
    return f"<html><head><meta charset='utf-8'></head><body><ul>{links}</ul></body></html>".encode()


def _sitemap(base: str, tag: str, *paths: str) -> bytes:
    entries = "".join(f"<{tag}><loc>{base}{p}</loc></{tag}>" for p in paths)
    root = "sitemapindex" if tag == "sitemap" else "urlset"
    return (
        f"<?xml version='1.0' encoding='UTF-8'?>"
        f"<{root} xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{entries}</{root}>"
    ).encode()


ARTICLE_LINKS = [
    "/news/2024/a1",
    "/news/2024/a2",
    "/news/2024/a3",
    "/news/2024/old-address",  # 301 to an address linked nowhere else: archived from there
    "/news/2024/moved",  # 302 to a1, which is linked directly too
    "/news/2024/loop-a",  # loop-a -> loop-b -> loop-a
    "/news/2024/self",  # redirects to itself
    "/news/2024/far-0",  # far-0 -> far-1 -> ... past REDIRECT_MAX_TIMES
    "/news/2024/bomb",  # a small gzip body that inflates past DOWNLOAD_MAXSIZE
    "/news/2024/huge",  # Content-Length past DOWNLOAD_MAXSIZE
    "/news/2024/missing",  # 404
    "/news/2024/private",  # forbidden by robots.txt
]


def site(base: str) -> dict[str, tuple[int, dict, bytes]]:
    html = {"Content-Type": "text/html; charset=utf-8"}
    xml = {"Content-Type": "application/xml"}
    pages: dict[str, tuple[int, dict, bytes]] = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /news/2024/private\n"),
        "/news/": (200, html, _listing(*ARTICLE_LINKS)),
        "/news/more/": (200, html, _listing("/news/2024/a1", "/news/2024/a2")),
        "/sitemap_index.xml": (200, xml, _sitemap(base, "sitemap", "/sitemap-a.xml", "/sitemap-old.xml")),
        "/sitemap-a.xml": (200, xml, _sitemap(base, "url", "/news/2024/a3", "/news/2024/s1")),
        "/sitemap-old.xml": (301, {"Location": "/sitemap-a.xml"}, b""),
        "/news/2024/old-address": (301, {"Location": "/news/2024/new-address"}, b""),
        "/news/2024/moved": (302, {"Location": "/news/2024/a1"}, b""),
        "/news/2024/loop-a": (302, {"Location": "/news/2024/loop-b"}, b""),
        "/news/2024/loop-b": (302, {"Location": "/news/2024/loop-a"}, b""),
        "/news/2024/self": (302, {"Location": "/news/2024/self"}, b""),
        "/news/2024/bomb": (200, {**html, "Content-Encoding": "gzip"}, gzip.compress(b" " * (3 * MAX_SIZE))),
        "/news/2024/huge": (200, html, b"x" * (2 * MAX_SIZE)),
    }  # fmt: skip
    for n in range(10):
        pages[f"/news/2024/far-{n}"] = (302, {"Location": f"/news/2024/far-{n + 1}"}, b"")
    for name in ("a1", "a2", "a3", "s1", "new-address"):
        pages[f"/news/2024/{name}"] = (200, html, _article(name))
    return pages


@pytest.fixture
def loopback_site():
    """The site above on a free 127.0.0.1 port; its base URL."""
    pages: dict[str, tuple[int, dict, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            status, headers, body = pages.get(self.path, (404, {}, b"not here"))
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler hung up on a body it will not take: as it should

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages.update(site(base))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def news_crawl(
    archive: Path, base: str, *settings: str, faults: str = ""
) -> subprocess.CompletedProcess:
    """`scrapy crawl news` of the loopback site; `faults` as in tests/hostile/save_faults.py."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news"]
    cmd += ["-a", f"start_urls={base}/news/,{base}/news/more/", "-a", "allow=/news/2024/"]
    cmd += ["-a", f"sitemap={base}/sitemap_index.xml"]
    for setting in (
        f"ARCHIVE_DIR={archive}",
        "TELNETCONSOLE_ENABLED=False",
        "REMOTE_CONTROL_ENABLED=False",
        "AUTOTHROTTLE_ENABLED=False",
        "EXTRACT_WORKERS=0",
        "RETRY_TIMES=0",
        "REDIRECT_MAX_TIMES=3",
        f"DOWNLOAD_MAXSIZE={MAX_SIZE}",
        f"DOWNLOAD_WARNSIZE={MAX_SIZE // 2}",
        "RUN_MAX_ERROR_SHARE=0.9",
        *settings,
    ):
        cmd += ["-s", setting]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    env = {k: v for k, v in env.items() if "proxy" not in k.lower()}
    if faults:
        extensions = {**project_settings.EXTENSIONS, "save_faults.Faults": 0}
        cmd += ["-s", "EXTENSIONS=" + json.dumps(extensions)]
        env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parent), str(REPO)])
        env[ENV] = faults
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)


def test_every_link_ends_with_one_counted_outcome_and_they_add_up(tmp_path, loopback_site):
    archive = tmp_path / "archive"
    result = news_crawl(archive, loopback_site)
    assert result.returncode == 0, result.stderr[-4000:]
    [report] = reports(archive)
    links = report["links"]
    # 3 start points; 12 links on /news/, 2 on /news/more/; 2 sitemaps in the index; 2 links in
    # the sitemap that is not a redirect
    assert links["total"] == 3 + 12 + 2 + 2 + 2, links
    assert links["unfinished"] == 0 and links["unaccounted"] == 0, links
    outcomes = links["outcomes"]
    assert sum(outcomes.values()) == links["total"]
    assert report["failed_reasons"] == {
        "redirect-loop": 2,
        "too-many-redirects": 1,
        "too-large": 2,
        "http-404": 1,
    }
    assert links["ignored_reasons"] == {"robots-txt": 1}
    assert links["duplicate_reasons"] == {"seen": 3, "after-redirect": 1}
    assert outcomes["pages_read"] == 4  # two listings, the sitemap index, one sitemap
    # a1, a2, a3, s1 and the article that moved to a new address; a1 again through `moved`
    assert (outcomes["new"], outcomes["unchanged"]) == (5, 1)
    assert report["counts"]["failed"] == 6
    assert "links: 21 requested" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_article_whose_address_redirects_is_archived(tmp_path, loopback_site):
    """The redirect keeps the request's article key: it must not be dropped as a duplicate of
    the request it came from."""
    archive = tmp_path / "archive"
    result = news_crawl(archive, loopback_site)
    assert result.returncode == 0, result.stderr[-4000:]
    posts = [p.read_text(encoding="utf-8") for p in (archive / "_posts").rglob("*.md")]
    assert any("测试 new-address" in post for post in posts), [p[:200] for p in posts]
    assert json.dumps(reports(archive)[0]["failed_reasons"]).count("redirect") == 2


def test_a_full_warc_dir_stops_the_crawl_with_exit_1_and_one_line(tmp_path, loopback_site):
    archive, warcs = tmp_path / "archive", tmp_path / "warc"
    result = news_crawl(archive, loopback_site, f"WARC_DIR={warcs}", faults="warc-enospc:6")
    assert result.returncode == 1, result.stderr[-4000:]
    problem = f"cannot write to WARC_DIR ({warcs}): disk full"
    assert [x for x in result.stderr.splitlines() if x.startswith("newsarchive:")] == [
        f"newsarchive: {problem}"
    ]
    assert "Traceback" not in result.stderr
    [report] = reports(archive)
    assert (report["status"], report["problem"]) == ("failed", problem)
    assert report["failed_reasons"]["archive-unwritable"] >= 1
    assert report["links"]["unaccounted"] == 0


# -- a multi-page article is one link ------------------------------------------------------------
@pytest.mark.parametrize("pages_there", [3, 2], ids=["whole", "page-3-missing"])
def test_a_multi_page_article_is_one_link_with_one_outcome(tmp_path, pages_there):
    """Its later pages (and a later page that fails) belong to the first page's link."""
    pages = {
        f"{ARTICLE}?page={n}" if n > 1 else ARTICLE: (200, {"Content-Type": HTML}, article_page(n))
        for n in range(1, pages_there + 1)
    }
    pages["https://www.zaobao.com.sg/robots.txt"] = (200, {"Content-Type": "text/plain"}, b"")
    warc = replay_site.write_warc(tmp_path / "multipage.warc.gz", pages)
    result, stats = crawl(tmp_path, warc, "-a", f"start_urls={ARTICLE}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats["newsarchive/links"] == 1 and stats["newsarchive/links_ended"] == 1
    assert stats["newsarchive/new"] == 1
    assert "newsarchive/links_ended_again" not in stats
    [report] = reports(tmp_path / "archive")
    assert report["links"]["unaccounted"] == 0 and report["links"]["unfinished"] == 0
