"""The archive folder builds with plain real Jekyll, with no warnings, hostile titles included."""

from __future__ import annotations

import subprocess

import pytest
from conftest import require_tool
from test_store import HOSTILE_TITLES, make_article

from crawler.store.archive import Archive
from crawler.store.site import prepare_site


def test_archive_builds_with_jekyll_without_warnings(tmp_path):
    jekyll = require_tool("jekyll")
    archive = Archive(tmp_path / "archive")
    for n, title in enumerate(HOSTILE_TITLES):
        archive.save(
            make_article(
                id=f"story20210830-{n}",
                url=f"https://www.zaobao.com/realtime/china/story20210830-{n}",
                title=title,
                body="正文 {{ site.title }} {% raw %} 第一段。\n\n| 表 | 格 |\n|---|---|\n| 1 | 2 |",
            )
        )
    archive.close()
    prepare_site(tmp_path / "archive")  # the month pages `newsarchive site build` writes
    result = subprocess.run(
        [
            jekyll,
            "build",
            "--source",
            str(tmp_path / "archive"),
            "--destination",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warn" not in output.lower() and "error" not in output.lower(), output
    pages = sorted((tmp_path / "site").rglob("story20210830-*/index.html"))
    assert len(pages) == len(HOSTILE_TITLES)
    html = pages[0].read_text(encoding="utf-8")
    assert "{{ site.title }}" in html, "post bodies must not be rendered as Liquid"
    assert "https://www.zaobao.com/realtime/china/story20210830-0" in html
    month = (tmp_path / "site" / "sources" / "zaobao" / "2021-08" / "index.html").read_text(
        encoding="utf-8"
    )
    assert month.count("<li>") == len(HOSTILE_TITLES)


@pytest.mark.parametrize("name", ["catalog.db", "README.md"])
def test_archive_data_files_are_not_published(tmp_path, name):
    jekyll = require_tool("jekyll")
    archive = Archive(tmp_path / "archive")
    archive.save(make_article())
    archive.close()
    (tmp_path / "archive" / "README.md").write_text("# the format contract\n")
    subprocess.run(
        [jekyll, "build", "-s", str(tmp_path / "archive"), "-d", str(tmp_path / "site")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert not (tmp_path / "site" / name).exists()
