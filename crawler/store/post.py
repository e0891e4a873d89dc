"""An article as a Jekyll post: front matter (python-frontmatter, YAML) + Markdown body.

The front matter keeps every key of the seed format with its meaning (layout, title, date,
author = the publication, from = canonical URL, tags and categories led by the publication) and
adds ours after them. Any string survives the YAML round trip: quotes, colons, ``#``, ``---``,
newlines and Liquid markup (the site renders posts with ``render_with_liquid: false``).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath

import frontmatter
import yaml

from crawler.extract.article import Article

#: keys of the seed format, in its order; every post has all of them
SEED_KEYS = ("layout", "title", "date", "author", "from", "tags", "categories")
#: our keys that every post has
REQUIRED_KEYS = (*SEED_KEYS, "source", "id", "fetched", "text_hash")


class _PostDumper(yaml.SafeDumper):
    """Datetimes as ISO 8601 with 'T' and offset; titles double-quoted like the seed posts."""


class _Quoted(str):
    pass


def _represent_datetime(dumper: yaml.SafeDumper, value: datetime):
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


def _represent_quoted(dumper: yaml.SafeDumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


_PostDumper.add_representer(datetime, _represent_datetime)
_PostDumper.add_representer(_Quoted, _represent_quoted)


def post_path(article: Article) -> PurePosixPath:
    """``_posts/<source>/<YYYY>/<YYYY-MM-DD>-<id>.md``: ASCII, stable, unique per article."""
    day = article.published.date()
    return PurePosixPath("_posts", article.source, f"{day:%Y}", f"{day:%Y-%m-%d}-{article.id}.md")


def front_matter(article: Article, fetched: datetime, updated: datetime | None = None) -> dict:
    data: dict = {
        "layout": "post",
        "title": _Quoted(article.title),
        "date": article.published,
        "author": article.publication,
        "from": article.url,
        "tags": list(dict.fromkeys([article.publication, *article.keywords])),
        "categories": [article.publication],
        "source": article.source,
        "id": article.id,
        "bylines": list(article.bylines),
        "section": article.section,
        "lang": article.lang,
        "image": article.image,
        "image_caption": article.image_caption,
        "description": article.description,
        "fetched": fetched,
        "updated": updated,
        "text_hash": article.text_hash,
    }
    return {k: v for k, v in data.items() if v not in (None, "")}


def render_post(article: Article, fetched: datetime, updated: datetime | None = None) -> str:
    post = frontmatter.Post(article.body, **front_matter(article, fetched, updated))
    text = frontmatter.dumps(
        post,
        Dumper=_PostDumper,
        default_flow_style=None,
        allow_unicode=True,
        sort_keys=False,
        width=1_000_000,
    )
    return text if text.endswith("\n") else text + "\n"


def parse_post(text: str) -> tuple[dict, str]:
    """(front matter, body) of a post file; raises ValueError when the front matter is broken."""
    if not re.match(r"---\s*\n", text):
        raise ValueError("no front matter")
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"unparseable front matter: {exc}") from exc
    return dict(post.metadata), post.content
