"""``newsarchive wacz``: the demo WARC packaged as a WACZ, checked by the `wacz` package's own
validator and by reading every index line's record back out of the zip."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.cli import main
from crawler.store.archive import Archive
from crawler.store.wacz import article_key, surt

REPO = Path(__file__).resolve().parents[1]
DEMO_WARC = REPO / "demo" / "zaobao-demo.warc.gz"
#: the demo articles published in 2024 (the filtered WACZ's selection)
ARTICLES_2024 = {
    "https://www.zaobao.com/news/china/story20240521-3615828",
    "https://www.zaobao.com/news/singapore/story20241105-5012345",
}


def validator() -> str:
    found = shutil.which("wacz", path=str(Path(sys.executable).parent)) or shutil.which("wacz")
    if not found:
        pytest.skip("the `wacz` validator is not installed (pip install -e '.[test]')")
    return found


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """An archive of the demo WARC's articles (built by reextract --add-new, no crawl)."""
    root = tmp_path_factory.mktemp("wacz") / "archive"
    Archive(root).close()  # only a crawl creates an archive; reextract then adds to it
    result = CliRunner().invoke(
        main, ["reextract", "--archive", str(root), "--warc", str(DEMO_WARC), "--add-new"]
    )
    assert result.exit_code == 0, result.output
    return root


def run_wacz(archive: Path, out: Path, *args: str, warc: Path = DEMO_WARC):
    return CliRunner().invoke(
        main, ["wacz", "--archive", str(archive), "--warc", str(warc), "-o", str(out), *args]
    )


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [validator(), "validate", "-f", str(path)], capture_output=True, text=True, timeout=300
    )


def index_entries(path: Path) -> list[tuple[str, str, dict]]:
    with zipfile.ZipFile(path) as zf:
        lines = zf.read("indexes/index.cdxj").decode("utf-8").splitlines()
    entries = []
    for line in lines:
        key, stamp, fields = line.split(" ", 2)
        entries.append((key, stamp, json.loads(fields)))
    return entries


def record_at(path: Path, filename: str, offset: int, length: int):
    """The record an index line points at, read from the WARC inside the zip."""
    with zipfile.ZipFile(path) as zf:
        data = zf.read(f"archive/{filename}")
    record = next(iter(ArchiveIterator(io.BytesIO(data[offset : offset + length]))))
    return record, record.content_stream().read()


def pages(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as zf:
        lines = zf.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("filters", [[], ["--source", "zaobao", "--since", "2024-01-01"]])
def test_wacz_is_valid_and_its_index_points_at_the_records(archive, tmp_path, filters):
    out = tmp_path / "out.wacz"
    result = run_wacz(archive, out, *filters)
    assert result.exit_code == 0, result.output
    checked = validate(out)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Validation succeeded" in checked.stdout

    with zipfile.ZipFile(out) as zf:
        names = {info.filename: info for info in zf.infolist()}
        assert names["archive/zaobao-demo.warc.gz"].compress_type == zipfile.ZIP_STORED
        package = json.loads(zf.read("datapackage.json"))
        assert package["wacz_version"] == "1.1.1"
        assert {r["path"] for r in package["resources"]} == {
            "archive/zaobao-demo.warc.gz",
            "indexes/index.cdxj",
            "pages/pages.jsonl",
        }
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["path"] == "datapackage.json"

    entries = index_entries(out)
    assert entries and [(k, s) for k, s, _ in entries] == sorted((k, s) for k, s, _ in entries)
    for key, stamp, fields in entries:
        record, body = record_at(
            out, fields["filename"], int(fields["offset"]), int(fields["length"])
        )
        assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
        assert record.http_headers.get_statuscode() == fields["status"]
        assert key == surt(fields["url"]) and len(stamp) == 14
        if fields["status"] == "200" and fields["mime"] == "text/html":
            assert b"<html" in body.lower()

    listed = pages(out)
    assert listed[0]["format"] == "json-pages-1.0"
    urls = {p["url"] for p in listed[1:]}
    indexed = {fields["url"] for _, _, fields in entries}
    assert urls <= indexed
    assert all(p["title"] and p["ts"] and p["id"] for p in listed[1:])
    if filters:  # only the 2024 articles' captures: nothing else
        # (both editions' captures of an article: zaobao.com and zaobao.com.sg)
        assert {article_key(fields["url"]) for _, _, fields in entries} == ARTICLES_2024
        assert {article_key(url) for url in urls} == ARTICLES_2024
    else:  # everything: listing pages, feeds and error pages too
        assert len(indexed) > len(urls) >= 5
        assert any(fields["status"] != "200" for _, _, fields in entries)


def recorded_warc(path: Path) -> Path:
    """The demo's responses as the crawl's recorder writes them: a warcinfo record, then a
    request and a response record per fetch, linked by WARC-Concurrent-To."""
    with DEMO_WARC.open("rb") as src, path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for record in ArchiveIterator(src):
            if record.rec_type != "response":
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date")
            body = record.content_stream().read()
            headers = StatusAndHeaders(
                "GET / HTTP/1.1", [("Host", "www.zaobao.com")], is_http_request=True
            )
            request = writer.create_warc_record(
                uri, "request", payload=io.BytesIO(b""), length=0, http_headers=headers,
                warc_headers_dict={"WARC-Date": date},
            )  # fmt: skip
            response = writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), length=len(body),
                http_headers=record.http_headers, warc_headers_dict={"WARC-Date": date},
            )  # fmt: skip
            response.http_headers.remove_header("Content-Encoding")  # the body is decoded
            request_id = request.rec_headers.get_header("WARC-Record-ID")
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            request.rec_headers.add_header("WARC-Concurrent-To", response_id)
            response.rec_headers.add_header("WARC-Concurrent-To", request_id)
            writer.write_record(request)
            writer.write_record(response)
    return path


@pytest.mark.parametrize("compressed", [True, False])
def test_the_index_is_what_webrecorders_indexer_makes(archive, tmp_path, compressed):
    """Every line as `cdxj-indexer` (py-wacz's and pywb's indexer) writes it for the WARC in
    the zip, gzipped or not: so the records were copied whole."""
    indexer = shutil.which("cdxj-indexer", path=str(Path(sys.executable).parent))
    if not indexer:
        pytest.skip("cdxj-indexer (installed with the `wacz` test extra) is missing")
    warc = DEMO_WARC
    if not compressed:
        warc = tmp_path / "plain.warc"
        warc.write_bytes(gzip.decompress(DEMO_WARC.read_bytes()))
    out = tmp_path / "out.wacz"
    assert run_wacz(archive, out, warc=warc).exit_code == 0
    with zipfile.ZipFile(out) as zf:
        zf.extract(f"archive/{warc.name}", tmp_path / "unzipped")
    theirs = subprocess.run(
        [indexer, str(tmp_path / "unzipped" / "archive" / warc.name)],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout.splitlines()  # fmt: skip
    expected = sorted(
        (key, stamp, json.loads(fields))
        for key, stamp, fields in (line.split(" ", 2) for line in theirs)
    )
    assert index_entries(out) == expected


def test_a_filtered_wacz_keeps_the_request_records_of_its_captures(archive, tmp_path):
    warc = recorded_warc(tmp_path / "newsarchive-20261121000000-00000.warc.gz")
    out = tmp_path / "out.wacz"
    result = run_wacz(archive, out, "--since", "2024-01-01", warc=warc)
    assert result.exit_code == 0, result.output
    assert validate(out).returncode == 0
    with zipfile.ZipFile(out) as zf:
        data = zf.read(f"archive/{warc.name}")
    records = [
        (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
        for r in ArchiveIterator(io.BytesIO(data))
    ]
    types = [t for t, _ in records]
    assert types.count("response") == types.count("request") >= len(ARTICLES_2024)
    assert {article_key(url) for t, url in records if t == "response"} == ARTICLES_2024
    assert types[0] == "warcinfo"


def test_a_torn_warc_is_packaged_up_to_its_last_whole_record(archive, tmp_path):
    whole = recorded_warc(tmp_path / "whole.warc.gz").read_bytes()
    torn = tmp_path / "newsarchive-20261121000000-00000.warc.gz.open"
    torn.write_bytes(whole[: len(whole) - 700])  # the last record cut in half
    out = tmp_path / "out.wacz"
    result = run_wacz(archive, out, warc=torn)
    assert result.exit_code == 1
    assert "ends with a broken record" in result.output
    assert "Traceback" not in result.output
    assert validate(out).returncode == 0
    with zipfile.ZipFile(out) as zf:
        assert "archive/newsarchive-20261121000000-00000.warc.gz" in zf.namelist()
        gzip.decompress(zf.read("archive/newsarchive-20261121000000-00000.warc.gz"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2030-01-01"], "nothing written: no capture to package"),
        (["--source", "nosuchsource"], "nothing written: no capture to package"),
    ],
)
def test_nothing_to_package_is_a_clear_error_and_no_file(archive, tmp_path, args, message):
    out = tmp_path / "out.wacz"
    result = run_wacz(archive, out, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temp file left behind


def test_no_warc_folder_is_a_clear_error(archive, tmp_path):
    result = CliRunner().invoke(
        main, ["wacz", "--archive", str(archive), "-o", str(tmp_path / "x.wacz")]
    )
    assert result.exit_code == 1
    assert "name the WARC files with --warc" in result.output


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.zaobao.com/news/china/story1", "com,zaobao)/news/china/story1"),
        ("http://WWW2.Example.COM:8080/A?b=2&a=1", "com,example:8080)/a?a=1&b=2"),
        ("https://news.cn:443/", "cn,news)/"),
        ("https://example.org", "org,example)/"),
    ],
)
def test_surt(url, key):
    assert surt(url) == key


# -- a real crawl with WARC_DIR: each post names its capture, the WACZ lists it ---------------


def _feed(base: str) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{base}/news/{n}.html</link></item>"
        for n, title in enumerate(CRAWLED_TITLES)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<title>本地新闻</title><link>{base}/</link>{items}</channel></rss>"
    ).encode()


CRAWLED_TITLES = ["港口步道装上夜灯", "夜市下月开张"]


@pytest.fixture
def loopback_site():
    """A made-up news site on 127.0.0.1: an RSS feed and two article pages."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    from test_generic_spider import article_page

    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    pages["/feed.xml"] = _feed(base)
    for n, title in enumerate(CRAWLED_TITLES):
        date = f"2024-03-0{n + 1}T19:30:00+08:00"
        pages[f"/news/{n}.html"] = article_page(title, jsonld_date=date)
    Thread(target=httpd.serve_forever, daemon=True).start()
    yield base
    httpd.shutdown()
    httpd.server_close()


def test_each_post_names_its_capture_and_the_wacz_lists_it(tmp_path, loopback_site):
    from conftest import post_files, run_crawl

    from crawler.store.post import parse_post

    archive, warc_dir = tmp_path / "archive", tmp_path / "warc"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"feed={loopback_site}/feed.xml"]
    for setting in (
        f"ARCHIVE_DIR={archive}",
        f"WARC_DIR={warc_dir}",
        "TELNETCONSOLE_ENABLED=False",
        "AUTOTHROTTLE_ENABLED=False",
        "EXTRACT_WORKERS=0",
    ):
        cmd += ["-s", setting]
    result = run_crawl(cmd)
    assert result.returncode == 0, result.stderr[-3000:]

    records = {}  # record id -> (file name, target URI, type)
    for warc in warc_dir.iterdir():
        with warc.open("rb") as fh:
            for record in ArchiveIterator(fh):
                record_id = record.rec_headers.get_header("WARC-Record-ID").strip("<>")
                uri = record.rec_headers.get_header("WARC-Target-URI")
                records[record_id] = (warc.name, uri, record.rec_type)
    posts = [parse_post(p.read_text(encoding="utf-8"))[0] for p in post_files(archive)]
    assert sorted(p["title"] for p in posts) == sorted(CRAWLED_TITLES)
    for meta in posts:
        name, record_id = meta["warc_record"]
        file, uri, kind = records[record_id]
        assert (file, article_key(uri), kind) == (name, meta["from"], "response")

    out = tmp_path / "site.wacz"
    packed = CliRunner().invoke(
        main, ["wacz", "--archive", str(archive), "--warc", str(warc_dir), "-o", str(out)]
    )
    assert packed.exit_code == 0, packed.output
    assert validate(out).returncode == 0
    listed = {article_key(p["url"]): p for p in pages(out)[1:]}
    for meta in posts:
        page = listed[meta["from"]]
        assert page["title"] == meta["title"]
        assert "urn:uuid:" + page["id"] == meta["warc_record"][1]
