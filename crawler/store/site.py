"""The Jekyll skeleton of an archive folder (config, layouts, home page), created when missing."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from crawler.store.atomic import write_atomic

SKELETON = ("_config.yml", "_layouts/default.html", "_layouts/post.html", "index.html")


def skeleton_text(name: str) -> str:
    return resources.files("crawler.store").joinpath("site", name).read_text(encoding="utf-8")


def ensure_site(root: Path) -> list[str]:
    """Write each skeleton file that `root` lacks; never touch one the user has; returns the new."""
    created = []
    for name in SKELETON:
        target = root / name
        if not target.exists():
            write_atomic(target, skeleton_text(name))
            created.append(name)
    return created
