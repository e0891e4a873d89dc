"""The contract of the outlets' page hooks (``Source.page_data``): every hook is declared to
return a `PageData`, and returns nothing else, on the outlet's real pages (the shared corpus,
``../shared/corpus/pages/<outlet>/``, read in place; skipped without it), on its fixtures, on
every other outlet's pages and on an empty document. A typo'd key (``byline``) or a value of
another type (one string for ``bylines``) fails here instead of being silently ignored by the
extractor. The keys the extractor reads are PageData's too."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import pytest

from crawler.extract.decode import decode_html
from crawler.extract.parse import parse_html
from crawler.sources import SOURCES
from crawler.sources.base import PageData

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
PAGES = ROOT.parent / "shared" / "corpus" / "pages"
HOOKED = sorted(name for name, source in SOURCES.items() if source.page_data)
#: the declared type of each key
FIELDS = typing.get_type_hints(PageData)


def page_data_problems(data: object) -> list[str]:
    """What in a hook's return value is no `PageData`: unknown keys, values of another type."""
    if not isinstance(data, dict):
        return [f"not a dict but {type(data).__name__}"]
    problems = []
    for key, value in data.items():
        declared = FIELDS.get(key)
        if declared is None:
            problems.append(f"unknown key {key!r}")
        elif declared is str and not isinstance(value, str):
            problems.append(f"{key}: {type(value).__name__}, not str")
        elif typing.get_origin(declared) is list and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            problems.append(f"{key}: {value!r} is no list of str")
    return problems


def _doc(path: Path):
    return parse_html(decode_html(path.read_bytes(), None))


def _own_pages(name: str) -> list[pytest.param]:
    pages = [pytest.param(name, None, id=f"{name}-empty")]
    pages += [
        pytest.param(name, page, id=f"{name}-fixture-{page.stem}")
        for page in sorted((FIXTURES / name).glob("*.htm*"))
    ]
    pages += [
        pytest.param(name, page, id=f"{name}-corpus-{page.stem}")
        for page in sorted((PAGES / name).glob("*.htm*"))
    ]
    return pages


def test_fields_are_what_the_extractor_reads():
    """PageData names the fields a hook may fill, with their types."""
    assert {
        "title": str,
        "published": str,
        "body_html": str,
        "section": str,
        "keywords": list[str],
        "bylines": list[str],
        "agency": str,
        "editors": list[str],
    } == FIELDS
    assert not PageData.__required_keys__  # a hook names only what the page says


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"byline": ["张三"]}, "unknown key 'byline'"),
        ({"bylines": "张三"}, "bylines: '张三' is no list of str"),
        ({"keywords": ["a", 1]}, "keywords: ['a', 1] is no list of str"),
        ({"section": None}, "section: NoneType, not str"),
        ({"published": 1700000000}, "published: int, not str"),
        (["title"], "not a dict but list"),
    ],
)
def test_the_check_rejects_typos_and_other_types(data, problem):
    assert page_data_problems(data) == [problem]


def test_the_check_takes_every_field():
    data: PageData = {
        "title": "标题",
        "published": "2023-11-17 15:13",
        "body_html": "<p>正文</p>",
        "section": "国际",
        "keywords": ["中美"],
        "bylines": [],
        "agency": "新华社",
        "editors": ["李四"],
    }
    assert page_data_problems(data) == []


@pytest.mark.parametrize("name", HOOKED)
def test_every_hook_is_declared_to_return_page_data(name: str):
    assert typing.get_type_hints(SOURCES[name].page_data)["return"] is PageData


@pytest.mark.parametrize(("name", "page"), [p for name in HOOKED for p in _own_pages(name)])
def test_hook_returns_page_data_on_its_pages(name: str, page: Path | None):
    """On the outlet's fixtures, its real pages (when the corpus is at hand) and an empty
    document."""
    doc = parse_html("<html><head></head><body></body></html>") if page is None else _doc(page)
    assert page_data_problems(SOURCES[name].page_data(doc)) == []


def test_the_corpus_pages_are_checked():
    """The hooks' real pages are at hand (else the cases above checked only fixtures)."""
    if not PAGES.is_dir():
        pytest.skip(f"the shared reference corpus is absent ({PAGES})")
    assert sum(1 for name in HOOKED for _ in (PAGES / name).glob("*.htm*")) >= 10


@pytest.mark.parametrize("name", HOOKED)
def test_hook_returns_page_data_on_other_outlets_pages(name: str):
    """A hook run on a page not shaped as it expects still returns only PageData (or raises
    one of the errors the extractor catches: it then reads the page without it)."""
    pages = [p for other in SOURCES if other != name for p in (FIXTURES / other).glob("*.htm*")]
    assert pages
    for page in pages:
        try:
            data = SOURCES[name].page_data(_doc(page))
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            continue
        assert page_data_problems(data) == [], page.name


#: how the extractor reads the page data: ``page.get("x")``, ``page["x"]``, ``"x" in self.page``,
#: ``_given(self.page, "x")``
_READS = re.compile(
    r"""page(?:\.get\(|\[)\s*["'](\w+)["']|["'](\w+)["']\s+in\s+(?:self\.)?page\b"""
    r"""|_given\(\s*(?:self\.)?page\s*,\s*["'](\w+)["']"""
)


def test_the_extractor_reads_only_page_data_keys():
    read = {
        key
        for path in (ROOT / "crawler" / "extract").glob("*.py")
        for m in _READS.finditer(path.read_text(encoding="utf-8"))
        for key in m.groups()
        if key
    }
    assert {"title", "published", "body_html", "bylines", "agency"} <= read
    assert read <= set(FIELDS), read - set(FIELDS)


#: what each outlet module used to define again: the shared readers now in base.py / roles.py
_SHARED = {"_first_text", "_text", "_dom_text", "_names", "_ROLE", "_DATE", "_MAX_ID"}
_NOT_OUTLETS = {"__init__", "base", "credits", "generic", "roles"}


@pytest.mark.parametrize(
    "module",
    sorted(p for p in (ROOT / "crawler" / "sources").glob("*.py") if p.stem not in _NOT_OUTLETS),
    ids=lambda p: p.stem,
)
def test_outlet_modules_do_not_define_the_shared_readers_again(module: Path):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    defined |= {
        t.id
        for n in tree.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    assert not defined & _SHARED
