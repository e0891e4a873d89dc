"""Read commands work on an archive on read-only media (issue 10).

`chmod -R a-w` does not stop root, so the media is a read-only bind mount (skipped when this
machine does not allow mounting); the same code path is also tested without a mount, by making
SQLite's ``mode=ro`` fail as it does there ("unable to open database file": no ``-shm`` file can
be made) on a folder that says it is read-only.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import crawler.store.catalog_file as catalog_file
from crawler.cli import main
from crawler.store.reader import Reader

from .test_store_damaged_catalog import ARTICLES, make_archive, run_report


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def read_only_archive(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("readonly")
    source = make_archive(tmp / "archive")
    mount = tmp / "media"
    mount.mkdir()
    bind = _run("mount", "--bind", str(source), str(mount))
    if bind.returncode:
        pytest.skip(f"cannot bind-mount here ({bind.stderr.strip()}): read-only media not tested")
    try:
        remount = _run("mount", "-o", "remount,ro,bind", str(mount))
        if remount.returncode:
            pytest.skip(f"cannot remount read-only ({remount.stderr.strip()})")
        probe = mount / "probe"
        with pytest.raises(OSError):
            probe.write_text("x")
        yield mount
    finally:
        _run("umount", str(mount))


def _commands(root: Path) -> dict[str, tuple[list[str], str]]:
    """command -> (arguments, something its output must have)"""
    a = ["--archive", str(root)]
    return {
        "search": (["search", "台湾选举", *a], "台湾选举新闻"),
        "search-short-word": (["search", "台湾", "--json", *a], '"source": "zaobao"'),
        "export": (["export", *a], '"id": "story20240301-8200000"'),
        "stats": (["stats", *a], f"articles: {ARTICLES}"),
        "verify": (["verify", *a], "no problems"),
        "status": (["status", *a], run_report(2)["id"]),
    }


@pytest.mark.parametrize("command", list(_commands(Path("x"))))
def test_read_commands_work_on_read_only_media(read_only_archive, command):
    args, expected = _commands(read_only_archive)[command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert expected in result.output
    if command == "export":
        assert len(result.stdout.splitlines()) == ARTICLES
    assert "no runs recorded" not in result.output


@pytest.fixture
def ro_fails(monkeypatch):
    """SQLite as on read-only media: ``mode=ro`` cannot open; the folder says it is read-only."""
    real = sqlite3.connect

    def connect(database, *args, **kwargs):
        if "mode=ro" in str(database):
            raise sqlite3.OperationalError("unable to open database file")
        return real(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(catalog_file, "_read_only_fs", lambda folder: True)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("ro-path") / "archive")


@pytest.mark.parametrize("command", list(_commands(Path("x"))))
def test_read_commands_open_the_catalog_immutable_when_read_only_fails(archive, ro_fails, command):
    args, expected = _commands(archive)[command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert expected in result.output


def test_the_reader_opens_the_catalog_immutable_when_read_only_fails(archive, ro_fails):
    with Reader(archive) as reader:
        assert reader.count() == ARTICLES
        assert [h.id for h in reader.search("第3篇")] == ["story20240304-8200003"]


def test_status_reads_the_run_reports_when_there_is_no_catalog(tmp_path):
    archive = make_archive(tmp_path / "archive", articles=1, runs=2)
    (archive / "catalog.db").unlink()
    result = CliRunner().invoke(main, ["status", "--json", "--archive", str(archive)])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in result.output.splitlines()]
    assert ids == [run_report(2)["id"], run_report(1)["id"]]
