"""Extraction time of hostile pages as they grow: linear, or quadratic?

    .venv/bin/python benchmarks/hostile_pages.py [--small 5000] [--factor 10]

Each kind of page holds one paragraph of text broken by N elements the extraction removes
(scripts, ad spans, zero-width watermarks, reference superscripts, script-run "编辑" links, bare
note anchors). It is extracted at N = --small and at N = --small x --factor, in this process; the
ratio of the two times is printed per kind. Linear work gives about --factor; removing the
elements one by one with lxml's drop_tree (each removal copies the growing paragraph) gave about
--factor squared (a 1 MB page of 50,000 such elements took 22 s, a 20 MB one would take hours).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.extract import NotAnArticle, extract_article  # noqa: E402

URL = "https://example.org/news/2024/01/02/story.html"
KINDS = {
    "scripts": "文字<script>x</script>",
    "ad spans (zaobao)": "文字<span class='adv'>ad</span>",
    "zero-width spans": "文字<span>\u200b</span>",
    "reference marks": "文字<sup>[1]</sup>",
    "script-run links": "文字<a href='javascript:;'>编辑</a>",
    "bare anchors": "文字<a name='n'> </a>",
}


def page(kind: str, n: int) -> tuple[bytes, str]:
    if "zaobao" in kind:
        html = (
            "<html><body><h1 class='article-title'>标题</h1><article id='article-body'><p>"
            + KINDS[kind] * n
            + "</p></article></body></html>"
        )
        return html.encode(), "https://www.zaobao.com/realtime/china/story20240101-1"
    return f"<html><body><article><p>{KINDS[kind] * n}</p></article></body></html>".encode(), URL


def seconds(kind: str, n: int) -> float:
    body, url = page(kind, n)
    started = time.perf_counter()
    with contextlib.suppress(NotAnArticle):
        extract_article(body, url)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args()
    large = args.small * args.factor
    print(
        f"{'kind':22} {'N=' + str(args.small):>10} {'N=' + str(large):>10}  ratio (linear: {args.factor})"
    )
    for kind in KINDS:
        small, big = seconds(kind, args.small), seconds(kind, large)
        print(f"{kind:22} {small:9.2f}s {big:9.2f}s  {big / small:5.1f}x", flush=True)


if __name__ == "__main__":
    main()
