"""Every `newsarchive` subcommand given absurd arguments: exit 2, one line on stderr naming what
is wrong, no traceback, and nothing created (no archive made for a folder that does not exist).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main

from .test_store_damaged_catalog import make_archive

HUGE = "99999999999999999999"
#: placeholders filled in by the test: ARCHIVE (a sound archive), MISSING (a folder that does
#: not exist), EMPTY (an existing folder that is no archive), FILE (a plain file), TMP (a
#: writable folder)
CASES: dict[str, list[str]] = {
    # search
    "search-empty-query": ["search", "", "--archive", "ARCHIVE"],
    "search-blank-query": ["search", "   ", "--archive", "ARCHIVE"],
    "search-quotes-only": ["search", '""', "--archive", "ARCHIVE"],
    "search-limit-0": ["search", "台湾", "--limit", "0", "--archive", "ARCHIVE"],
    "search-limit-negative": ["search", "台湾", "--limit", "-5", "--archive", "ARCHIVE"],
    "search-limit-huge": ["search", "台湾", "--limit", HUGE, "--archive", "ARCHIVE"],
    "search-limit-text": ["search", "台湾", "--limit", "many", "--archive", "ARCHIVE"],
    "search-since-after-until": [
        "search",
        "台湾",
        "--since",
        "2024-02-01",
        "--until",
        "2024-01-01",
        "--archive",
        "ARCHIVE",
    ],  # fmt: skip
    "search-bad-day": ["search", "台湾", "--since", "2024-13-45", "--archive", "ARCHIVE"],
    "search-not-a-day": ["search", "台湾", "--until", "yesterday", "--archive", "ARCHIVE"],
    "search-missing-archive": ["search", "台湾", "--archive", "MISSING"],
    "search-not-an-archive": ["search", "台湾", "--archive", "EMPTY"],
    "search-archive-is-a-file": ["search", "台湾", "--archive", "FILE"],
    # export
    "export-since-after-until": [
        "export",
        "--since",
        "2025-01-01",
        "--until",
        "2024-01-01",
        "--archive",
        "ARCHIVE",
    ],  # fmt: skip
    "export-output-in-missing-folder": [
        "export",
        "-o",
        "MISSING/out.jsonl",
        "--archive",
        "ARCHIVE",
    ],
    "export-output-under-a-file": ["export", "-o", "FILE/out.jsonl", "--archive", "ARCHIVE"],
    "export-output-is-a-folder": ["export", "-o", "TMP", "--archive", "ARCHIVE"],
    "export-output-unwritable": ["export", "-o", "/sys/out.jsonl", "--archive", "ARCHIVE"],
    "export-bad-format": ["export", "--format", "xml", "--archive", "ARCHIVE"],
    "export-missing-archive": ["export", "--archive", "MISSING"],
    # stats
    "stats-days-negative": ["stats", "--days", "-1", "--archive", "ARCHIVE"],
    "stats-days-huge": ["stats", "--days", HUGE, "--archive", "ARCHIVE"],
    "stats-since-after-until": [
        "stats",
        "--since",
        "2024-03-02",
        "--until",
        "2024-03-01",
        "--archive",
        "ARCHIVE",
    ],  # fmt: skip
    "stats-missing-archive": ["stats", "--archive", "MISSING"],
    # status
    "status-last-negative": ["status", "--last", "-1", "--archive", "ARCHIVE"],
    "status-last-0": ["status", "--last", "0", "--archive", "ARCHIVE"],
    "status-last-huge": ["status", "--last", HUGE, "--archive", "ARCHIVE"],
    "status-missing-archive": ["status", "--archive", "MISSING"],
    # verify, reindex, reextract
    "verify-missing-archive": ["verify", "--archive", "MISSING"],
    "reindex-missing-archive": ["reindex", "--archive", "MISSING"],
    "reindex-not-an-archive": ["reindex", "--archive", "EMPTY"],
    "reextract-missing-archive": ["reextract", "--archive", "MISSING"],
    "reextract-not-an-archive": ["reextract", "--warc", "FILE", "--archive", "EMPTY"],
    "reextract-missing-warc": ["reextract", "--warc", "MISSING/x.warc.gz", "--archive", "ARCHIVE"],
    # ingest (validated before Redis is asked for anything)
    "ingest-until-idle-negative": [
        "ingest",
        "--redis",
        "redis://127.0.0.1:9/0",
        "--until-idle",
        "-1",
    ],
    "ingest-until-idle-nan": ["ingest", "--redis", "redis://127.0.0.1:9/0", "--until-idle", "nan"],
    "ingest-until-idle-huge": [
        "ingest",
        "--redis",
        "redis://127.0.0.1:9/0",
        "--until-idle",
        "1e400",
    ],
    "ingest-lease-ttl-0": ["ingest", "--redis", "redis://127.0.0.1:9/0", "--lease-ttl", "0"],
    "ingest-lease-ttl-huge": ["ingest", "--redis", "redis://127.0.0.1:9/0", "--lease-ttl", HUGE],
    "ingest-not-a-redis-url": ["ingest", "--redis", "localhost:6379"],
    # extract
    "extract-missing-page": ["extract", "MISSING/page.html"],
    "extract-output-dir-is-a-file": ["extract", "--output-dir", "FILE", "FILE"],
    "extract-output-dir-unwritable": ["extract", "--output-dir", "/sys/clean", "FILE"],
    "extract-bad-format": ["extract", "--format", "pdf", "FILE"],
}


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("absurd")
    (tmp / "empty").mkdir()
    (tmp / "file.txt").write_text("<html><p>not much</p></html>")
    return {
        "ARCHIVE": make_archive(tmp / "archive", articles=2, runs=1),
        "MISSING": tmp / "typo",
        "EMPTY": tmp / "empty",
        "FILE": tmp / "file.txt",
        "TMP": tmp,
    }


def _fill(args: list[str], places: dict[str, Path]) -> list[str]:
    filled = []
    for arg in args:
        for name, path in places.items():
            if arg == name or arg.startswith(name + "/"):
                arg = str(path) + arg[len(name) :]
        filled.append(arg)
    return filled


@pytest.mark.parametrize("case", CASES)
def test_absurd_arguments_are_a_one_line_usage_error(places, case, monkeypatch):
    monkeypatch.chdir(places["TMP"])  # the default ./archive does not exist here
    before = sorted(p.relative_to(places["TMP"]) for p in places["TMP"].rglob("*"))
    result = CliRunner().invoke(main, _fill(CASES[case], places), prog_name="newsarchive")
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newsarchive"), lines[0]
    assert "Traceback" not in result.output
    assert not places["MISSING"].exists(), "a command made the archive it was wrongly given"
    after = sorted(p.relative_to(places["TMP"]) for p in places["TMP"].rglob("*"))
    created = [p for p in after if p not in before and p.name not in ("catalog.db-shm",)]
    assert created == [], f"files created: {created}"


def test_export_to_a_file_is_written_whole(places, tmp_path):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        main, ["export", "-o", str(out), "--archive", str(places["ARCHIVE"])]
    )
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"], "a temp file was left"


def test_the_last_day_there_is_is_a_day_like_any_other(places):
    archive = str(places["ARCHIVE"])
    result = CliRunner().invoke(
        main, ["search", "台湾", "--until", "9999-12-31", "--archive", archive]
    )
    assert result.exit_code == 0, result.output
    assert "台湾选举新闻" in result.output
