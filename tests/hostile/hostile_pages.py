"""A hostile corpus of our own: article pages whose every field tries to put markup into the
published site (title, bylines, section, keywords, lead image and its caption, body, ``lang``,
the article URL): zaobao pages, one per body attack, whose body takes the fallback path (a
short ``.article-body`` opening with a ``<figcaption>``, which trafilatura runs together), and
a page of a site without rules, read by the generic path (trafilatura on the whole page).

Each attack carries the word ``pwned`` and a field name, so a test can tell that the text
arrived (as text) and that no markup came with it.
"""

from __future__ import annotations

import html
import json

HTML = "text/html; charset=utf-8"
ALLOW_ALL = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n")

#: the quotes and angle brackets are percent-encoded by the crawl: the post's ``from`` has none
GENERIC_URL = "https://news.example.com/2024/03/06/lights\"><script>pwned('from')</script>.html"
FEED_URL = "https://news.example.com/feed.xml"


def attack(field: str) -> str:
    """Text (not markup) that would be markup if a layout or kramdown passed it through."""
    return (
        f"<script>pwned('{field}')</script><img src=x onerror=\"pwned('{field}')\">"
        f"<iframe src=\"javascript:pwned('{field}')\"></iframe>"
    )


#: bodies: each paragraph long enough to count as article text
BODY_ATTACKS = [
    "（早报讯）市政府周二宣布新的交通计划，将在三年内增加巴士路线并延长地铁运营时间。"
    + attack("body"),
    "{::nomarkdown}<script>pwned('ext')</script>{:/} 当局表示，计划的第一阶段将从下个月开始实施，涵盖市中心区域。",
    "[点击这里](javascript:pwned('link')) ![图](javascript:pwned('img')) <javascript:pwned('auto')> 居民对计划反应不一。",
    "{: onclick=\"pwned('ial')\" } $$\\href{javascript:pwned('math')}{x}$$ 一些商户担心施工期间生意会受到影响，希望政府提供补助。",
    "<object data=\"javascript:pwned('object')\"></object><embed src=\"javascript:pwned('embed')\"><style>body{display:none}</style> 交通部长说，政府会与社区保持沟通。",
    "[ref]: javascript:pwned('refdef') 官员补充说，所有的新路线都会在实施前进行公众咨询，收集居民意见。",
]


#: plain paragraphs after each attack: the fallback path is taken when trafilatura runs two or
#: more of the body's blocks together (it does after a leading <figcaption> in a short body)
PLAIN = [
    "当局表示，计划的第一阶段将从下个月开始实施，涵盖市中心区域的主要道路。",
    "交通部长说，政府会与社区保持沟通，并在每个阶段结束后公布检讨报告。",
]


ZAOBAO_URLS = [
    f"https://www.zaobao.com/realtime/china/story20240305-{8_200_000 + n}"
    for n in range(len(BODY_ATTACKS))
]


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{html.escape(text)}</p>" for text in texts)


def zaobao_page(n: int) -> bytes:
    """A 2021-era zaobao page: body in ``article#article-body``, a figcaption, then the `n`th
    body attack and plain paragraphs."""
    lang = html.escape("en\"><script>pwned('lang')</script>", quote=False)  # in '...'
    data = {
        "@context": "https://schema.org/",
        "@type": "NewsArticle",
        "headline": "交通计划" + attack("title"),
        "datePublished": "2024-03-05T10:00:00+08:00",
        "articleSection": attack("section"),
    }
    ld = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    # half the pages have a lead image of a publishable form (so that its caption is shown)
    image = (
        f"https://static.zaobao.com/images/lead-{n}.jpg" if n % 2 else "javascript:pwned('image')"
    )
    return f"""<!DOCTYPE html>
<html lang='{lang}'><head><meta charset="UTF-8">
<meta name="keywords" content="{html.escape("交通," + attack("keyword"))}">
<title>交通计划 | 联合早报网</title>
<script type="application/ld+json">{ld}</script>
</head><body>
<nav><ol class="breadcrumb"><li class="breadcrumb-item"><a href="/">首页</a></li>
<h1 class="breadcrumb-item active">{html.escape("中国" + attack("section"))}</h1></ol></nav>
<h1 class="article-title">{html.escape("交通计划" + attack("title"))}</h1>
<div class="author-info"><span>作者：{html.escape("陈思远" + attack("byline"))}</span></div>
<div id="carousel-article"><div class="carousel-item active">
<img src="{image}" data-title="{html.escape("图说" + attack("caption"))}">
</div></div>
<article id="article-body" class="article-body">
<figcaption>{html.escape("档案照" + attack("figcaption"))}</figcaption>
{_paragraphs([BODY_ATTACKS[n], *PLAIN])}
</article>
<a href="/keywords/x">{html.escape(attack("keyword-link"))}</a>
</body></html>""".encode()


def generic_page() -> bytes:
    """A page of a site without rules: JSON-LD fields, the body found by trafilatura."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "港口夜灯" + attack("title"),
        "datePublished": "2024-03-06T19:30:00+08:00",
        "author": {"@type": "Person", "name": "周明" + attack("byline")},
        "articleSection": "本地" + attack("section"),
        "keywords": ["港口", attack("keyword")],
        "inLanguage": "zh\" onmouseover=\"pwned('lang')",
        "image": {"@type": "ImageObject", "url": "javascript:pwned('image')"},
    }
    ld = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>港口夜灯 | 本地新闻</title>
<meta property="og:type" content="article">
<meta property="og:image" content="javascript:pwned('og-image')">
<script type="application/ld+json">{ld}</script>
</head><body>
<nav><a href="/">首页</a> <a href="/about">关于我们</a></nav>
<h1>{html.escape("港口夜灯" + attack("title"))}</h1>
<article>{_paragraphs([t for a in BODY_ATTACKS for t in (a, *PLAIN)])}</article>
<footer>版权所有 本地新闻网</footer>
</body></html>""".encode()


def feed() -> bytes:
    items = "".join(
        f"<item><title>条目</title><link>{html.escape(url)}</link></item>"
        for url in (*ZAOBAO_URLS, GENERIC_URL)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>本地新闻</title>"
        f"<link>https://news.example.com/</link>{items}</channel></rss>"
    ).encode()


def site() -> dict[str, tuple[int, dict, bytes]]:
    """URL -> (status, headers, body) of every page of the hostile corpus."""
    pages = {
        url: (200, {"Content-Type": HTML}, zaobao_page(n)) for n, url in enumerate(ZAOBAO_URLS)
    }
    return pages | {
        FEED_URL: (200, {"Content-Type": "application/rss+xml"}, feed()),
        GENERIC_URL: (200, {"Content-Type": HTML}, generic_page()),
        "https://news.example.com/robots.txt": ALLOW_ALL,
        "https://www.zaobao.com/robots.txt": ALLOW_ALL,
    }
