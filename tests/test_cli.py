"""`newsarchive extract` through click's CliRunner, on our fixtures and the real pages."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import CORPUS, FIXTURES

from crawler.cli import main
from crawler.store.post import parse_post

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
