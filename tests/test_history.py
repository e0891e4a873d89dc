"""Edit history: diffs by script, the site's history pages, ``newsarchive diff``."""

from __future__ import annotations

import html
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_tool
from test_store import make_article

from crawler.cli import main
from crawler.store.archive import UPDATED, Archive
from crawler.store.history import (
    DELETE,
    EQUAL,
    INSERT,
    diff_text,
    diff_tokens,
    history_page_path,
    tokens,
)

ID = "story20210830-1188123"
URL = "https://www.zaobao.com/realtime/china/story20210830-1188123"
HOSTILE = "<script>alert(1)</script> {{ site.title }} <img src=x onerror=alert(2)>"
#: the three versions of the updated article: (title, body)
VERSIONS = [
    ("王毅与布林肯通话", "王毅周一与布林肯通话。\n\nThe minister said no comment.\n\n旧的第三段。"),
    (
        "王毅与布林肯再次通话",
        "王毅周一晚间与布林肯通话。\n\nThe prime minister said no comment.\n\n" + HOSTILE,
    ),
    ("王毅与布林肯再次通话", "王毅周一晚间与布林肯通话。\n\nThe prime minister declined."),
]
T0 = datetime(2021, 8, 30, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("台湾选举", ["台", "湾", "选", "举"]),
        ("Hello world", ["Hello", " ", "world"]),
        ("臺灣Taiwan 2024年。", ["臺", "灣", "Taiwan", " ", "2024", "年", "。"]),
        ("Café-owner's", ["Café", "-", "owner", "'", "s"]),
        ("１２３，ｆｕｌｌ", ["１", "２", "３", "，", "ｆ", "ｕ", "ｌ", "ｌ"]),
        ("서울 뉴스", ["서", "울", " ", "뉴", "스"]),
    ],
)
def test_tokens_by_script(text, expected):
    assert tokens(text) == expected
    assert "".join(tokens(text)) == text


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # CJK: one character changes, the rest of the sentence stays
        (
            "日本长期失业者人数上升",
            "日本长期失业人数大幅上升",
            [
                (EQUAL, "日本长期失业"),
                (DELETE, "者"),
                (EQUAL, "人数"),
                (INSERT, "大幅"),
                (EQUAL, "上升"),
            ],
        ),
        ("same", "same", [(EQUAL, "same")]),
    ],
)
def test_diff_tokens_by_script(old, new, expected):
    assert diff_tokens(old, new) == expected


@pytest.mark.parametrize(
    ("old", "new", "deleted", "inserted"),
    [
        # whole words, never a shared letter ("no" -> "yes", not n/y + o/es)
        ("The minister said no.", "The prime minister said yes.", ["no"], ["prime", "yes"]),
        ("Beijing responded", "Beijing retorted", ["responded"], ["retorted"]),
        ("台湾 elections 结果", "台湾 election 结果公布", ["elections"], ["election", "公布"]),
    ],
)
def test_latin_text_is_compared_by_word(old, new, deleted, inserted):
    segments = diff_tokens(old, new)
    assert [t.strip() for op, t in segments if op == DELETE] == deleted
    assert [t.strip() for op, t in segments if op == INSERT] == inserted


@pytest.mark.parametrize(
    ("old", "new", "deleted", "inserted"),
    [
        ("第一段。\n\n第二段。", "第一段。\n\n第二段。\n\n新的第三段。", [], ["\n\n新的第三段。"]),
        ("第一段。\n\n要删的段落。\n\n第三段。", "第一段。\n\n第三段。", ["要删的段落。\n\n"], []),
        ("First one.\n\n第二段。", "First two.\n\n第二段。", ["one"], ["two"]),
    ],
)
def test_diff_text_by_paragraph_then_token(old, new, deleted, inserted):
    segments = diff_text(old, new)
    assert [t for op, t in segments if op == DELETE] == deleted
    assert [t for op, t in segments if op == INSERT] == inserted
    assert "".join(t for op, t in segments if op != INSERT) == old
    assert "".join(t for op, t in segments if op != DELETE) == new


def updated_archive(root: Path) -> Archive:
    """An archive holding one article saved in three versions, and one never updated."""
    archive = Archive(root)
    for n, (title, body) in enumerate(VERSIONS):
        saved = archive.save(make_article(title=title, body=body), T0 + timedelta(hours=n))
        assert n == 0 or saved.outcome == UPDATED
    archive.save(
        make_article(
            id="story20210830-1", url="https://www.zaobao.com/realtime/china/story20210830-1"
        )
    )
    return archive


@pytest.fixture
def archive_dir(tmp_path) -> Path:
    updated_archive(tmp_path / "archive").close()
    return tmp_path / "archive"


def test_an_updated_article_gets_a_history_page_with_escaped_diffs(archive_dir):
    page = archive_dir / history_page_path("zaobao", ID)
    assert page.is_file()
    assert not (archive_dir / history_page_path("zaobao", "story20210830-1")).exists()
    text = page.read_text(encoding="utf-8")
    front, content = text.split("---\n", 2)[1:]
    assert "layout: default" in front and "render_with_liquid: false" in front
    # every version: its fetch time and title
    for n, (title, _) in enumerate(VERSIONS):
        assert (T0 + timedelta(hours=n)).isoformat() in content
        assert html.escape(title) in content
    assert content.count("<section") == 2  # version 1 -> 2, 2 -> 3
    assert "<ins>晚间</ins>" in content and "<ins>再次</ins>" in content
    assert "<ins>prime </ins>" in content
    assert "<del>旧的第三段。</del>" in content or "旧的第三段。</del>" in content
    # hostile text is text: the only tags are ours
    assert "<script" not in content and "<img" not in content and "{{" not in content
    allowed = {"article", "h1", "h2", "p", "a", "ol", "li", "section", "ins", "del"}
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", content))
    assert tags <= allowed, tags - allowed
    assert "&lt;script&gt;" in content


def test_the_history_page_is_rewritten_with_each_update(tmp_path):
    archive = updated_archive(tmp_path / "archive")
    archive.save(make_article(title="第四版", body="全新的正文。"), T0 + timedelta(hours=9))
    archive.close()
    text = (tmp_path / "archive" / history_page_path("zaobao", ID)).read_text(encoding="utf-8")
    assert text.count("<section") == 3 and "第四版" in text


def invoke(archive_dir: Path, *args: str):
    return CliRunner().invoke(main, ["diff", "--archive", str(archive_dir), *args])


@pytest.mark.parametrize("key", [ID, URL])
def test_diff_prints_versions_and_marked_changes(archive_dir, key):
    result = invoke(archive_dir, key)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[0] == "1" and lines[0].endswith(VERSIONS[0][0])
    assert lines[2].split()[0] == "3"
    assert "=== version 1 -> 2" in result.output and "=== version 2 -> 3" in result.output
    assert "王毅周一{+晚间+}与布林肯通话" in result.output
    assert "title: 王毅与布林肯{+再次+}通话" in result.output
    assert "The {+prime +}minister said" in result.output
    assert "\x1b[" not in result.output  # not a terminal: no colour


def test_diff_rev_and_colour(archive_dir):
    result = invoke(archive_dir, ID, "--rev", "3", "--color", "always")
    assert result.exit_code == 0, result.output
    assert "=== version 2 -> 3" in result.output and "version 1 -> 2" not in result.output
    assert "\x1b[31;9m" in result.output and "\x1b[32;4m" in result.output
    assert "[-" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["story20990101-1"], "no article with id story20990101-1"),
        (["https://www.zaobao.com/none"], "no article with URL"),
        ([ID, "--rev", "1"], "bad --rev 1"),
        ([ID, "--rev", "4"], "bad --rev 4"),
        (["story20210830-1", "--rev", "2"], "never updated"),
    ],
)
def test_diff_bad_input_exits_2(archive_dir, args, message):
    result = invoke(archive_dir, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_diff_never_prints_control_characters_of_an_article(tmp_path):
    archive = Archive(tmp_path / "archive")
    archive.save(make_article(body="第一段。"), T0)
    archive.save(make_article(body="第一段。\x1b[2J\x1b]0;owned\x07"), T0 + timedelta(hours=1))
    archive.close()
    result = invoke(tmp_path / "archive", ID)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "[2J" in result.output


def test_diff_is_coloured_on_a_terminal_only(archive_dir):
    import os
    import pty
    import sys

    newsarchive = Path(sys.executable).parent / "newsarchive"
    command = [str(newsarchive), "diff", "--archive", str(archive_dir), ID]
    controller, terminal = pty.openpty()
    try:
        subprocess.run(command, stdout=terminal, stderr=terminal, timeout=120, check=True)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal side is closed: all read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert b"\x1b[32;4m" in shown and b"{+" not in shown
    piped = subprocess.run(command, capture_output=True, timeout=120, check=True).stdout
    assert b"\x1b[" not in piped and "{+晚间+}".encode() in piped


def test_diff_of_a_never_updated_article(archive_dir):
    result = invoke(archive_dir, "story20210830-1")
    assert result.exit_code == 0
    assert "one version" in result.output


def test_the_built_post_links_to_its_history_page(archive_dir, tmp_path):
    jekyll = require_tool("jekyll")
    site = tmp_path / "site"
    result = subprocess.run(
        [jekyll, "build", "--source", str(archive_dir), "--destination", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warn" not in output.lower() and "error" not in output.lower(), output
    post = next(site.glob(f"zaobao/**/{ID}/index.html")).read_text(encoding="utf-8")
    link = re.search(r'href="([^"]*/history/[^"]+)"', post)
    assert link, "an updated post links to its history page"
    built = site / link.group(1).lstrip("/")
    assert built.is_file()
    history = built.read_text(encoding="utf-8")
    assert "<ins>晚间</ins>" in history and "&lt;script&gt;" in history
    assert "{{ site.title }}" in history.replace("&#123;", "{").replace("&#125;", "}")
    never = next(site.glob("zaobao/**/story20210830-1/index.html")).read_text(encoding="utf-8")
    assert "/history/" not in never


def test_diff_without_an_archive_is_a_clear_error(tmp_path):
    result = invoke(tmp_path / "nothing", ID)  # no such folder: a usage error
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output
    (tmp_path / "empty").mkdir()  # a folder with no catalog
    result = invoke(tmp_path / "empty", ID)
    assert result.exit_code == 2
    assert "no catalog in" in result.output and "Traceback" not in result.output


def test_write_pages_makes_the_history_pages_an_archive_lacks(archive_dir):
    page = archive_dir / history_page_path("zaobao", ID)
    before = page.read_text(encoding="utf-8")
    page.unlink()
    result = invoke(archive_dir, "--write-pages")
    assert result.exit_code == 0, result.output
    assert "wrote 1 history pages" in result.output
    assert page.read_text(encoding="utf-8") == before


def test_diff_without_an_article_is_a_usage_error(archive_dir):
    result = invoke(archive_dir)
    assert result.exit_code == 2 and "name an article" in result.output
