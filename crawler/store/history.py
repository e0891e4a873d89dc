"""Edit history of an article: its versions (the catalog's ``revisions`` plus the current post)
and readable diffs between consecutive ones, for the terminal and for the site.

Text is compared by tokens chosen by script: one token per character in CJK text (Chinese has
no spaces between words), one per word in Latin (and other spaced) text, one per run of spaces
and per punctuation mark. Paragraphs are matched first, then the tokens of changed paragraphs,
so a moved or rewritten paragraph does not smear the diff across the whole article.

The site's history pages are ``history/<source>/<id>.html`` under the archive: the page of a
Jekyll ``default`` layout whose content is our HTML, every value escaped; the only markup in a
diff is the ``<ins>``/``<del>`` this module writes. No Scrapy here.
"""

from __future__ import annotations

import difflib
import html
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import sqlite_utils
import yaml

from crawler.store.atomic import write_atomic
from crawler.store.post import parse_post

logger = logging.getLogger(__name__)

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
PARAGRAPH = "\n\n"
#: the folder of the history pages, in the archive and in the site's URLs
HISTORY_DIR = "history"
_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
)
_TOKEN = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])\w)+|\s+|.", re.DOTALL)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

Segment = tuple[str, str]  # (EQUAL | INSERT | DELETE, text)


@dataclass(frozen=True)
class Version:
    """One version of an article: number 1 is the oldest, the last is the current post."""

    number: int
    fetched: str
    title: str
    body: str


def tokens(text: str) -> list[str]:
    """`text` cut by script: CJK characters one by one, Latin words whole, spaces, punctuation."""
    return _TOKEN.findall(text)


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for op, text in segments:
        if not text:
            continue
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def diff_tokens(old: str, new: str) -> list[Segment]:
    """The changes from `old` to `new`, token by token (deletions before insertions)."""
    a, b = tokens(old), tokens(new)
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append((EQUAL, "".join(a[i1:i2])))
        else:
            segments.append((DELETE, "".join(a[i1:i2])))
            segments.append((INSERT, "".join(b[j1:j2])))
    return _merge(segments)


def _paragraphs(text: str) -> list[str]:
    """`text`'s paragraphs, each but the last with the break after it (so they join back)."""
    parts = text.split(PARAGRAPH)
    return [p + PARAGRAPH for p in parts[:-1]] + parts[-1:]


def diff_text(old: str, new: str) -> list[Segment]:
    """The changes from body `old` to body `new`: paragraphs matched, then changed ones by token.
    Paragraph breaks are in the segments' text (``\\n\\n``)."""
    a, b = _paragraphs(old), _paragraphs(new)
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append((EQUAL, "".join(a[i1:i2])))
        elif op == "delete":
            segments.append((DELETE, "".join(a[i1:i2])))
        elif op == "insert":
            segments.append((INSERT, "".join(b[j1:j2])))
        else:
            segments += diff_tokens("".join(a[i1:i2]), "".join(b[j1:j2]))
    return _merge(segments)


# -- versions ---------------------------------------------------------------------------------


def _time(value: object) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value or "")


def versions(db: sqlite_utils.Database, root: Path, source: str, article_id: str) -> list[Version]:
    """Every version of one article, oldest first: its revisions (those whose post file was
    kept and parses), then the current post. Empty when the article is not in the catalog."""
    found: list[tuple[str, str, str]] = []
    rows = db.execute(
        "select fetched, title, post from revisions where source = ? and id = ?"
        " and replaced is not null order by revision",
        [source, article_id],
    ).fetchall()
    for fetched, title, post in rows:
        try:
            meta, body = parse_post(post or "")
        except ValueError:
            logger.info("revision of %s/%s fetched %s: post not kept", source, article_id, fetched)
            continue
        found.append((fetched or _time(meta.get("fetched")), title or meta.get("title", ""), body))
    current = db.execute(
        "select path from articles where source = ? and id = ?", [source, article_id]
    ).fetchone()
    if current is None:
        return []
    try:
        meta, body = parse_post((root / current[0]).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        logger.info("%s/%s: current post %s unreadable", source, article_id, current[0])
    else:
        found.append((_time(meta.get("fetched")), str(meta.get("title", "")), body))
    return [Version(n, f, t, b) for n, (f, t, b) in enumerate(found, start=1)]


# -- terminal ---------------------------------------------------------------------------------


def render_terminal(segments: list[Segment], color: bool) -> str:
    """Coloured (deleted red and struck, inserted green and underlined) or, without colour,
    marked the way ``wdiff`` does: ``[-deleted-]{+inserted+}``."""
    out = []
    for op, raw in segments:
        text = _CONTROL.sub(
            "\ufffd", raw
        )  # no escape sequence of an article's reaches the terminal
        if op == EQUAL:
            out.append(text)
        elif color:
            code = "\x1b[31;9m" if op == DELETE else "\x1b[32;4m"
            out.append(f"{code}{text}\x1b[0m")
        else:
            out.append(f"[-{text}-]" if op == DELETE else f"{{+{text}+}}")
    return "".join(out)


def terminal_history(found: list[Version], color: bool, rev: int | None = None) -> str:
    """The versions list, then the diff between each pair of consecutive versions (or only
    the one that made version `rev`)."""
    lines = [f"{v.number:>3}  {v.fetched}  {v.title}" for v in found]
    pairs = zip(found, found[1:], strict=False)
    for old, new in pairs:
        if rev is not None and new.number != rev:
            continue
        lines += ["", f"=== version {old.number} -> {new.number} ({new.fetched})"]
        if old.title != new.title:
            lines.append("title: " + render_terminal(diff_tokens(old.title, new.title), color))
        lines.append(render_terminal(diff_text(old.body, new.body), color))
    return "\n".join(lines)


# -- site -------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """HTML-escaped, and no ``{`` left for Liquid to read even if the page is rendered."""
    return html.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _marked(op: str, text: str) -> str:
    escaped = _escape(text)
    if op == INSERT:
        return f"<ins>{escaped}</ins>"
    if op == DELETE:
        return f"<del>{escaped}</del>"
    return escaped


def render_inline(segments: list[Segment]) -> str:
    """One line of escaped text with its changes in ``<ins>``/``<del>``."""
    return "".join(_marked(op, text) for op, text in segments)


def render_html(segments: list[Segment]) -> str:
    """Paragraphs of escaped text; changes in ``<ins>``/``<del>`` (made here, nowhere else)."""
    paragraphs: list[list[str]] = [[]]
    for op, text in segments:
        for n, piece in enumerate(text.split(PARAGRAPH)):
            if n:
                paragraphs.append([])
            if piece:
                paragraphs[-1].append(_marked(op, piece))
    return "\n".join(f"<p>{''.join(p)}</p>" for p in paragraphs if p)


def _link(url: str) -> str:
    """A link to `url` when it is http(s), else the URL as text."""
    if re.match(r"https?://[^\s\"'<>]+$", url):
        return f'<a href="{_escape(url)}">{_escape(url)}</a>'
    return _escape(url)


def history_page_path(source: str, article_id: str) -> PurePosixPath:
    return PurePosixPath(HISTORY_DIR, source, f"{article_id}.html")


def history_page(found: list[Version], source: str, article_id: str, url: str) -> str:
    """The site's page of an article's versions and the diffs between consecutive ones."""
    current = found[-1]
    meta = {
        "layout": "default",
        "title": f"{current.title}（历史版本）",
        "render_with_liquid": False,
        "sitemap": False,
        # this very path: the site's `permalink` style would make it a folder
        "permalink": "/" + history_page_path(source, article_id).as_posix(),
    }
    parts = [
        "---",
        yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).rstrip("\n"),
        "---",
        '<article class="history">',
        f"<h1>{_escape(current.title)}</h1>",
        f'<p class="meta">历史版本 · 原文：{_link(url)}</p>',
        "<ol>",
    ]
    parts += [
        f'<li><a href="#v{v.number}">{_escape(v.fetched)}</a> {_escape(v.title)}</li>'
        for v in found
    ]
    parts.append("</ol>")
    for old, new in zip(found, found[1:], strict=False):
        parts.append(
            f'<section id="v{new.number}"><h2>版本 {old.number} → {new.number}'
            f"（{_escape(new.fetched)}）</h2>"
        )
        if old.title != new.title:
            title = render_inline(diff_tokens(old.title, new.title))
            parts.append(f'<p class="title">标题：{title}</p>')
        parts += [render_html(diff_text(old.body, new.body)), "</section>"]
    parts += ["</article>", ""]
    return "\n".join(parts)


def write_history_page(root: Path, db: sqlite_utils.Database, source: str, article_id: str) -> bool:
    """(Re)write ``history/<source>/<id>.html`` when the article has more than one version;
    True when written. A failure is logged, never raised: the page is derived data."""
    try:
        found = versions(db, root, source, article_id)
        if len(found) < 2:
            return False
        row = db.execute(
            "select url from articles where source = ? and id = ?", [source, article_id]
        ).fetchone()
        page = history_page(found, source, article_id, row[0] if row else "")
        write_atomic(root / history_page_path(source, article_id), page, root=root)
        return True
    except Exception as exc:  # noqa: BLE001 - derived data: one line, the traceback at DEBUG
        logger.warning("history page of %s/%s not written: %s", source, article_id, exc)
        logger.debug("traceback of the history page of %s/%s", source, article_id, exc_info=exc)
        return False


def write_history_pages(root: Path, db: sqlite_utils.Database) -> int:
    """The history page of every article that has revisions; returns how many were written."""
    keys = db.execute("select distinct source, id from revisions order by source, id").fetchall()
    return sum(write_history_page(root, db, source, article_id) for source, article_id in keys)
