"""The Jekyll site of an archive folder: its skeleton (config, layouts, home and search pages),
one page per source (``sources/<source>.html``) and one per source and month
(``sources/<source>/<YYYY-MM>.html``), each created when missing and never overwritten, and the
URL of each source's posts (an entry of ``defaults`` in ``_config.yml``, from its
``source_permalink``). Jekyll runs without plugins here, so the pages select posts with Liquid
``where`` filters on ``site.posts`` and the month pages are files.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath

import yaml

from crawler.store.atomic import write_atomic

logger = logging.getLogger(__name__)

SKELETON = (
    "_config.yml",
    "_layouts/default.html",
    "_layouts/post.html",
    "_layouts/source.html",
    "_layouts/source_month.html",
    "index.html",
    "search.html",
)
#: the folder of the source pages, in the archive and in the site's URLs
SOURCES_DIR = "sources"
#: a source key that may stand in a path and a URL as it is
SOURCE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
#: a post file: ``_posts/<source>/<YYYY>/<YYYY-MM-DD>-<id>.md``
_POST_NAME = re.compile(r"(\d{4}-\d{2})-\d{2}-.+\.(?:md|markdown|html)")


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


def _page(meta: dict) -> str:
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"


def source_page_path(source: str) -> PurePosixPath:
    return PurePosixPath(SOURCES_DIR, f"{source}.html")


def source_page(source: str, display_name: str) -> str:
    """The page of one source: front matter only; the ``source`` layout links its months."""
    return _page(
        {
            "layout": "source",
            "title": display_name or source,
            "source": source,
            "permalink": f"/{SOURCES_DIR}/{source}/",
        }
    )


def ensure_source_page(root: Path, source: str, display_name: str) -> bool:
    """Write the page of `source` unless the archive has it, and the URL of its posts; True when
    the page was written."""
    target = root / source_page_path(source)
    if target.exists():
        return False
    write_atomic(target, source_page(source, display_name), root=root)
    ensure_source_url(root, source)
    return True


def month_page_path(source: str, month: str) -> PurePosixPath:
    return PurePosixPath(SOURCES_DIR, source, f"{month}.html")


def month_page(source: str, display_name: str, month: str) -> str:
    """The page of one source's month (``YYYY-MM``): the ``source_month`` layout lists its posts."""
    return _page(
        {
            "layout": "source_month",
            "title": f"{display_name or source} · {month}",
            "source": source,
            "month": month,
            "permalink": f"/{SOURCES_DIR}/{source}/{month}/",
        }
    )


# -- post URLs ------------------------------------------------------------------------------------
def source_url_entry(pattern: str, source: str) -> dict:
    """The ``defaults`` entry giving the posts of `source` the URL `pattern` (``:source``
    filled in)."""
    return {
        "scope": {"path": f"_posts/{source}", "type": "posts"},
        "values": {"permalink": pattern.replace(":source", source)},
    }


def _scope_path(default: object) -> str | None:
    scope = default.get("scope") if isinstance(default, dict) else None
    return str(scope.get("path") or "").strip("/") if isinstance(scope, dict) else None


def ensure_source_url(root: Path, source: str) -> bool:
    """Add the URL entry of `source` to ``_config.yml`` unless it has one; True when added.

    The entry is appended as text (the user's comments and order stay), so ``defaults`` must be
    the file's last key; when it is not, or the config has no ``source_permalink``, nothing is
    written and the reason is logged.
    """
    config_path = root / "_config.yml"
    if not SOURCE_KEY.fullmatch(source):
        logger.warning("source %r: not a URL-safe key, its posts keep the default URL", source)
        return False
    try:
        text = config_path.read_text(encoding="utf-8")
        config = yaml.safe_load(text) or {}
    except (OSError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())  # YAML's messages span lines
        logger.warning("%s: cannot read it (%s); post URLs unchanged", config_path, reason)
        return False
    pattern = config.get("source_permalink") if isinstance(config, dict) else None
    defaults = config.get("defaults") if isinstance(config, dict) else None
    if not isinstance(pattern, str) or not isinstance(defaults, list):
        logger.debug("%s: no source_permalink or defaults; post URLs unchanged", config_path)
        return False
    entry = source_url_entry(pattern, source)
    if any(_scope_path(d) == entry["scope"]["path"] for d in defaults):  # ours or the user's
        return False
    line = "- " + yaml.safe_dump(entry, default_flow_style=True, width=1000, sort_keys=False)
    added = text + ("" if text.endswith("\n") else "\n") + "  " + line
    try:
        after = yaml.safe_load(added)
    except yaml.YAMLError:
        after = None
    if not isinstance(after, dict) or after.get("defaults") != [*defaults, entry]:
        logger.warning(
            "%s: `defaults` is not the last key, so the URL of %s's posts was not added; add %s",
            config_path,
            source,
            line.strip(),
        )
        return False
    write_atomic(config_path, added, root=root)
    return True


# -- what `newsarchive site build` writes before Jekyll runs -------------------------------------
@dataclass
class Prepared:
    """What :func:`prepare_site` wrote: skeleton files, source URLs, source and month pages;
    and what the user should know (one line each)."""

    skeleton: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def archived_months(root: Path) -> dict[str, set[str]]:
    """Source -> the months (``YYYY-MM``) it has posts in, from the post files' names."""
    months: dict[str, set[str]] = {}
    posts = root / "_posts"
    for path in posts.glob("*/*/*") if posts.is_dir() else ():
        m = _POST_NAME.fullmatch(path.name)
        if m and path.is_file():
            months.setdefault(path.parent.parent.name, set()).add(m.group(1))
    return months


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _front_matter_value(path: Path, key: str) -> str | None:
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])
        return str(meta[key]) if meta.get(key) else None
    except (OSError, IndexError, KeyError, AttributeError, yaml.YAMLError):
        return None


def display_name(root: Path, source: str) -> str:
    """The outlet's name: the title of the source's page, else the author of one of its posts,
    else the source key."""
    page = _front_matter_value(root / source_page_path(source), "title")
    if page:
        return page
    post = next((root / "_posts" / source).glob("*/*.md"), None)
    return (_front_matter_value(post, "author") if post else None) or source


def prepare_site(root: Path) -> Prepared:
    """Write what the archive's site lacks: skeleton files, the URL entry and page of each
    source, the page of each month a source has posts in. Never overwrites a file."""
    done = Prepared(skeleton=ensure_site(root))
    if "\nsource_permalink:" not in "\n" + _read(root / "_config.yml"):
        done.notes.append(
            f"{root / '_config.yml'} has no source_permalink: post URLs follow its own permalink"
            " (docs/site.md)"
        )
    for source, months in sorted(archived_months(root).items()):
        if not SOURCE_KEY.fullmatch(source):
            logger.warning("_posts/%s: not a URL-safe source key, left without pages", source)
            continue
        name = display_name(root, source)
        if ensure_source_page(root, source, name):  # and its URL entry
            done.pages.append(source_page_path(source).as_posix())
        elif ensure_source_url(root, source):
            done.urls.append(source)
        for month in sorted(months):
            target = root / month_page_path(source, month)
            if not target.exists():
                write_atomic(target, month_page(source, name, month), root=root)
                done.pages.append(month_page_path(source, month).as_posix())
    return done
