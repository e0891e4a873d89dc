"""The ``newsarchive`` command: a thin layer over extract/ and store/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from crawler.extract import NotAnArticle, extract_article
from crawler.extract.body import plain_text
from crawler.extract.metadata import utc_now
from crawler.store.post import render_post
from crawler.store.runs import COUNTS, last_runs

_SUFFIX = {"md": ".md", "json": ".json", "text": ".txt"}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def main() -> None:
    """Work with a news archive written by the newsarchive crawler (`scrapy crawl zaobao`)."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--url", help="The URL the page was fetched from (default: read from the page).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json", "text"]),
    default="md",
    show_default=True,
    help="md: the post that would be written; json: the fields; text: the clean body only.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write <file stem>.<md|json|txt> per input here instead of printing.",
)
def extract(files: tuple[str, ...], url: str | None, fmt: str, output_dir: Path | None) -> None:
    """Run the crawler's extraction on saved pages.

    \b
    Example:
        newsarchive extract --format json page.html
        newsarchive extract --url https://www.zaobao.com/realtime/china/story20210830-1188123 page.html
        newsarchive extract --format text --output-dir clean/ pages/*.html
    """
    failed = 0
    for name in files:
        path = Path(name)
        try:
            article = extract_article(path.read_bytes(), url or "")
        except NotAnArticle as exc:
            click.echo(f"{name}: no article ({exc})", err=True)
            failed += 1
            continue
        if fmt == "md":
            out = render_post(article, utc_now())
        elif fmt == "json":
            out = json.dumps(article.to_dict(), ensure_ascii=False) + "\n"
        else:
            out = plain_text(article.body) + "\n"
        if output_dir:
            output_dir.mkdir(parents=True, exist_ok=True)
            target = output_dir / (path.stem + _SUFFIX[fmt])
            target.write_text(out, encoding="utf-8")
            click.echo(f"{name} -> {target}", err=True)
        else:
            click.echo(out, nl=False)
    if failed:
        sys.exit(1)


def archive_option(func):
    return click.option(
        "--archive",
        "archive_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default="archive",
        show_default=True,
        help="The archive folder (the crawl's ARCHIVE_DIR).",
    )(func)


@main.command()
@archive_option
@click.option("--last", "limit", type=int, default=10, show_default=True, help="How many runs.")
@click.option("--json", "as_json", is_flag=True, help="The full reports as JSON lines.")
def status(archive_dir: Path, limit: int, as_json: bool) -> None:
    """Show the last runs of the crawler on an archive, newest first.

    \b
    Example:
        newsarchive status --archive /srv/news/archive --last 24
    """
    runs = last_runs(archive_dir, limit)
    if as_json:
        for run in runs:
            click.echo(json.dumps(run, ensure_ascii=False))
        return
    if not runs:
        click.echo(f"no runs recorded in {archive_dir}")
        return
    header = f"{'run':<22} {'spider':<10} {'status':<12} {'secs':>7} {'reqs':>6}"
    header += "".join(f" {c:>9}" for c in COUNTS)
    click.echo(header)
    for run in runs:
        line = f"{run['id']:<22} {run['spider']:<10} {run['status']:<12}"
        line += f" {run['duration_seconds']:>7.1f} {run['requests']:>6}"
        line += "".join(f" {run['counts'].get(c, 0):>9}" for c in COUNTS)
        click.echo(line)
    latest = runs[0]
    if latest.get("problem"):
        click.echo(f"last run: {latest['problem']}")
    if latest.get("failed_reasons"):
        click.echo(
            "last run failed: " + ", ".join(f"{k} {v}" for k, v in latest["failed_reasons"].items())
        )
