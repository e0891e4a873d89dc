"""``newsarchive site build``: the archive's Jekyll site with full-text search in the browser.

1. :func:`~crawler.store.site.prepare_site` writes what the archive lacks (skeleton files, the
   URL entry of each source, source and month pages);
2. ``jekyll build`` renders the archive into the destination;
3. each post page gets a Simplified copy of its text in its hidden ``data-simplified-copy``
   element (OpenCC ``t2s``, HTML-escaped), so that Simplified words find Traditional articles;
4. Pagefind (the extended build from the ``pagefind[extended]`` package: it segments Chinese;
   it runs offline) indexes the post pages (``data-pagefind-body``) as one language, ``zh``;
5. ``pagefind/to-simplified.js`` maps each Traditional character to its Simplified one, and the
   search page runs every query through it: a query in either script finds both;
6. ``favicon.ico``, unless the archive has its own.
"""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html

from crawler.store.atomic import write_atomic
from crawler.store.search import normalise  # the catalog's conversion: both scripts agree
from crawler.store.site import Prepared, prepare_site

logger = logging.getLogger(__name__)

#: the empty element of a post page that gets the Simplified copy (crawler/store/site/_layouts)
COPY_MARKER = "<div hidden data-simplified-copy></div>"
#: where the search page loads the Traditional -> Simplified map from (crawler/store/site)
TO_SIMPLIFIED_JS = "pagefind/to-simplified.js"
#: the language Pagefind indexes every page as: one index, whatever each page's ``lang``
INDEX_LANGUAGE = "zh"
#: the CJK blocks whose characters the map covers
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))
_WARNING = re.compile(r"warn|error|deprecat", re.I)
#: the colour of the site's icon (the links' blue of the default layout), as BGRA
_ICON_BGRA = bytes((0x94, 0x53, 0x0B, 0xFF))


class SiteBuildError(RuntimeError):
    """A step of the build failed; the message says which and why, in one line."""


@dataclass
class SiteBuild:
    """What a build did."""

    prepared: Prepared
    dest: Path
    posts: int = 0
    simplified_copies: int = 0
    indexed_pages: int | None = None
    warnings: list[str] = field(default_factory=list)


def jekyll_executable() -> str:
    found = shutil.which("jekyll")
    if not found:
        raise SiteBuildError("jekyll is not installed (apt-get install jekyll)")
    return found


def pagefind_executable() -> str:
    """The Pagefind binary the ``pagefind[extended]`` package ships (no download at run time)."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        raise SiteBuildError(
            "the pagefind[extended] package is not installed (pip install -e .)"
        ) from None
    try:
        return str(get_executable())
    except FileNotFoundError as exc:
        raise SiteBuildError(f"the Pagefind binary is missing: {exc}") from None


def _run(args: list[str], what: str, timeout: float) -> str:
    logger.debug("running %s", args)
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SiteBuildError(f"{what} did not finish in {timeout:.0f} s") from None
    except OSError as exc:
        raise SiteBuildError(f"{what} could not run: {exc}") from None
    output = result.stdout + result.stderr
    if result.returncode != 0:
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        reason = " | ".join(lines[-3:]) or "no output"
        logger.debug("%s output:\n%s", what, output)
        raise SiteBuildError(f"{what} failed (exit {result.returncode}): {reason}")
    return output


def traditional_to_simplified_map() -> dict[str, str]:
    """Each CJK character OpenCC's ``t2s`` changes -> what it becomes (one by one, no phrases)."""
    chars = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi + 1)]
    converted = normalise("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # never seen: a character turned into a line break
        converted = [normalise(c) for c in chars]
    return {c: s for c, s in zip(chars, converted, strict=True) if s != c}


def to_simplified_script() -> str:
    """The script behind :data:`TO_SIMPLIFIED_JS`: ``window.newsarchiveToSimplified(term)``."""
    table = json.dumps(traditional_to_simplified_map(), ensure_ascii=False, sort_keys=True)
    return (
        "// Traditional -> Simplified, character by character (OpenCC t2s); by newsarchive\n"
        "window.newsarchiveToSimplified = (function () {\n"
        f"  var table = {table};\n"
        "  return function (term) {\n"
        "    return Array.from(term, function (c) { return table[c] || c; }).join('');\n"
        "  };\n"
        "})();\n"
    )


def simplified_copy(page: str) -> str | None:
    """The post page `page` with the Simplified copy of its text in its marker element; None
    when it is no post page or its text is Simplified already."""
    if COPY_MARKER not in page:
        return None
    doc = lxml.html.fromstring(page)
    article = next(doc.iter("article"), None)
    if article is None:
        return None
    text = "\n".join(el.text_content() for el in article if el.get("hidden") is None)
    simplified = normalise(text)
    if simplified == text:
        return None
    filled = f"<div hidden data-simplified-copy>{html.escape(simplified, quote=False)}</div>"
    return page.replace(COPY_MARKER, filled, 1)


def add_simplified_copies(dest: Path) -> tuple[int, int]:
    """Fill the Simplified copy of each post page under `dest`; returns (post pages, filled)."""
    posts = filled = 0
    for path in sorted(dest.rglob("*.html")):
        if path.is_relative_to(dest / "pagefind"):
            continue
        page = path.read_text(encoding="utf-8")
        if COPY_MARKER not in page:
            continue
        posts += 1
        copied = simplified_copy(page)
        if copied is not None:
            path.write_text(copied, encoding="utf-8")
            filled += 1
    return posts, filled


def favicon() -> bytes:
    """A 16 x 16 icon of one colour: browsers ask for ``/favicon.ico`` on every site, and a
    missing one is an error in their console."""
    size = 16
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    image = header + _ICON_BGRA * size * size + bytes(4 * size)  # pixels, then the AND mask
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 6 + 16)
    return struct.pack("<HHH", 0, 1, 1) + entry + image


def _publish(path: Path, data: str | bytes) -> None:
    """Write a file of the site, readable by a web server running as another user."""
    write_atomic(path, data)
    path.chmod(0o644)


def build_site(archive: Path, dest: Path, timeout: float = 3600) -> SiteBuild:
    """Build the searchable site of `archive` into `dest` (see the module's docstring)."""
    if not (archive / "_posts").is_dir() and not (archive / "_config.yml").is_file():
        raise SiteBuildError(f"{archive} is no archive folder (no _posts, no _config.yml)")
    jekyll = jekyll_executable()
    pagefind = pagefind_executable()
    build = SiteBuild(prepared=prepare_site(archive), dest=dest)
    output = _run(
        [jekyll, "build", "--source", str(archive), "--destination", str(dest)],
        "jekyll build",
        timeout,
    )
    build.warnings = [line.strip() for line in output.splitlines() if _WARNING.search(line)]
    build.posts, build.simplified_copies = add_simplified_copies(dest)
    output = _run(
        [pagefind, "--site", str(dest), "--force-language", INDEX_LANGUAGE],
        "pagefind",
        timeout,
    )
    build.warnings += [line.strip() for line in output.splitlines() if _WARNING.search(line)]
    m = re.search(r"Indexed (\d+) pages?", output)
    build.indexed_pages = int(m.group(1)) if m else None
    _publish(dest / TO_SIMPLIFIED_JS, to_simplified_script())
    if not (dest / "favicon.ico").exists():  # the archive's own favicon.ico stays
        _publish(dest / "favicon.ico", favicon())
    return build
