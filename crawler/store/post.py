"""An article as a Jekyll post: front matter (python-frontmatter, YAML) + Markdown body.

The front matter keeps every key of the seed format with its meaning (layout, title, date,
author = the publication, from = canonical URL, tags and categories led by the publication) and
adds ours after them. Any string survives the YAML round trip: quotes, colons, ``#``, ``---``,
newlines and Liquid markup (the site renders posts with ``render_with_liquid: false``).

What is written is publishable (crawler/store/publish_safety.py): the body is escaped so that
kramdown renders it as text, values that do not fit their key's form are left out, and so are
empty ones. :func:`parse_post` gives back the body as it was given.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path, PurePosixPath

import frontmatter
import yaml

from crawler.extract.article import Article
from crawler.store.atomic import OutsideArchive, inside
from crawler.store.publish_safety import (
    archived_body,
    local_asset,
    publishable_body,
    publishable_front_matter,
)

#: keys of the seed format, in its order; every post has all of them
SEED_KEYS = ("layout", "title", "date", "author", "from", "tags", "categories")
#: our keys that every post has
REQUIRED_KEYS = (*SEED_KEYS, "source", "id", "fetched", "text_hash")
#: every key a post can have, in the order they are written
FRONT_MATTER_KEYS = (
    *SEED_KEYS,
    "source",
    "id",
    "date_source",
    "bylines",
    "agency",
    "editors",
    "credits",
    "original_title",
    "section",
    "lang",
    "script",
    "complete",
    "completeness_reason",
    "pages",
    "image",
    "image_url",
    "image_caption",
    "images",
    "description",
    "fetched",
    "updated",
    "text_hash",
    "warc_record",
)
#: where a publish time stated on the page comes from (Article.date_source); any other source
#: (``url``, ``htmldate``, ...) means the page did not state it: written as ``date_source``
ON_PAGE_DATE_SOURCES = ("jsonld", "meta", "page", "time")


class _PostDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Datetimes as ISO 8601 with 'T' and offset; titles double-quoted like the seed posts.
    libyaml's emitter when PyYAML has it (the same text, three times faster: rendering was
    half of what a batched save costs), else PyYAML's own."""


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


def guessed_date_source(article: Article) -> str | None:
    """Where the publish time came from when the page did not state it (``url``, ``htmldate``,
    ...); None when it did."""
    return None if article.date_source in ON_PAGE_DATE_SOURCES else article.date_source


def front_matter(article: Article, fetched: datetime, updated: datetime | None = None) -> dict:
    """The post's front matter: every key with a value of its form (empty ones left out);
    raises UnpublishableArticle when a required one has none."""
    local = local_asset(article.image_local) if article.image else None
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
        "date_source": guessed_date_source(article),
        "bylines": list(article.bylines),
        "agency": article.agency,  # 来源: where the story comes from (新华社, 中新网, ...)
        "editors": list(article.editors) or None,  # 责任编辑: who edited the page
        "credits": list(article.credits) or None,  # written only when the story prints some
        "original_title": article.original_title,  # 原标题 of a republished story
        "section": article.section,
        "lang": article.lang,
        "script": article.script,
        # written only when the page held part of the article (paywall, teaser, missing pages)
        "complete": None if article.complete else False,
        "completeness_reason": None if article.complete else article.completeness_reason,
        "pages": article.pages if article.pages > 1 else None,
        # the archived copy when there is one (crawler/pipelines/images.py), else where it was found
        "image": local or article.image,
        "image_url": article.image if local else None,
        "image_caption": article.image_caption,
        "images": [dict(record) for record in article.images] or None,
        "description": article.description,
        "fetched": fetched,
        "updated": updated,
        "text_hash": article.text_hash,
        "warc_record": article.warc_record,  # [file, record id] of the capture (WARC_DIR)
    }
    return publishable_front_matter(data, REQUIRED_KEYS)


def render_post(article: Article, fetched: datetime, updated: datetime | None = None) -> str:
    meta = front_matter(article, fetched, updated)
    post = frontmatter.Post(publishable_body(article.body), **meta)
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
    """(front matter, body) of a post file, the body as the writer was given it; raises
    ValueError when the front matter is broken."""
    if not re.match(r"---\s*\n", text):
        raise ValueError("no front matter")
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"unparseable front matter: {exc}") from exc
    return dict(post.metadata), archived_body(post.content)


def keep_archived_images(article: Article, previous: dict, root: Path) -> None:
    """Give `article` the archived image copies its previous post (front matter `previous`)
    linked, for each image with the same original URL whose file is still in the archive `root`:
    an article extracted again (`newsarchive reextract`) downloads nothing and must not go back
    to hotlinking."""

    def present(local: object) -> bool:
        if not local_asset(local):
            return False
        try:
            return inside(root, str(local).lstrip("/")).is_file()
        except OutsideArchive:
            return False

    same_lead = article.image and previous.get("image_url") == article.image
    if same_lead and not local_asset(article.image_local) and present(previous.get("image")):
        article.image_local = previous["image"]
    before = previous.get("images")
    old = {r.get("url"): r.get("local") for r in before or [] if isinstance(r, dict)}
    if old and article.images:
        article.images = [
            {**r, "local": old[r["url"]]} if "local" not in r and present(old.get(r["url"])) else r
            for r in article.images
        ]
