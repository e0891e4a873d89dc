"""Run reports: one JSON file per run in ``ARCHIVE_DIR/_runs/`` and a row in the ``runs`` table."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from crawler.store.atomic import write_atomic
from crawler.store.catalog import Catalog

RUNS_DIR = "_runs"
COUNTS = ("new", "updated", "unchanged", "skipped", "failed")


def write_run_report(archive_dir: Path | str, report: dict) -> Path:
    """Write `report` (its ``id`` names the file) and record it in the catalog; returns the file."""
    root = Path(archive_dir)
    path = root / RUNS_DIR / f"{report['id']}.json"
    write_atomic(path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    catalog = Catalog(root / "catalog.db")
    try:
        with catalog.db.atomic():
            catalog.db["runs"].upsert(
                {
                    "id": report["id"],
                    "started": report["started"],
                    "finished": report["finished"],
                    "status": report["status"],
                    "exit_code": report["exit_code"],
                    "requests": report["requests"],
                    **{name: report["counts"].get(name, 0) for name in COUNTS},
                    "report": json.dumps(report, ensure_ascii=False),
                },
                pk="id",
            )
    finally:
        catalog.close()
    return path


def last_runs(archive_dir: Path | str, limit: int = 10) -> list[dict]:
    """The newest `limit` run reports, newest first."""
    path = Path(archive_dir) / "catalog.db"
    if not path.exists():
        return []
    catalog = Catalog(path, readonly=True)
    try:
        rows = catalog.db.query("select report from runs order by started desc limit ?", [limit])
        return [json.loads(row["report"]) for row in rows]
    except sqlite3.OperationalError:  # a catalog from before run reports: no runs table yet
        return []
    finally:
        catalog.close()
