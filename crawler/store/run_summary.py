"""A run report (crawler/store/run_report.py) as a few readable lines: the end of every run's log.

One renderer for every kind of run: a crawl, a distributed worker, the ingester. Only the first
line differs (the ingester counts items and worker reports, not requests and pages); a part the
report does not have (links, images, health for the ingester) is left out.
"""

from __future__ import annotations

from crawler.store.run_report import EXTRA, HEALTH_MARKS, HEALTH_TITLES
from crawler.store.run_status import INGESTER, WORKER
from crawler.store.runs import COUNTS


def summary(report: dict) -> str:
    """The report as a few readable lines."""
    lines = [_headline(report)]
    if report["problem"]:
        lines.append(f"  problem: {report['problem']}")
    lines.extend(counts_table(report))
    for title in ("skipped", "failed"):
        reasons = report.get(f"{title}_reasons")
        if reasons:
            lines.append(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
    extra = {k: report["counts"][k] for k in EXTRA if report["counts"].get(k)}
    if extra:
        lines.append("  also: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in extra.items()))
    lines.extend(_link_lines(report))
    lines.extend(_image_lines(report))
    lines.extend(_health_lines(report))
    return "\n".join(lines)


def _headline(report: dict) -> str:
    outcome = f"{report['status'].upper()} (exit {report['exit_code']})"
    if report.get("role") == INGESTER:
        return (
            f"ingest {report['id']}: {outcome} in {report['duration_seconds']:.1f} s,"
            f" {report['items']} items ({report['recovered']} left by a stopped ingester),"
            f" {report['worker_reports']} worker reports"
        )
    return (
        f"run {report['id']} ({report['spider']}): {outcome}"
        f" in {report['duration_seconds']:.1f} s, {report['requests']} requests,"
        f" {report['pages_reached']} pages reached"
    )


def counts_table(report: dict) -> list[str]:
    """The counts of new/updated/unchanged/skipped/failed, a line per source and the total."""
    lines = ["  " + f"{'source':<16}" + "".join(f"{c:>11}" for c in COUNTS)]
    totals = {c: report["counts"][c] for c in COUNTS}
    for source, counts in [*sorted(report["sources"].items()), ("total", totals)]:
        lines.append("  " + f"{source:<16}" + "".join(f"{counts.get(c, 0):>11}" for c in COUNTS))
    return lines


def _link_lines(report: dict) -> list[str]:
    """Where the run's links went; a warning when they do not add up."""
    links = report.get("links") or {}
    if not links.get("total"):
        return []
    ended = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in links["outcomes"].items() if v)
    lines = [f"  links: {links['total']} requested: {ended}"]
    for title in ("duplicate", "ignored"):
        reasons = links.get(f"{title}_reasons")
        if reasons:
            lines.append(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
    if links["unfinished"] and report.get("role") == WORKER:
        lines.append(f"  left to the shared queue (other workers): {links['unfinished']}")
    elif links["unfinished"]:
        lines.append(f"  not fetched (the run stopped first): {links['unfinished']}")
    if links["unaccounted"]:
        lines.append(
            f"  WARNING {links['unaccounted']} links ended without exactly one counted outcome"
        )
    return lines


def _image_lines(report: dict) -> list[str]:
    images = report.get("images") or {}
    parts = [f"downloaded {images['downloaded']}"] if images.get("downloaded") else []
    for title in ("failed", "skipped"):
        parts += [f"{title} {k} {v}" for k, v in (images.get(title) or {}).items()]
    return ["  images: " + ", ".join(parts)] if parts else []


def _health_lines(report: dict) -> list[str]:
    """The health table: per source, the share of articles lacking each thing."""
    health = report.get("health") or {}
    if not health:
        return [f"  WARNING drift {w}" for w in report.get("drift_warnings", [])]
    marks = (*HEALTH_MARKS, "empty_body")
    lines = [
        "  " + f"{'health':<16}{'articles':>11}" + "".join(f"{HEALTH_TITLES[m]:>12}" for m in marks)
    ]
    for source, counts in health.items():
        shares = "".join(f"{counts['share'][m]:>12.0%}" for m in marks)
        lines.append("  " + f"{source:<16}{counts['articles']:>11}" + shares)
    if report.get("incomplete_reasons"):
        reasons = report["incomplete_reasons"]
        lines.append("  incomplete: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
    for warning in report.get("health_warnings", []):
        lines.append(f"  WARNING {warning}: has the site changed?")
    for warning in report.get("drift_warnings", []):
        lines.append(f"  WARNING drift {warning}")
    return lines
