"""The Jekyll site of an archive folder: its skeleton (config, layouts, home page) and one page
per source (``sources/<source>.html``, listing that source's posts through the ``source``
layout), each created when missing and never overwritten. Jekyll runs without plugins here, so
the pages select posts with Liquid ``where`` filters on ``site.posts``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path, PurePosixPath

import yaml

from crawler.store.atomic import write_atomic

SKELETON = (
    "_config.yml",
    "_layouts/default.html",
    "_layouts/post.html",
    "_layouts/source.html",
    "index.html",
)
#: the folder of the source pages, in the archive and in the site's URLs
SOURCES_DIR = "sources"


def skeleton_text(name: str) -> str:
    return resources.files("crawler.store").joinpath("site", name).read_text(encoding="utf-8")


def ensure_site(root: Path) -> list[str]:
    """Write each skeleton file that `root` lacks; never touch one the user has; returns the new."""
    created = []
    for name in SKELETON:
        target = root / name
        if not target.exists():
            write_atomic(target, skeleton_text(name), root=root)
            created.append(name)
    return created


def source_page_path(source: str) -> PurePosixPath:
    return PurePosixPath(SOURCES_DIR, f"{source}.html")


def source_page(source: str, display_name: str) -> str:
    """The page of one source: front matter only; the ``source`` layout lists its posts."""
    meta = {
        "layout": "source",
        "title": display_name or source,
        "source": source,
        "permalink": f"/{SOURCES_DIR}/{source}/",
    }
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"


def ensure_source_page(root: Path, source: str, display_name: str) -> bool:
    """Write the page of `source` unless the archive has it; True when it was written."""
    target = root / source_page_path(source)
    if target.exists():
        return False
    write_atomic(target, source_page(source, display_name), root=root)
    return True
