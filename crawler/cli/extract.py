"""``newsarchive extract``: the crawler's extraction on saved pages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from crawler.cli.common import writable_dir
from crawler.cli.group import main
from crawler.extract import NotAnArticle, extract_article
from crawler.extract.body import plain_text
from crawler.extract.metadata import utc_now
from crawler.store.post import render_post
from crawler.store.publish_safety import UnpublishableArticle

_SUFFIX = {"md": ".md", "json": ".json", "text": ".txt"}


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
    callback=writable_dir,
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
            try:
                out = render_post(article, utc_now())
            except UnpublishableArticle as exc:
                hint = "; give the page's URL with --url" if exc.key == "from" else ""
                click.echo(f"{name}: not publishable as a post ({exc}){hint}", err=True)
                failed += 1
                continue
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
