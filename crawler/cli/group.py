"""The ``newsarchive`` command group and the options its commands share."""

from __future__ import annotations

from pathlib import Path

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def main() -> None:
    """Work with a news archive written by the newsarchive crawler (`scrapy crawl zaobao`)."""


def archive_option(func):
    """``--archive DIR`` (default ./archive), passed as `archive_dir`."""
    return click.option(
        "--archive",
        "archive_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default="archive",
        show_default=True,
        help="The archive folder (the crawl's ARCHIVE_DIR).",
    )(func)
