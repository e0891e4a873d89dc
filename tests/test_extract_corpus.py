"""Extraction checked against real zaobao material in the shared reference corpus.

The corpus lives outside the repository (``/work/shared/corpus``, next to the checkout); it is
read in place, never copied. Without it every test here is skipped.

- the one real Nov-2021 zaobao.com article page, extracted as it was saved;
- 30 real Jan-2021 Jekyll posts whose body is the raw article ``<div>`` of the 2021 site (ads,
  dfp slots, innity, subscribe promos and all): each body is put back into a page shaped like
  the 2021 markup and extracted, and every paragraph of the original must come out;
- one more such post (seed 003), whose promo image path holds another date (20210209).
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from pathlib import Path

import lxml.html
import pytest
import yaml

from crawler.extract import NotAnArticle, extract_article
from crawler.extract.body import plain_text
from crawler.sources.base import UTC8

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
REAL_PAGE = CORPUS / "pages" / "zaobao" / "zaobao.com_realtime_world_story20211118-1214802.html"
POSTS = sorted((CORPUS / "jekyll_posts" / "zaobao").glob("*.md"))
SEEDS = sorted((SHARED / "seeds").glob("003_*.txt"))

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the shared reference corpus is absent ({CORPUS})"
)

#: ad, promo and markup residue that must never reach an article body
RESIDUE = ("dfp", "subscribe.sph", "innity", "freemium", "googletag", "http://", "https://")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_SPACES = re.compile(r"\s+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


def _assert_clean(body: str) -> None:
    for residue in RESIDUE:
        assert residue not in body, f"residue {residue!r} in body"
    assert not _TAG.search(body), f"HTML tag in body: {_TAG.search(body).group(0)!r}"
    assert not _ZERO_WIDTH.search(body), "zero-width characters in body"
    assert not re.search(r"\.(?:jpe?g|png|gif|webp)\b", body, re.I), "image file name in body"


def _paragraphs(body: str) -> list[str]:
    """The body's paragraphs as plain, whitespace-normalised text."""
    return [_norm(plain_text(p)) for p in body.split("\n\n") if _norm(p)]


# -- (a) the real 2021 page -------------------------------------------------------------------


@needs_corpus
def test_real_2021_page():
    if not REAL_PAGE.is_file():
        pytest.skip(f"{REAL_PAGE.name} is not in the corpus")
    url = "https://www.zaobao.com/realtime/world/story20211118-1214802"
    article = extract_article(REAL_PAGE.read_bytes(), url)
    assert article.source == "zaobao"
    assert article.id == "story20211118-1214802"
    assert article.url == url
    assert article.title == "日本长期失业者人数上升"
    assert article.published.isoformat() == "2021-11-18T17:28:39+08:00"
    assert article.bylines == ["廖慧婷"]
    assert {"日本", "经济", "失业率"} <= set(article.keywords)
    paragraphs = _paragraphs(article.body)
    assert len(paragraphs) == 5, paragraphs
    assert paragraphs[0].startswith("（早报讯）日本媒体周四（11月18日）报道")
    assert paragraphs[-1].endswith("最近给寻求工作的人提供的就业机会减少了。")
    _assert_clean(article.body)
    # the 相关热词 block, the 相关推荐 list and the caption stay out of the body
    for outside in ("相关热词", "相关推荐", "日本外交官因与韩国岛屿争端", "（路透社）"):
        assert outside not in article.body


@needs_corpus
def test_real_2021_page_cut_before_its_body_is_no_article():
    if not REAL_PAGE.is_file():
        pytest.skip(f"{REAL_PAGE.name} is not in the corpus")
    data = REAL_PAGE.read_bytes()
    data = data[: data.index(b'<article class="article-body"')]
    url = "https://www.zaobao.com/realtime/world/story20211118-1214802"
    # the rest of the page is menus, the byline and the lead caption: no article to archive
    with pytest.raises(NotAnArticle) as caught:
        extract_article(data, url)
    assert caught.value.reason == "no-article"


# -- (b) the Jan-2021 posts, re-wrapped into 2021 pages ---------------------------------------


def read_post(path: Path) -> dict:
    """Front matter (all values as strings) and the raw ``<div>`` body after the ``------`` line."""
    text = path.read_text(encoding="utf-8")
    _, front, rest = text.split("---\n", 2)
    meta = yaml.load(front, Loader=yaml.BaseLoader)
    lines = rest.splitlines()
    cut = next(i for i, line in enumerate(lines) if re.fullmatch(r"-{6,}\s*", line))
    return {**meta, "body_html": "\n".join(lines[cut + 1 :]).strip()}


def front_matter_date(post: dict) -> datetime:
    return datetime.fromisoformat(post["date"]).astimezone(UTC8)


def wrap_2021(post: dict) -> bytes:
    """A page shaped like the 2021 zaobao.com article markup around a post's raw body."""
    ld = {
        "@context": "https://schema.org/",
        "@type": "NewsArticle",
        "headline": post["title"],
        "datePublished": front_matter_date(post).isoformat(),
        "publisher": {"@type": "Organization", "name": "联合早报"},
    }
    title = html.escape(post["title"])
    page = f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:url" content="{html.escape(post["from"])}">
<title>{title} | 联合早报网</title>
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False, indent=2)}</script>
</head><body>
<div class="container"><div class="article-container">
<h1 class="article-title">
{title}
</h1>
<article class="article-body" id="article-body">
{post["body_html"]}
</article>
</div></div>
</body></html>"""
    return page.encode("utf-8")


def original_paragraphs(body_html: str) -> list[str]:
    """The text of every ``<p>`` of a raw body; a ``<br>`` inside one splits it into lines.

    A photo gallery has no ``<p>``: its text is its captions, each a paragraph of its own.
    """
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    found = []
    for p in root.iter("p") if root.find(".//p") is not None else root.iter("figcaption"):
        for br in p.iter("br"):
            br.tail = "\n" + (br.tail or "")
        for line in p.text_content().split("\n"):
            if _norm(line):
                found.append(_norm(line))
    return found


def check_post(path: Path) -> None:
    post = read_post(path)
    article = extract_article(wrap_2021(post), post["from"])
    assert article.title == post["title"]
    assert article.published == front_matter_date(post)
    assert article.published.utcoffset() == UTC8.utcoffset(None)
    assert article.url == post["from"]
    produced = _paragraphs(article.body)
    expected = original_paragraphs(post["body_html"])
    assert expected, "the post has no text"
    missing = [p for p in expected if p not in produced]
    assert not missing, f"paragraphs missing or merged: {missing}"
    # in the original order
    positions = [produced.index(p) for p in expected]
    assert positions == sorted(positions), "paragraphs out of order"
    _assert_clean(article.body)


@needs_corpus
@pytest.mark.parametrize("path", POSTS, ids=[p.stem for p in POSTS])
def test_jan2021_post(path: Path):
    check_post(path)


@needs_corpus
def test_corpus_has_the_30_posts():
    assert len(POSTS) == 30


# -- (c) seed 003 -----------------------------------------------------------------------------


@pytest.mark.skipif(not SEEDS, reason=f"seed 003 is absent from {SHARED / 'seeds'}")
@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_003_post(path: Path):
    check_post(path)
    post = read_post(path)
    article = extract_article(wrap_2021(post), post["from"])
    # the promo image path says 20210209; the article is of 30 Aug 2021
    assert article.published.date().isoformat() == "2021-08-30"
    assert "20210209" not in article.body
