"""Run reports: one JSON file per run in ``ARCHIVE_DIR/_runs/`` and a row in the ``runs`` table."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from crawler.store.atomic import write_atomic
from crawler.store.catalog import Catalog, CatalogDamaged, is_damage

RUNS_DIR = "_runs"
COUNTS = ("new", "updated", "unchanged", "skipped", "failed")


def write_run_report(archive_dir: Path | str, report: dict) -> Path:
    """Write `report` (its ``id`` names the file) and record it in the catalog; returns the file."""
    root = Path(archive_dir)
    path = root / RUNS_DIR / f"{report['id']}.json"
    write_atomic(path, json.dumps(report, ensure_ascii=False, indent=2) + "\n", root=root)
    catalog = Catalog(root / "catalog.db")
    try:
        with catalog.db.atomic():
            record_run(catalog, report)
    finally:
        catalog.close()
    return path


def record_run(catalog: Catalog, report: dict) -> None:
    """Insert or replace the ``runs`` row of `report` (inside the caller's transaction)."""
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


def restore_runs(catalog: Catalog, archive_dir: Path | str) -> int:
    """Record the reports in ``_runs/`` that the ``runs`` table lacks (a rebuilt catalog);
    returns how many. Unreadable report files are skipped."""
    known = {row["id"] for row in catalog.db.query("select id from runs")}
    restored = 0
    for file in sorted((Path(archive_dir) / RUNS_DIR).glob("*.json")):
        try:
            report = json.loads(file.read_text(encoding="utf-8"))
            if report["id"] in known:
                continue
            record_run(catalog, report)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        restored += 1
    return restored


def last_runs(archive_dir: Path | str, limit: int = 10) -> list[dict]:
    """The newest `limit` run reports, newest first: from the catalog, or from ``_runs/`` when
    there is no catalog or it is older than run reports. Raises CatalogDamaged when the catalog
    cannot be read (never says "no runs" for runs it could not read)."""
    root = Path(archive_dir)
    path = root / "catalog.db"
    if not path.exists():
        return reports_from_files(root, limit)
    catalog = Catalog(path, readonly=True)
    try:
        if not catalog.db["runs"].exists():  # a catalog from before run reports
            return reports_from_files(root, limit)
        rows = catalog.db.query("select report from runs order by started desc limit ?", [limit])
        return [json.loads(row["report"]) for row in rows]
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise CatalogDamaged(path, str(exc)) from exc
        raise
    finally:
        catalog.close()


def reports_from_files(root: Path, limit: int) -> list[dict]:
    """The newest `limit` readable reports of ``_runs/`` (file names are start times)."""
    reports: list[dict] = []
    for file in sorted((root / RUNS_DIR).glob("*.json"), reverse=True):
        if len(reports) >= limit:
            break
        try:
            report = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(report, dict) and "id" in report:
            reports.append(report)
    return reports
