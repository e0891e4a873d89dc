"""``newsarchive reindex``: rebuild the catalog (articles + search index) from the post files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.common import progress_bar
from crawler.cli.group import archive_option, main
from crawler.store.lock import ArchiveLocked
from crawler.store.reindex import reindex as reindex_archive
from crawler.store.run_status import EXIT_LOCKED


@main.command()
@archive_option
def reindex(archive_dir: Path) -> None:
    """Rebuild the catalog's articles and search index from the post files.

    A deleted post disappears from the catalog; an edited one is recorded as it is now. Run
    history, revisions and aliases are kept. A post file that cannot be read is left out and
    printed (exit 1). Waits for no crawl: if one holds the archive, exits with 75.

    A damaged catalog (truncated, garbage, another schema) is moved aside as
    catalog.db.damaged-<time> and rebuilt from the post files, with the run history from
    ARCHIVE_DIR/_runs/; its revisions and aliases stay in the moved file.

    \b
    Example:
        newsarchive reindex --archive /srv/news/archive && newsarchive verify --archive /srv/news/archive
    """
    if not (archive_dir / "_posts").is_dir() and not (archive_dir / "catalog.db").is_file():
        raise click.BadParameter(
            f"{archive_dir} has no posts and no catalog", param_hint="'--archive'"
        )
    try:
        result = reindex_archive(archive_dir, progress=progress_bar)
    except ArchiveLocked as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_LOCKED)
    if result.damaged is not None:
        click.echo(
            f"{result.damage}; moved it aside as {result.damaged.name} (its revisions and "
            "aliases are there) and rebuilt the catalog from the post files",
            err=True,
        )
    for line in result.recovered:
        click.echo(f"recovered: {line}", err=True)
    for problem in result.skipped:
        click.echo(str(problem))
    click.echo(
        f"reindexed {result.articles} articles; removed {result.removed} rows without a file"
        + (f"; restored {result.runs_restored} run reports" if result.runs_restored else "")
        + (f"; left out {len(result.skipped)} files" if result.skipped else ""),
        err=True,
    )
    if result.skipped:
        sys.exit(1)
