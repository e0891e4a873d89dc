"""The private parts of Scrapy (and its plugins) we rely on, pinned: an upgrade that changes one
fails here, with what to adapt, instead of somewhere deep in a crawl.

Public APIs are used wherever there is one (``twisted.web.client.ResponseFailed``, not
``twisted.web._newclient``'s). Where there is none, the private method is listed in `PINNED`
with its parameters and who relies on it; a new use of an upstream private name in crawler/
fails `test_every_upstream_private_name_we_use_is_pinned` until it is listed.
"""

from __future__ import annotations

import ast
import gzip
import importlib
import inspect
from pathlib import Path

import pytest
import scrapy
from scrapy.http import Request, Response, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.sources import SOURCES
from crawler.spiders.generic import GenericNewsSpider, NewsSitemap

ROOT = Path(__file__).resolve().parents[1]
CRAWLER = ROOT / "crawler"

#: private name -> (module:class that defines it, its parameters, where we rely on it and why)
PINNED = {
    "_process_sitemap_element": (
        "scrapy.utils.sitemap:Sitemap",
        ("self", "elem"),
        "crawler/spiders/generic.py NewsSitemap: keeps <news:publication_date>, which Scrapy "
        "drops (its entries hold only the direct children of <url>; `sitemap_filter` gets them "
        "so, so no public hook can see the date)",
    ),
    "_get_sitemap_body": (
        "scrapy.spiders.sitemap:SitemapSpider",
        ("self", "response"),
        "crawler/spiders/generic.py parse_sitemap: gunzips .xml.gz within DOWNLOAD_MAXSIZE",
    ),
    "_create_crawler": (
        "scrapy.commands:BaseRunSpiderCommand",
        ("self", "spidercls"),
        "crawler/commands/crawl.py: the crawler as `scrapy crawl` makes it (with its warning "
        "when -o is given but the feed exporter is off)",
    ),
    "_decode_request": (
        "scrapy_redis.queue:Base",
        ("self", "encoded_request"),
        "crawler/distributed/queue.py ReliablePriorityQueue.take: a queued request read back",
    ),
}
#: private-looking names that are public or harmless, and why
NOT_PRIVATE = {
    "_exit": "os._exit: documented stdlib, for a child process that must not run cleanups",
    "_FeedParser": "lxml.etree._FeedParser: lxml's documented parser type; a type hint only",
}


def _owner(where: str) -> type:
    module, _, name = where.partition(":")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_a_pinned_private_method_keeps_its_shape(name: str):
    where, params, user = PINNED[name]
    method = getattr(_owner(where), name, None)
    assert callable(method), f"{where}.{name} is gone (Scrapy {scrapy.__version__}): adapt {user}"
    found = tuple(inspect.signature(method).parameters)
    assert found == params, (
        f"{where}.{name} now takes {found}, not {params} (Scrapy {scrapy.__version__}): "
        f"adapt {user}"
    )


def _upstream_private_names() -> dict[str, str]:
    """Private names (``_x``, not dunders) crawler/ reads off an object or super() that crawler/
    never defines (so they are upstream's), with the first place each is used."""
    defined, used = set(), {}
    for path in sorted(CRAWLER.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                defined.add(node.attr)
            elif isinstance(node, ast.alias):
                defined.add(node.asname or node.name.split(".")[0])
            elif isinstance(node, ast.arg | ast.keyword) and node.arg:
                defined.add(node.arg)
            if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                if node.attr.startswith("__"):
                    continue
                on_super = (
                    isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "id", None) == "super"
                )
                place = f"{path.relative_to(ROOT)}:{node.lineno}"
                used.setdefault(node.attr, (place, on_super))
    return {
        name: place for name, (place, on_super) in used.items() if on_super or name not in defined
    }


def test_every_upstream_private_name_we_use_is_pinned():
    unpinned = {
        name: place
        for name, place in _upstream_private_names().items()
        if name not in PINNED and name not in NOT_PRIVATE
    }
    assert not unpinned, (
        f"crawler/ uses private upstream names {unpinned}: use a public API, or pin the name "
        "in PINNED (tests/test_upstream_private_apis.py)"
    )


def test_no_private_upstream_module_is_imported():
    """``from twisted.web._newclient import ...`` and the like: a public module names it too."""
    private = []
    for path in sorted(CRAWLER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] not in ("crawler", "__future__") and any(
                    p.startswith("_") for p in parts
                ):
                    private.append(f"{path.relative_to(ROOT)}:{node.lineno} {module}")
    assert not private, f"imports from private upstream modules: {private}"


def test_scrapys_sitemap_reader_still_calls_the_element_hook():
    """Each <url> goes through `_process_sitemap_element`: NewsSitemap's entries carry their
    publication date (a Scrapy that reads entries another way would silently drop it)."""
    body = (
        b"<?xml version='1.0' encoding='UTF-8'?>"
        b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
        b"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
        b"<url><loc>https://x.example/1</loc><news:news>"
        b"<news:publication_date>2024-03-05</news:publication_date></news:news></url>"
        b"<url><loc>https://x.example/2</loc></url></urlset>"
    )
    entries = list(NewsSitemap(body))
    assert [e["loc"] for e in entries] == ["https://x.example/1", "https://x.example/2"]
    assert [e.get("publication_date") for e in entries] == ["2024-03-05", None], (
        f"Scrapy {scrapy.__version__} no longer reads sitemap entries through "
        "Sitemap._process_sitemap_element: adapt NewsSitemap (crawler/spiders/generic.py)"
    )


def test_scrapys_sitemap_body_reader_gunzips_and_refuses_what_is_no_sitemap():
    known = dict(SOURCES)
    try:
        spider = GenericNewsSpider.from_crawler(
            get_crawler(GenericNewsSpider), sitemap="https://x.example/sitemap.xml"
        )
    finally:  # the generic sources the spider registers are forgotten
        SOURCES.clear()
        SOURCES.update(known)
    xml = b"<?xml version='1.0'?><urlset><url><loc>https://x.example/1</loc></url></urlset>"

    def response(cls: type[Response], url: str, body: bytes) -> Response:
        return cls(url, body=body, request=Request(url))

    gz = response(Response, "https://x.example/sitemap.xml.gz", gzip.compress(xml))
    assert spider._get_sitemap_body(gz) == xml
    assert spider._get_sitemap_body(response(XmlResponse, "https://x.example/s.xml", xml)) == xml
    page = response(Response, "https://x.example/page", b"<html></html>")
    assert spider._get_sitemap_body(page) is None
