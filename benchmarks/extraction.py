"""Extraction quality: our extraction next to plain trafilatura, per dataset of the eval corpus.

    .venv/bin/python benchmarks/extraction.py [--eval DIR] [--dataset NAME ...] [--per-page]
                                              [--jobs N] [--json OUT.json]

Every page is read as RAW BYTES with no charset hint (the json's ``html_encoding`` is not used):
a crawler meeting the page without a usable HTTP header sees just that.

- ours: what ``newsarchive extract --format text FILE`` prints: `extract_article(bytes, "")`,
  then the body as plain text (no article found = an empty prediction);
- trafilatura: ``trafilatura.extract(bytes)`` with its defaults.

Scored with the metric of the shared scorer (``shared/tools/score_extraction.py``, imported from
there, not copied): bag of tokens (one CJK character or one run of letters/digits) for full-text
gold, with/without snippets for snippet gold; macro mean of per-page P/R/F1 per dataset, and
over every Chinese page once ("ALL zh pages": the Chinese datasets' pages and the pages of the
other datasets whose json says ``lang: zh``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared"
EVAL = SHARED / "corpus" / "eval"
SCORER = SHARED / "tools" / "score_extraction.py"
#: the Chinese-language datasets, whose mean F1 is the headline figure
CHINESE = ("cwced_zh", "readability_zh", "trafilatura_zh")


def load_scorer(path: Path = SCORER):
    """The shared scorer as a module (imported from its own path)."""
    if not path.is_file():
        sys.exit(f"the shared scorer is absent: {path}")
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(raw: bytes) -> str:
    """The body text `newsarchive extract --format text` gives for a saved page."""
    from crawler.extract import NotAnArticle, extract_article
    from crawler.extract.body import plain_text

    try:
        return plain_text(extract_article(raw, "").body)
    except NotAnArticle:
        return ""


def plain_trafilatura(raw: bytes) -> str:
    import trafilatura

    return trafilatura.extract(raw) or ""


def predict(html_path: str) -> tuple[str, str]:
    raw = Path(html_path).read_bytes()
    return ours(raw), plain_trafilatura(raw)


def score(scorer, prediction: str, meta: dict) -> dict:
    if meta.get("gold_type") == "snippets":
        return scorer.score_snippets(prediction, meta.get("with", []), meta.get("without", []))
    return scorer.score_text(prediction, meta.get("text", ""), 1)


def run(eval_dir: Path, datasets: list[str] | None, jobs: int | None) -> list[dict]:
    scorer = load_scorer()
    pages = []
    for page_id, json_path in scorer.find_pages(str(eval_dir)):
        dataset = Path(json_path).parent.name
        if datasets and dataset not in datasets:
            continue
        meta = json.loads(Path(json_path).read_text(encoding="utf-8"))
        pages.append((page_id, dataset, meta, json_path[: -len(".json")] + ".html"))
    if not pages:
        sys.exit(f"no eval pages under {eval_dir}")
    with ProcessPoolExecutor(jobs) as pool:
        predictions = list(pool.map(predict, [p[3] for p in pages], chunksize=4))
    results = []
    for (page_id, dataset, meta, _), (our_text, traf_text) in zip(pages, predictions, strict=True):
        results.append(
            {
                "id": page_id,
                "dataset": dataset,
                "lang": meta.get("lang", ""),
                "ours": score(scorer, our_text, meta),
                "trafilatura": score(scorer, traf_text, meta),
            }
        )
    return results


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def summarise(results: list[dict]) -> dict:
    by_dataset = defaultdict(list)
    for r in results:
        by_dataset[r["dataset"]].append(r)
    table = {}
    for dataset, rows in sorted(by_dataset.items()):
        table[dataset] = {"pages": len(rows)} | {
            tool: {k: _mean(r[tool][k] for r in rows) for k in ("P", "R", "F1")}
            for tool in ("ours", "trafilatura")
        }
    overall = {
        tool: {k: _mean(r[tool][k] for r in results) for k in ("P", "R", "F1")}
        for tool in ("ours", "trafilatura")
    }
    chinese = [d for d in CHINESE if d in table]
    zh_mean = {
        tool: _mean(table[d][tool]["F1"] for d in chinese) for tool in ("ours", "trafilatura")
    }
    # every Chinese page once: the Chinese datasets' and the Chinese pages of the others (aeb)
    zh_rows = [r for r in results if r["dataset"] in chinese or r.get("lang") == "zh"]
    zh_pages = {
        tool: {k: _mean(r[tool][k] for r in zh_rows) for k in ("P", "R", "F1")}
        for tool in ("ours", "trafilatura")
    }
    return {
        "datasets": table,
        "overall": overall,
        "chinese_mean_f1": zh_mean,
        "chinese_pages_prf": zh_pages,
        "chinese": chinese,
        "chinese_pages": len(zh_rows),
    }


def _cells(figures: dict) -> str:
    return " ".join(f"{figures[k]:6.3f}" for k in ("P", "R", "F1"))


def table_text(summary: dict, pages: int) -> str:
    head = f"{'dataset':<16} {'pages':>5}   {'ours P':>6} {'R':>6} {'F1':>6}   {'traf P':>6} {'R':>6} {'F1':>6}"
    lines = [head, "-" * len(head)]
    for dataset, row in summary["datasets"].items():
        lines.append(
            f"{dataset:<16} {row['pages']:>5}   {_cells(row['ours'])}   {_cells(row['trafilatura'])}"
        )
    lines.append("-" * len(head))
    overall = summary["overall"]
    lines.append(
        f"{'ALL (macro)':<16} {pages:>5}   {_cells(overall['ours'])}   {_cells(overall['trafilatura'])}"
    )
    zh, pooled = summary["chinese_mean_f1"], summary["chinese_pages_prf"]
    names = ", ".join(summary["chinese"])
    lines.append(
        f"mean F1 of the Chinese datasets ({names}):"
        f" ours {zh['ours']:.3f}, trafilatura {zh['trafilatura']:.3f}"
    )
    lines.append(
        f"{'ALL zh pages':<16} {summary['chinese_pages']:>5}"
        f"   {_cells(pooled['ours'])}   {_cells(pooled['trafilatura'])}"
        "   (every Chinese page once)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=EVAL, help="the eval corpus root")
    parser.add_argument("--dataset", action="append", help="only this dataset (repeatable)")
    parser.add_argument("--per-page", action="store_true", help="print each page's F1 too")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all)")
    parser.add_argument("--json", type=Path, help="write per-page results and the summary here")
    args = parser.parse_args()
    results = run(args.eval, args.dataset, args.jobs)
    summary = summarise(results)
    if args.per_page:
        print(f"{'id':<44} {'dataset':<15} {'ours F1':>7} {'traf F1':>7}")
        for r in results:
            print(
                f"{r['id'][:44]:<44} {r['dataset']:<15}"
                f" {r['ours']['F1']:7.3f} {r['trafilatura']['F1']:7.3f}"
            )
        print()
    print(table_text(summary, len(results)))
    if args.json:
        args.json.write_text(
            json.dumps({"summary": summary, "pages": results}, ensure_ascii=False, indent=1)
        )


if __name__ == "__main__":
    main()
