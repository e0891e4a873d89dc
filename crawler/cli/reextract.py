"""``newsarchive reextract``: extract recorded WARC captures again, rewrite changed posts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.common import progress_bar, warcs_option
from crawler.cli.group import archive_option, main
from crawler.store.archive import Archive
from crawler.store.catalog import CATALOG_NAME, check_catalog
from crawler.store.lock import ArchiveLock, ArchiveLocked
from crawler.store.reextract import FAILED, article_captures, reextract, warc_files
from crawler.store.run_status import EXIT_LOCKED


@main.command(name="reextract")
@archive_option
@warcs_option
@click.option("--add-new", is_flag=True, help="Also write articles the archive does not have.")
def reextract_command(archive_dir: Path, warcs: tuple[Path, ...], add_new: bool) -> None:
    """Run extraction again over recorded WARC captures (after a rule or extractor fix) and
    rewrite the posts whose result changed; the previous versions are kept as revisions.

    Uses the latest capture of each article; never one older than the post's last change.
    Exits with 1 if an extraction failed, with 75 if a crawl holds the archive.

    \b
    Example:
        newsarchive reextract --archive /srv/news/archive --warc /srv/news/warc
        newsarchive reextract --warc demo/zaobao-demo.warc.gz --add-new
    """
    if not (archive_dir / CATALOG_NAME).is_file():
        raise click.BadParameter(
            f"{archive_dir} is not an archive (no {CATALOG_NAME})", param_hint="'--archive'"
        )
    paths = list(warcs) or [archive_dir / "warc"]
    if not warcs and not paths[0].is_dir():
        raise click.ClickException(f"no {paths[0]} folder: name the WARC files with --warc")
    try:
        with ArchiveLock(archive_dir):
            check_catalog(archive_dir)  # a damaged one: the one message, nothing written
            archive = Archive(archive_dir)
            try:
                captures = article_captures(warc_files(paths))
                counts = reextract(archive, captures, add_new, progress=progress_bar)
            finally:
                archive.close()
    except ArchiveLocked as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_LOCKED)
    summary = ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "nothing"
    click.echo(f"re-extracted {sum(counts.values())} article captures: {summary}")
    if counts[FAILED]:
        sys.exit(1)
