"""The README and docs/ say only what the code does (issue 15): every command in their code blocks
runs (`--help` at least, one process per distinct command), `scrapy crawl NAME` names a spider
that `scrapy list` lists, and every setting they name (`-s NAME=`, settings tables, `NAME` in
backticks) is one of ours (crawler/settings.py) or Scrapy's."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import click
import pytest
from scrapy.settings import default_settings
from test_settings_documented import settings_tables

import crawler.settings as project
from crawler.cli import main as newsarchive

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
#: how a command line starts (after `cd ... &&`, a cron schedule ...)
PROGRAMS = re.compile(r"^(?:\.venv/bin/)?(newsarchive|scrapy|python3?|pytest|ruff)(?=\s|$)")
#: upper-case names in backticks that are no setting
NOT_SETTINGS = {"NEWSARCHIVE_REDIS_URL", "PR_SET_PDEATHSIG"}


def code_blocks(path: Path) -> list[str]:
    """The fenced code blocks of `path`, but Python, YAML and JSON."""
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", path.read_text(encoding="utf-8"), re.S | re.M)
    return [body for lang, body in blocks if lang not in {"python", "yaml", "json"}]


def command_lines(text: str) -> list[list[str]]:
    """Each command of a shell snippet that runs one of PROGRAMS, as argv."""
    commands = []
    for line in text.replace("\\\n", " ").splitlines():
        for part in re.split(r"\s*(?:&&|\|\||;|\|)\s*", line):
            start = PROGRAMS.search(part.strip())
            if start:
                commands.append(shlex.split(part.strip(), comments=True))
    return commands


@cache
def documented_commands() -> list[tuple[str, list[str]]]:
    return [
        (path.relative_to(REPO).as_posix(), argv)
        for path in DOCS
        for block in code_blocks(path)
        for argv in command_lines(block)
    ]


def program(argv: list[str]) -> str:
    return argv[0].removeprefix(".venv/bin/")


def newsarchive_path(args: list[str]) -> tuple[str, ...]:
    """The subcommand path of `newsarchive ARGS` (``site build``), as click resolves it."""
    path: list[str] = []
    command: click.Command = newsarchive
    for arg in args:
        if not isinstance(command, click.Group) or arg not in command.commands:
            break
        command = command.commands[arg]
        path.append(arg)
    return tuple(path)


def help_command(argv: list[str]) -> tuple[str, ...]:
    """What to run to show that the command exists: ``(program, subcommand..., --help)``."""
    name, args = program(argv), argv[1:]
    if name == "newsarchive":
        return ("newsarchive", *newsarchive_path(args), "--help")
    if name == "scrapy":
        return ("scrapy", args[0], "--help")
    if name.startswith("python"):
        return ("python", *args[: 2 if args[0] == "-m" else 1], "--help")
    return (name, "--help")


def options(argv: list[str]) -> set[str]:
    """The options a command line gives (``--since``, ``-o``), without their values."""
    args = argv[3:] if argv[1:2] == ["-m"] else argv[1:]  # python -m MODULE
    return {arg.split("=", 1)[0] for arg in args if re.match(r"--?[a-zA-Z]", arg)}


@cache
def documented_options() -> dict[tuple[str, ...], set[str]]:
    """{help command: every option the docs give that command}"""
    found: dict[tuple[str, ...], set[str]] = {}
    for _, argv in documented_commands():
        found.setdefault(help_command(argv), set()).update(options(argv))
    return found


def distinct_commands() -> list[tuple[str, ...]]:
    return sorted(documented_options())


def test_the_docs_have_commands():
    commands = distinct_commands()
    assert ("newsarchive", "site", "build", "--help") in commands
    assert ("scrapy", "crawl", "--help") in commands


@pytest.mark.parametrize("command", distinct_commands(), ids=" ".join)
def test_every_documented_command_runs_with_the_options_shown(command):
    """`--help` works, and lists every option the docs give the command."""
    name, *args = command
    if name == "python" and args[0] != "-m":
        script = REPO / args[0]
        assert script.is_file(), f"{args[0]} does not exist"
        if "argparse" not in script.read_text():  # no --help: it would run
            compile(script.read_text(), str(script), "exec")
            return
        argv = [sys.executable, *args]
    else:
        argv = [str(BIN / name), *args]
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(command)}: {result.stderr[-2000:]}"
    for option in documented_options()[command] - {"--help", "-h"}:
        listed = re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", result.stdout)
        assert listed, f"the docs give `{' '.join(command[:-1])}` {option}, which it does not have"


@cache
def spiders() -> set[str]:
    result = subprocess.run(
        [str(BIN / "scrapy"), "list"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def crawled_spiders() -> list[tuple[str, str]]:
    return sorted(
        {
            (doc, argv[2])
            for doc, argv in documented_commands()
            if program(argv) == "scrapy" and argv[1] == "crawl"
        }
    )


@pytest.mark.parametrize(("doc", "spider"), crawled_spiders())
def test_every_crawled_spider_exists(doc, spider):
    assert spider in spiders(), f"{doc}: `scrapy crawl {spider}`: no such spider"


def exists(name: str) -> bool:
    return hasattr(project, name) or hasattr(default_settings, name)


def settings_named() -> list[tuple[str, str]]:
    """(doc, NAME) for every ``-s NAME=``, every name in a settings table, and every
    backticked upper-case name with an underscore."""
    named = set()
    for doc, argv in documented_commands():
        for flag, value in zip(argv, argv[1:], strict=False):
            if flag in {"-s", "--set"}:
                named.add((doc, value.split("=", 1)[0]))
    for path in DOCS:
        doc = path.relative_to(REPO).as_posix()
        named |= {(doc, name) for name in settings_tables(path)}
        text = path.read_text(encoding="utf-8")
        for name in re.findall(r"`-?s? ?([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])[`=]", text):
            named.add((doc, name))
    return sorted((doc, name) for doc, name in named if name not in NOT_SETTINGS)


@pytest.mark.parametrize(("doc", "name"), settings_named())
def test_every_setting_named_exists(doc, name):
    assert exists(name), f"{doc} names {name}, which is no setting of ours or Scrapy's"


def paths_named() -> list[tuple[str, str]]:
    """(doc, path) for every repository path the docs name (crawler/..., tests/..., ...)."""
    pattern = r"(?<![\w/.-])((?:crawler|tests|benchmarks|scripts|demo)/[\w./-]*)"
    return sorted(
        {
            (path.relative_to(REPO).as_posix(), found.rstrip(".,:;)"))
            for path in DOCS
            for found in re.findall(pattern, path.read_text(encoding="utf-8"))
        }
    )


@pytest.mark.parametrize(("doc", "path"), paths_named())
def test_every_path_named_exists(doc, path):
    assert (REPO / path).exists(), f"{doc} names {path}, which does not exist"


def layout() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout\n", 1)[1]
    return re.search(r"```\n(.*?)```", section, re.S).group(1)


@pytest.mark.parametrize(
    "package", sorted(p.parent.name for p in (REPO / "crawler").glob("*/__init__.py"))
)
def test_the_layout_names_every_package(package):
    assert f"crawler/{package}/" in layout(), f"README's Layout misses crawler/{package}/"


def test_the_user_agent_shown_is_the_one_sent():
    from scrapy.settings import Settings

    from crawler.downloader.politeness import UserAgentAddon

    settings = Settings()
    settings.setmodule(project, priority="project")
    UserAgentAddon().update_settings(settings)
    sent = settings["USER_AGENT"]
    for path in DOCS:
        for shown in re.findall(r"`(newsarchive/[^`<]*\(\+[^`]*\))`", path.read_text()):
            assert shown == sent, f"{path.name} shows the User-Agent {shown!r}; it is {sent!r}"
