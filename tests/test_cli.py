"""`newsarchive extract` through click's CliRunner, on our fixtures and the real pages."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import CORPUS, FIXTURES

from crawler.cli import main
from crawler.store.post import parse_post
from crawler.store.runs import write_run_report

ERA2021 = FIXTURES / "zaobao" / "era2021_article_body.html"
EXPECTED = json.loads((FIXTURES / "zaobao" / "era2021_article_body.expected.json").read_text())


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_md_prints_the_post_that_would_be_written():
    result = run("extract", "--url", EXPECTED["url"], str(ERA2021))
    assert result.exit_code == 0, result.output
    meta, body = parse_post(result.output)
    assert meta["title"] == EXPECTED["title"] and meta["layout"] == "post"
    assert meta["date"].isoformat() == EXPECTED["published"]
    assert "dfp-ad" not in body and body.count("\n\n") == EXPECTED["paragraphs"] - 1


def test_json_prints_the_fields_and_the_source_is_guessed_from_the_page():
    result = run("extract", "--format", "json", str(ERA2021))
    assert result.exit_code == 0, result.output
    fields = json.loads(result.output)
    assert fields["source"] == "zaobao" and fields["title"] == EXPECTED["title"]
    assert fields["url"].startswith("https://www.zaobao.com/")


def test_text_prints_the_clean_body_only():
    result = run("extract", "--format", "text", "--url", EXPECTED["url"], str(ERA2021))
    assert result.exit_code == 0
    assert not result.output.startswith("---") and "<" not in result.output
    for snippet in EXPECTED["must_contain"]:
        assert snippet in result.output


@pytest.mark.parametrize(("fmt", "suffix"), [("md", ".md"), ("json", ".json"), ("text", ".txt")])
def test_output_dir_writes_one_file_per_input(tmp_path, fmt, suffix):
    pages = sorted(
        p
        for p in (FIXTURES / "zaobao").glob("*.html")
        if "404" not in p.name and "listing" not in p.name
    )
    result = run(
        "extract", "--format", fmt, "--output-dir", str(tmp_path / "out"), *map(str, pages)
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.stem + suffix for p in pages
    )


def test_a_page_without_an_article_is_reported_and_exits_non_zero(tmp_path):
    result = run("extract", str(FIXTURES / "zaobao" / "error_404.html"), str(ERA2021))
    assert result.exit_code == 1
    assert "error_404.html: no article" in result.output
    assert EXPECTED["title"] in result.output  # the other file was still extracted


def test_pages_of_other_sites_use_the_generic_rules():
    page = CORPUS / "pages" / "bbc_zhongwen" / "bbc.co.uk_zhongwen_simp_2012_liangzhenying.html"
    if not page.exists():
        pytest.skip(f"corpus page missing: {page}")
    result = run("extract", "--format", "json", str(page))
    assert result.exit_code == 0, result.output
    fields = json.loads(result.output)
    assert "梁振英" in fields["title"] and "梁振英" in fields["body"]
    assert "浏览协助" not in fields["body"]  # the site's navigation is not article text


def test_help_has_an_example():
    result = run("extract", "--help")
    assert result.exit_code == 0 and "Example:" in result.output


def _report(run_id: str, status: str, new: int, failed_reasons: dict | None = None) -> dict:
    return {
        "id": run_id,
        "spider": "zaobao",
        "started": f"2026-11-21T{run_id[9:11]}:00:00+00:00",
        "finished": f"2026-11-21T{run_id[9:11]}:00:09+00:00",
        "duration_seconds": 9.0,
        "status": status,
        "problem": None if status == "ok" else "no page could be fetched",
        "exit_code": 0 if status == "ok" else 1,
        "requests": 12,
        "counts": {"new": new, "updated": 0, "unchanged": 0, "skipped": 1, "failed": 0},
        "failed_reasons": failed_reasons or {},
    }


def test_status_shows_the_last_runs_newest_first(tmp_path):
    write_run_report(tmp_path, _report("20261121T010000.000Z", "ok", 7))
    write_run_report(tmp_path, _report("20261121T020000.000Z", "failed", 0, {"dns": 24}))
    result = run("status", "--archive", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith("20261121T020000.000Z") and "failed" in lines[1]
    assert lines[2].startswith("20261121T010000.000Z") and " 7 " in lines[2]
    assert "no page could be fetched" in result.output and "dns 24" in result.output
    as_json = run("status", "--archive", str(tmp_path), "--json", "--last", "1")
    assert [json.loads(line)["id"] for line in as_json.output.splitlines()] == [
        "20261121T020000.000Z"
    ]
    assert (tmp_path / "_runs" / "20261121T010000.000Z.json").exists()


def test_status_of_an_archive_without_runs(tmp_path):
    result = run("status", "--archive", str(tmp_path))
    assert result.exit_code == 0 and "no runs recorded" in result.output
