"""Defaults in one place (issue 15): every setting the code reads is in crawler/settings.py and in
docs/settings.md, with the default shown there; no component keeps a default of its own.

The names are read from the code with `ast`: calls ``<...>settings.get*("NAME")`` and subscripts
``<...>settings["NAME"]`` anywhere in crawler/. Settings Scrapy itself defines
(scrapy.settings.default_settings) need not be in settings.py, as Scrapy has their default.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from scrapy.settings import default_settings

import crawler.settings as project

REPO = Path(__file__).resolve().parents[1]
CODE = REPO / "crawler"
REFERENCE = REPO / "docs" / "settings.md"
GETTERS = {"get", "getint", "getfloat", "getbool", "getlist", "getdict", "getwithbase"}
GETTERS |= {"getpriority"}


@dataclass(frozen=True)
class Read:
    name: str
    where: str  # path:line
    fallback: bool  # a second argument: a default of the component's own


def _is_settings(node: ast.expr) -> bool:
    """`settings`, `crawler.settings`, `self.settings`, `self.crawler.settings` ..."""
    if isinstance(node, ast.Name):
        return node.id == "settings"
    return isinstance(node, ast.Attribute) and node.attr == "settings"


def _name(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def settings_read(path: Path) -> list[Read]:
    """Every setting `path` reads by a literal name."""
    reads = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in GETTERS
            and _is_settings(node.func.value)
            and node.args
            and (name := _name(node.args[0]))
        ):
            fallback = len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)
            reads.append(Read(name, where, fallback))
        elif (
            isinstance(node, ast.Subscript)
            and _is_settings(node.value)
            and (name := _name(node.slice))
        ):
            reads.append(Read(name, where, False))
    return reads


@cache
def all_reads() -> tuple[Read, ...]:
    return tuple(read for path in sorted(CODE.rglob("*.py")) for read in settings_read(path))


def is_scrapys(name: str) -> bool:
    return hasattr(default_settings, name)


@cache
def ours() -> set[str]:
    """The settings our code reads that Scrapy does not define."""
    return {read.name for read in all_reads() if not is_scrapys(read.name)}


@cache
def settings_tables(path: Path) -> dict[str, str]:
    """{NAME: default cell} of every table of `path` whose header starts with `setting`."""
    rows: dict[str, str] = {}
    in_table = False
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if "|" in line else []
        if not cells:
            in_table = False
        elif cells[0] == "setting":
            in_table = True
        elif in_table and not set(cells[0]) <= {"-", ":"}:
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
                rows[name] = cells[1] if len(cells) > 1 else ""
    return rows


def shown(value: object) -> str:
    """A default as the tables show it (as it would be given with -s)."""
    if value == "":
        return '""'
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def test_the_code_reads_settings():
    names = ours()
    assert {"ARCHIVE_DIR", "REVISIT_AFTER", "RETRY_AFTER_ENABLED", "HEALTH_MIN_ARTICLES"} <= names


@pytest.mark.parametrize("name", sorted(ours()))
def test_every_setting_read_has_its_default_in_settings_py(name):
    assert hasattr(project, name), f"{name} is read by the code but not in crawler/settings.py"


@pytest.mark.parametrize("name", sorted(ours()))
def test_every_setting_read_is_in_the_reference(name):
    assert name in settings_tables(REFERENCE), f"{name} is not in docs/settings.md"


OWN_DEFINED = sorted(n for n in dir(project) if n.isupper() and not is_scrapys(n))


@pytest.mark.parametrize("name", OWN_DEFINED)
def test_every_own_setting_is_read_and_documented(name):
    assert name in ours(), f"crawler/settings.py has {name}, which nothing reads"
    assert name in settings_tables(REFERENCE), f"{name} is not in docs/settings.md"


# The report helper's branch removes the fallbacks of these files (RUN_MAX_ERROR_SHARE ...);
# empty this once merged.
@pytest.mark.parametrize(
    "read",
    all_reads(),
    ids=lambda r: f"{r.name}@{r.where}",
)
def test_no_component_keeps_a_default_of_its_own(read):
    assert not read.fallback, f"{read.where} reads {read.name} with a fallback of its own"


def documented_defaults() -> list[tuple[str, str, str]]:
    return [
        (path.relative_to(REPO).as_posix(), name, cell)
        for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
        for name, cell in settings_tables(path).items()
        if hasattr(project, name)
    ]


@pytest.mark.parametrize(("doc", "name", "cell"), documented_defaults())
def test_the_default_shown_is_the_default(doc, name, cell):
    code = re.match(r"`([^`]*)`", cell)
    assert code, f"{doc}: {name}'s default is not shown as `value`: {cell!r}"
    assert code.group(1) == shown(getattr(project, name)), f"{doc}: {name}"
