"""``newsarchive search``: full-text search, in Traditional or Simplified script."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from crawler.cli.common import COUNT, filter_options, open_reader
from crawler.cli.group import archive_option, main
from crawler.store.search import Query, hit_spans


def _words(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not Query.parse(value).terms:
        raise click.BadParameter("give at least one word to search for")
    return value


@main.command()
@click.argument("query", callback=_words)
@archive_option
@filter_options
@click.option("--agency", default=None, help="Only stories from this agency (来源, e.g. 新华社).")
@click.option("--limit", type=COUNT, default=20, show_default=True, help="At most this many hits.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
def search(
    query: str,
    archive_dir: Path,
    source: str | None,
    since: date | None,
    until: date | None,
    agency: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Search titles and bodies; best hits first.

    All words of QUERY (separated by spaces) must occur; "..." keeps a phrase together. A word
    in either script finds both (臺灣 finds 台湾 and the reverse), with no word segmentation:
    a Chinese word is found inside longer ones, one character wherever it occurs. Hits whose
    title has the words come first, then by BM25; the hits are shown in bold in the snippet.

    \b
    Example:
        newsarchive search 台湾选举
        newsarchive search "選舉 台灣" --source zaobao --since 2024-01-01 --limit 5
        newsarchive search '"united states" 中国'
        newsarchive search 美国 --json | jq -r .url
        newsarchive search 台湾 --agency 新华社
    """
    with open_reader(archive_dir) as reader:
        try:
            hits = reader.search(
                query, source=source, since=since, until=until, limit=limit, agency=agency
            )
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    if not hits:
        click.echo(f"no article matches {query!r}", err=True)
        return
    terms = Query.parse(query).terms
    for n, hit in enumerate(hits, start=1):
        if as_json:
            click.echo(json.dumps(hit.record(), ensure_ascii=False))
            continue
        when = hit.published[:16].replace("T", " ")
        click.echo(f"{n:>2}. {click.style(hit.title, bold=True)}")
        origin = f"{hit.source} ({hit.agency})" if hit.agency else hit.source
        click.echo(f"    {when} · {origin} · {hit.url}")
        click.echo(f"    {_highlighted(hit.snippet, terms)}")


def _highlighted(text: str, terms: list[str]) -> str:
    """`text` with the hits in bold (click drops the styling when stdout is not a terminal)."""
    out, last = [], 0
    for start, end in hit_spans(text, terms):
        out += [text[last:start], click.style(text[start:end], bold=True)]
        last = end
    return "".join([*out, text[last:]])
