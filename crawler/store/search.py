"""Full-text search over the catalog: Chinese without word segmentation, either script.

The ``texts`` table holds, per article, its title and body converted to Simplified script by
OpenCC (``t2s``); the post files and the ``articles`` table keep the original text. ``texts_fts``
is an FTS5 index over ``texts`` with the ``trigram`` tokenizer (every 3-character substring is a
token, so no word segmentation is needed), kept in step by triggers, so ``sqlite-utils search
catalog.db texts 台湾选举`` and Datasette can use it as it is.

A query is split on whitespace into terms, each converted the same way, all of which must occur.
Terms of 3 characters or more are matched through the index (and ranked by bm25, title matches
weighing more); trigram cannot match shorter terms, so a 1-2 character term (台湾, 美国) is a
substring test (``instr``) on the normalised text of the rows the other terms and the filters
leave, or, when the query has no longer term, a scan of the filtered rows ranked by how often
the term occurs. A scan reads each text once: about 0.3 s for 20,000 articles of 2,000
characters here, so it stays usable to a few hundred thousand articles; past that, a bigram
table beside the trigram index would be the next step.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import string
from dataclasses import dataclass, field

import opencc
import sqlite_utils

#: the table that holds the normalised text; its FTS index is ``<TEXTS>_fts``
TEXTS = "texts"
#: FTS5 trigram tokens are 3 characters: shorter terms cannot go through the index
MIN_INDEXED_CHARS = 3
#: bm25 weights of the indexed columns (title, body)
WEIGHTS = (5.0, 1.0)
SNIPPET_CHARS = 60
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """`text` in Simplified script (Traditional and Simplified input alike).

    OpenCC's t2s conversion keeps the length of the text, so offsets in the normalised text are
    offsets in the original (used for snippets); when it does not, snippets use the normalised.
    """
    return _converter().convert(text) if text else ""


def _fold(text: str) -> str:
    """Lowercase ASCII only, as SQLite's ``lower()`` does (and keeping the length)."""
    return text.translate(_ASCII_LOWER)


def create_texts(db: sqlite_utils.Database) -> None:
    """The ``texts`` table and its trigram FTS5 index kept in step by triggers (as sqlite-utils'
    ``enable_fts(..., create_triggers=True)`` makes them, written out because its
    ``executescript`` would commit the migration's transaction halfway)."""
    db[TEXTS].create(
        {"source": str, "id": str, "url": str, "title": str, "body": str},
        pk=("source", "id"),
        not_null={"url", "title", "body"},
    )
    fts = f"[{TEXTS}_fts]"
    db.execute(
        f"create virtual table {fts} using fts5 ([title], [body], tokenize='trigram', "
        f"content=[{TEXTS}])"
    )
    columns = "rowid, [title], [body]"
    old, new = "old.rowid, old.[title], old.[body]", "new.rowid, new.[title], new.[body]"
    delete = f"insert into {fts} ({fts}, {columns}) values ('delete', {old});"
    insert = f"insert into {fts} ({columns}) values ({new});"
    for suffix, when, actions in (
        ("ai", "after insert", insert),
        ("ad", "after delete", delete),
        ("au", "after update", delete + " " + insert),
    ):
        db.execute(f"create trigger [{TEXTS}_{suffix}] {when} on [{TEXTS}] begin {actions} end")


def index_text(
    db: sqlite_utils.Database, source: str, article_id: str, url: str, title: str, body: str
) -> None:
    """Replace the searchable text of one article (call inside the transaction of its row)."""
    db.execute(f"delete from {TEXTS} where source = ? and id = ?", [source, article_id])
    db.execute(
        f"insert into {TEXTS} (source, id, url, title, body) values (?, ?, ?, ?, ?)",
        [source, article_id, url, normalise(title), normalise(body)],
    )


# -- queries -------------------------------------------------------------------------------------
@dataclass
class Query:
    """A user query split into what the index can match and what needs a substring test."""

    text: str
    indexed: list[str] = field(default_factory=list)
    short: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Query:
        terms = list(dict.fromkeys(t.strip('"') for t in _fold(normalise(text)).split()))
        terms = [t for t in terms if t]
        return cls(
            text=text,
            indexed=[t for t in terms if len(t) >= MIN_INDEXED_CHARS],
            short=[t for t in terms if len(t) < MIN_INDEXED_CHARS],
        )

    @property
    def terms(self) -> list[str]:
        return self.indexed + self.short

    def match(self) -> str:
        """The FTS5 MATCH expression: every indexed term as a quoted phrase (all required)."""
        return " ".join('"' + t.replace('"', '""') + '"' for t in self.indexed)


def query_sql(query: Query, where: list[str], params: list, ranked: bool) -> tuple[str, list]:
    """SQL selecting ``a.*`` (articles), ``t.title``/``t.body`` as ``ntitle``/``nbody`` and a
    ``score`` (lower is better) for the rows matching `query` and the `where` filters on ``a``."""
    where, params = list(where), list(params)
    for term in query.short:
        where.append("(instr(lower(t.title), ?) > 0 or instr(lower(t.body), ?) > 0)")
        params += [term, term]
    if query.indexed:
        w_title, w_body = WEIGHTS
        select = f"bm25({TEXTS}_fts, {w_title}, {w_body}) as score"
        source = (
            f"{TEXTS}_fts join {TEXTS} t on t.rowid = {TEXTS}_fts.rowid "
            "join articles a on a.source = t.source and a.id = t.id"
        )
        where.insert(0, f"{TEXTS}_fts match ?")
        params.insert(0, query.match())
    else:  # occurrences of the short terms, the title's counting more (negated: lower is better)
        counts, counted = [], []
        for term in query.short:
            counts.append(
                f"-({WEIGHTS[0]} * (length(t.title) - length(replace(lower(t.title), ?, '')))"
                f" + (length(t.body) - length(replace(lower(t.body), ?, '')))) / {len(term)}"
            )
            counted += [term, term]
        params = counted + params  # the select's parameters come before the where's
        select = f"({' + '.join(counts) or '0'}) as score"
        source = f"{TEXTS} t join articles a on a.source = t.source and a.id = t.id"
    order = "score, a.published desc" if ranked else "a.published, a.source, a.id"
    sql = f"select a.*, t.title as ntitle, t.body as nbody, {select} from {source}"
    if where:
        sql += " where " + " and ".join(where)
    return sql + f" order by {order}", params


def has_index(db: sqlite_utils.Database) -> bool:
    return db[f"{TEXTS}_fts"].exists()


def run_query(
    db: sqlite_utils.Database,
    query: Query,
    where: list[str],
    params: list,
    ranked: bool,
    limit: int | None = None,
) -> sqlite3.Cursor:
    """The rows of `query_sql`, at most `limit` of them."""
    if not has_index(db):
        raise LookupError("this catalog has no search index yet: run `newsarchive reindex`")
    sql, params = query_sql(query, where, params, ranked)
    if limit is not None:
        sql, params = sql + " limit ?", [*params, limit]
    return db.execute(sql, params)


# -- snippets ------------------------------------------------------------------------------------
def snippet(body: str, terms: list[str], normalised: str | None = None) -> str:
    """About SNIPPET_CHARS characters of `body` around the first occurrence of any term."""
    flat = re.sub(r"\s+", " ", body).strip()
    norm = _fold(normalise(flat))
    if len(norm) != len(flat):  # the conversion changed the length: show the normalised text
        flat = re.sub(r"\s+", " ", normalised or norm).strip()
        norm = _fold(flat)
    found = [p for p in (norm.find(t) for t in terms if t) if p >= 0]
    if not found:
        return flat[:SNIPPET_CHARS] + ("…" if len(flat) > SNIPPET_CHARS else "")
    start = max(min(found) - SNIPPET_CHARS // 3, 0)
    end = start + SNIPPET_CHARS
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
