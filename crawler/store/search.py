"""Full-text search over the catalog: Chinese as overlapping character n-grams, either script.

The ``texts`` table holds, per article, its title and body converted to Simplified script by
OpenCC (``t2s``); the post files and the ``articles`` table keep the original text.
``texts_fts`` is an FTS5 index over them with ``content=texts`` (the text is stored once), fed
by `index_text` with *index tokens* rather than the text itself, in the way of Lucene's CJK
analyzer (bigrams), plus trigrams:

- every run of CJK characters (Han, kana, Hangul) becomes its overlapping bigrams, its
  overlapping trigrams and its last character (``台湾选举。`` -> ``台湾 湾选 选举 台湾选 湾选举
  举``): a 2-character word is one token, a 3-character word one token, a longer one all of its
  trigrams, and any character starts or is a token;
- anything else is left to FTS5's ``unicode61`` tokenizer: Latin words and numbers are ordinary
  tokens, folded to lower case without diacritics.

The index is ``detail=none`` (which rows hold a token, no positions: a positional index of the
same tokens is about three times the size) with a 1-character prefix index, so a single
character is the prefix query ``"中"*`` read from one list. A query is split on whitespace
(``"..."`` keeps a phrase together); each term is normalised the same way and all terms must
occur. A term of 4+ CJK characters is the AND of its trigrams, then confirmed on the stored
text (``instr``), as is a quoted phrase of several words.

Ranking: the most recently indexed `RANK_WINDOW` matching articles (all of them when fewer
match) are ranked by BM25 computed on their stored text: a term's frequency counts title
occurrences `TITLE_WEIGHT` times, documents are length-normalised, rarer terms weigh more;
articles whose title holds more of the terms come first. Snippets are cut from the original
text around the first hit (t2s keeps the length, so offsets carry over).

Nothing is written through triggers: `index_text` and `clear_index` keep ``texts`` and
``texts_fts`` in step (a program that edits ``texts`` itself must do the same).
"""

from __future__ import annotations

import functools
import math
import operator
import re
import sqlite3
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import opencc
import sqlite_utils

#: the table that holds the normalised text; its FTS index is ``<TEXTS>_fts``
TEXTS = "texts"
FTS = f"{TEXTS}_fts"
#: ranked search looks at this many of the most recently indexed matches
RANK_WINDOW = 500
#: a title occurrence counts this many body occurrences
TITLE_WEIGHT = 5.0
#: BM25 parameters
K1, B = 1.2, 0.75
#: document frequencies are counted up to this many rows (past it a term is simply common)
DF_CAP = 2_000
SNIPPET_CHARS = 60
#: searches read the catalog through a memory map of up to this many bytes
MMAP_BYTES = 1 << 30
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
#: CJK letters: kana, Han (BMP, compatibility, supplementary planes), Hangul syllables
_CJK = (
    "\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7a3\uf900-\ufaff\U00020000-\U0003134f"
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
_IS_CJK = re.compile(f"[{_CJK}]")


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


# -- index tokens --------------------------------------------------------------------------------
def _run_tokens(match: re.Match) -> str:
    run = match.group()
    if len(run) == 1:
        return f" {run} "
    bigrams = " ".join(map(operator.add, run[:-1], run[1:]))
    if len(run) == 2:
        return f" {bigrams} {run[-1]} "
    trigrams = " ".join(map(operator.add, run[:-2], map(operator.add, run[1:-1], run[2:])))
    return f" {bigrams} {trigrams} {run[-1]} "


def index_tokens(text: str) -> str:
    """What the index is fed for (normalised) `text`: CJK runs as bigrams, trigrams and last
    character, the rest as it is (``unicode61`` splits it into words).

    Removing a row from the index feeds FTS5 the same tokens again, made from the stored text:
    a change to this function needs a migration that rebuilds the index."""
    return _CJK_RUN.sub(_run_tokens, text) if text else ""


def create_index(db: sqlite_utils.Database) -> None:
    """The FTS5 table over ``texts`` (which must exist), empty."""
    db.execute(
        f"create virtual table [{FTS}] using fts5 ([title], [body], content=[{TEXTS}], "
        "tokenize='unicode61', detail=none, prefix='1')"
    )


def index_rows(db: sqlite_utils.Database, rows: Iterable[tuple[int, str, str]]) -> None:
    """Add (rowid, normalised title, normalised body) of ``texts`` rows to the index."""
    db.conn.executemany(
        f"insert into [{FTS}] (rowid, title, body) values (?, ?, ?)",
        ((rowid, index_tokens(title), index_tokens(body)) for rowid, title, body in rows),
    )


def clear_index(db: sqlite_utils.Database) -> None:
    """Empty the index (``texts`` stays): before re-adding every row, as reindex does."""
    db.execute(f"insert into [{FTS}] ([{FTS}]) values ('delete-all')")


def optimize_index(db: sqlite_utils.Database) -> None:
    """Merge the index into one segment (after a bulk rebuild; queries read fewer pages)."""
    db.execute(f"insert into [{FTS}] ([{FTS}]) values ('optimize')")


def index_text(
    db: sqlite_utils.Database,
    source: str,
    article_id: str,
    url: str,
    title: str,
    body: str,
    indexed: bool = True,
) -> None:
    """Replace the searchable text of one article (call inside the transaction of its row).
    `indexed` False: the index holds nothing of this article (after `clear_index`)."""
    old = db.execute(
        f"select rowid, title, body from [{TEXTS}] where source = ? and id = ?",
        [source, article_id],
    ).fetchone()
    if old is not None:
        if indexed:
            db.execute(
                f"insert into [{FTS}] ([{FTS}], rowid, title, body) values ('delete', ?, ?, ?)",
                [old[0], index_tokens(old[1]), index_tokens(old[2])],
            )
        db.execute(f"delete from [{TEXTS}] where rowid = ?", [old[0]])
    title, body = normalise(title), normalise(body)
    cursor = db.execute(
        f"insert into [{TEXTS}] (source, id, url, title, body) values (?, ?, ?, ?, ?)",
        [source, article_id, url, title, body],
    )
    index_rows(db, [(cursor.lastrowid, title, body)])


# -- queries -------------------------------------------------------------------------------------
def _is_token_char(char: str) -> bool:
    """What ``unicode61`` keeps in a token: letters, numbers, private use."""
    return unicodedata.category(char)[0] in "LN" or unicodedata.category(char) == "Co"


@dataclass
class Term:
    """One word or quoted phrase of a query, normalised (Simplified, ASCII lower case)."""

    text: str
    tokens: list[str] = field(default_factory=list)  # all must be in the index
    prefixes: list[str] = field(default_factory=list)  # single characters: any token they start
    confirm: list[str] = field(default_factory=list)  # substrings the stored text must contain
    pieces: list[str] = field(default_factory=list)  # what to count and show: runs and words

    @classmethod
    def parse(cls, text: str, phrase: bool = False) -> Term:
        if phrase:  # Chinese has no spaces: a space between two CJK characters is dropped
            text = re.sub(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])", "", " ".join(text.split()))
        term = cls(text)
        pieces = re.findall(f"[{_CJK}]+|[^{_CJK}]+", text)
        for piece in pieces:
            if _IS_CJK.match(piece):
                term.pieces.append(piece)
                if len(piece) == 1:
                    term.prefixes.append(piece)
                elif len(piece) == 2:
                    term.tokens.append(piece)
                else:  # its trigrams; 4+ characters: confirmed (the trigrams may be apart)
                    term.tokens += [piece[i : i + 3] for i in range(len(piece) - 2)]
                if len(piece) >= 4:
                    term.confirm.append(piece)
            else:
                word = ""
                for char in piece + " ":
                    if _is_token_char(char):
                        word += char
                    elif word:
                        term.tokens.append(word)
                        term.pieces.append(word)
                        word = ""
        if phrase and len(term.pieces) > 1:
            term.confirm = term.pieces = [text]
        return term

    @property
    def empty(self) -> bool:
        return not (self.tokens or self.prefixes)

    def match(self) -> str:
        """This term alone as an FTS5 query: each token quoted (so nothing in it is syntax)."""
        parts = [f'"{t}"' for t in dict.fromkeys(self.tokens)]
        parts += [f'"{p}"*' for p in dict.fromkeys(self.prefixes)]
        return " AND ".join(parts)

    @functools.cached_property
    def cased(self) -> bool:
        """Whether a piece has letters with a case (then texts are lower-cased to count)."""
        return any(piece != piece.upper() for piece in self.pieces)

    def occurrences(self, text: str, lowered: str) -> int:
        """How often the term occurs in the (normalised) `text` (`lowered`: its lower-case copy
        when the term is `cased`): its rarest piece's count."""
        if not self.cased:
            if len(self.pieces) == 1:
                return text.count(self.pieces[0])
            return min(text.count(piece) for piece in self.pieces)
        return min(lowered.count(piece.lower()) for piece in self.pieces)


_TERMS = re.compile(r'"([^"]*)"?|([^\s"]+)')


@dataclass
class Query:
    """A user query: terms that must all occur (a term in ``"..."`` is a phrase)."""

    text: str
    parsed: list[Term] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Query:
        terms: dict[str, Term] = {}
        for quoted, word in _TERMS.findall(_fold(normalise(text))):
            term = Term.parse(quoted, phrase=True) if quoted else Term.parse(word)
            if not term.empty:
                terms.setdefault(term.text, term)
        return cls(text=text, parsed=list(terms.values()))

    @property
    def terms(self) -> list[str]:
        """What snippets look for: each term's words, CJK runs and phrases (normalised)."""
        return list(dict.fromkeys(p for t in self.parsed for p in t.pieces))

    def match(self) -> str:
        """The FTS5 MATCH expression: every token of every term required."""
        return " AND ".join(t.match() for t in self.parsed)

    def confirms(self) -> list[str]:
        return list(dict.fromkeys(c for t in self.parsed for c in t.confirm))


def has_index(db: sqlite_utils.Database) -> bool:
    return db[FTS].exists()


def _check_index(db: sqlite_utils.Database) -> None:
    if not has_index(db):
        raise LookupError("this catalog has no search index yet: run `newsarchive reindex`")
    sql = db.execute("select sql from sqlite_master where name = ?", [FTS]).fetchone()[0]
    if "trigram" in sql:
        raise LookupError(
            "this catalog's search index is from an older version: "
            "`newsarchive reindex` (or any crawl) converts it"
        )


def query_sql(query: Query, where: list[str], params: list, window: int | None) -> tuple[str, list]:
    """SQL for the rows matching `query` and the `where` filters on ``a`` (articles).

    With no `window`: every match oldest first, as ``a.*`` with ``t.title``/``t.body`` (the
    normalised text) as ``ntitle``/``nbody``. With a `window`: the `window` most recently
    indexed matches as ``rowid, title, body`` of ``texts``, read in the index's order."""
    conditions = [f"[{FTS}] match ?", *where]
    params = [query.match(), *params]
    for text in query.confirms():
        if text == text.upper():  # nothing to fold (CJK, digits): no lower() copy of the text
            conditions.append("(instr(t.title, ?) > 0 or instr(t.body, ?) > 0)")
        else:
            conditions.append("(instr(lower(t.title), ?) > 0 or instr(lower(t.body), ?) > 0)")
        params += [text, text]
    joins = f"[{FTS}] join [{TEXTS}] t on t.rowid = [{FTS}].rowid"
    if window is None or where:
        joins += " join articles a on a.source = t.source and a.id = t.id"
    condition = " where " + " and ".join(conditions)
    if window is None:
        sql = f"select a.*, t.title as ntitle, t.body as nbody from {joins}{condition}"
        return sql + " order by a.published, a.source, a.id", params
    sql = f"select t.rowid, t.title, t.body from {joins}{condition}"
    return sql + f" order by [{FTS}].rowid desc limit ?", [*params, window]


def _prepare(db: sqlite_utils.Database) -> None:
    """Check the index; read the catalog through a memory map (no read() call per page)."""
    _check_index(db)
    db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


def run_query(
    db: sqlite_utils.Database, query: Query, where: list[str], params: list
) -> sqlite3.Cursor:
    """Every article matching `query` and the filters, oldest first (no ranking)."""
    _prepare(db)
    if not query.parsed:  # nothing searchable (only punctuation): nothing matches
        return db.execute("select * from articles where 0")
    sql, params = query_sql(query, where, params, window=None)
    return db.execute(sql, params)


def ranked(
    db: sqlite_utils.Database,
    query: Query,
    where: list[str],
    params: list,
    limit: int,
    window: int = RANK_WINDOW,
) -> list[dict]:
    """The best `limit` matches, best first: ``a.*`` (articles), ``ntitle``/``nbody`` (the
    normalised text) and ``score`` (minus BM25: lower is better, as FTS5's ``bm25()``)."""
    _prepare(db)
    if not query.parsed:
        return []
    sql, params = query_sql(query, where, params, window=window)
    candidates = db.execute(sql, params).fetchall()
    if not candidates:
        return []
    weights = _idf(db, query)
    cased = any(term.cased for term, _ in weights)
    lengths = [len(title) + len(body) for _, title, body in candidates]
    average = sum(lengths) / len(lengths) or 1.0
    keyed = []
    for (rowid, title, body), length in zip(candidates, lengths, strict=True):
        lowered = (title.lower(), body.lower()) if cased else ("", "")
        score, in_title = 0.0, 0
        norm = K1 * (1 - B + B * length / average)
        for term, idf in weights:
            in_title_count = term.occurrences(title, lowered[0])
            tf = TITLE_WEIGHT * in_title_count + term.occurrences(body, lowered[1])
            in_title += in_title_count > 0
            score += idf * tf * (K1 + 1) / (tf + norm)
        keyed.append((-in_title, -score, -rowid, rowid))  # ties: the later indexed first
    best = sorted(keyed)[:limit]
    found = db.execute(
        f"select a.*, t.rowid as [rowid:texts], t.title as ntitle, t.body as nbody "
        f"from [{TEXTS}] t join articles a on a.source = t.source and a.id = t.id "
        f"where t.rowid in ({', '.join('?' for _ in best)})",
        [rowid for *_, rowid in best],
    )
    columns = [d[0] for d in found.description]
    rows = {}
    for values in found:
        row = dict(zip(columns, values, strict=True))
        rows[row.pop("rowid:texts")] = row
    return [{**rows[rowid], "score": score} for _, score, _, rowid in best if rowid in rows]


def _idf(db: sqlite_utils.Database, query: Query) -> list[tuple[Term, float]]:
    """(term, inverse document frequency) per term; frequencies counted up to DF_CAP."""
    if len(query.parsed) == 1:  # one term: its weight changes no order
        return [(query.parsed[0], 1.0)]
    total = db.execute(f"select max(rowid) from [{TEXTS}]").fetchone()[0] or 1
    weights = []
    for term in query.parsed:
        df = db.execute(
            f"select count(*) from (select 1 from [{FTS}] where [{FTS}] match ? limit ?)",
            [term.match(), DF_CAP],
        ).fetchone()[0]
        weights.append((term, math.log(1 + (total - df + 0.5) / (df + 0.5))))
    return weights


# -- snippets ------------------------------------------------------------------------------------
def snippet(body: str, terms: list[str], normalised: str | None = None) -> str:
    """About SNIPPET_CHARS characters of `body` around the first occurrence of any term."""
    flat = re.sub(r"\s+", " ", body).strip()
    norm = _fold(normalise(flat))
    if len(norm) != len(flat):  # the conversion changed the length: show the normalised text
        flat = re.sub(r"\s+", " ", normalised or norm).strip()
        norm = _fold(flat)
    found = [(p, len(t)) for p, t in ((norm.find(t), t) for t in terms if t) if p >= 0]
    if not found:
        return flat[:SNIPPET_CHARS] + ("…" if len(flat) > SNIPPET_CHARS else "")
    first, length = min(found)
    start = max(first - SNIPPET_CHARS // 3, 0)
    end = max(start + SNIPPET_CHARS, first + length)  # the whole hit, however long
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def hit_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of the terms in `text` (either script, any ASCII case),
    overlaps merged, in order; none when the script conversion changes the length."""
    norm = _fold(normalise(text))
    if len(norm) != len(text):
        return []
    spans = sorted(
        (m.start(), m.end()) for t in terms if t for m in re.finditer(re.escape(t), norm)
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
