"""How much of the article body cleanup keeps, and how much else it lets through.

Per page: precision, recall and F1 of the lower-cased word multiset of the predicted body
against the gold body; then their means. Scored for Newsdesk's cleanup and for a do-nothing
baseline (the pasted text as it came), on the dev set of real pages when it is there
(``<repo>/../shared/eval/aeb-dev`` or ``--dev-set``) and on our own fixture pages
(``tests/fixtures/cleanup/*.txt`` with ``*.gold.txt``).

The shipped line model is trained on the dev pages, so on them the in-sample score flatters;
the headline figure is cross-validated: pages are split into folds by site, a model is
trained on the other folds and each page is scored by a model that never saw its site.
With ``--splits N`` it is done again over N - 1 other random splits of the sites, and the
mean printed: one split's figure moves by about 0.01 with the draw.

With ``--html`` the HTML path is scored too, beside trafilatura's own extraction of the same
pages' HTML. Time per page and per 1,000 raw words is for one core, cleanup only.

    python bench/cleanup_quality.py [--dev-set PATH] [--folds 5] [--splits 3] [--html] [--no-cv]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workers.cleanup import clean  # noqa: E402

DEFAULT_DEV_SET = REPO.parent / "shared" / "eval" / "aeb-dev"
FIXTURES = REPO / "tests" / "fixtures" / "cleanup"
_WORD = re.compile(r"\w+")

Page = dict[str, str]


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.casefold()))


def score(predicted: str, gold: str) -> tuple[float, float, float]:
    """Precision, recall, F1 of word multisets; an empty prediction has precision 0."""
    pred, true = words(predicted), words(gold)
    common = sum((pred & true).values())
    n_pred, n_true = sum(pred.values()), sum(true.values())
    if n_pred == 0 and n_true == 0:
        return 1.0, 1.0, 1.0
    precision = common / n_pred if n_pred else 0.0
    recall = common / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def mean_scores(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    rows = [score(p, g) for p, g in pairs]
    if not rows:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "pages": 0}
    return {
        "precision": statistics.fmean(r[0] for r in rows),
        "recall": statistics.fmean(r[1] for r in rows),
        "f1": statistics.fmean(r[2] for r in rows),
        "pages": len(rows),
    }


def load_dev_set(path: Path) -> list[Page]:
    pages = []
    with (path / "pages.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            pages.append(json.loads(line))
    return pages


def load_fixtures() -> list[Page]:
    pages = []
    for gold_path in sorted(FIXTURES.glob("*.gold.txt")):
        raw_path = gold_path.with_name(gold_path.name.replace(".gold.txt", ".txt"))
        pages.append(
            {
                "id": raw_path.stem,
                "url": "",
                "raw_text": raw_path.read_text(encoding="utf-8"),
                "gold_body": gold_path.read_text(encoding="utf-8"),
            }
        )
    return pages


def site(page: Page) -> str:
    host = re.sub(r"^https?://(?:www\.)?", "", page.get("url", "")).split("/")[0]
    return host or page["id"]


def folds_by_site(pages: list[Page], k: int, split: int = 0) -> list[list[int]]:
    """Pages of one site always fall in the same fold, so a fold's sites are unseen.

    Split 0 balances the folds' sizes (the headline figure); split n > 0 deals the sites,
    shuffled with seed n, round the folds: another draw, to see how far the score moves.
    """
    by_site: dict[str, list[int]] = {}
    for i, page in enumerate(pages):
        by_site.setdefault(site(page), []).append(i)
    folds: list[list[int]] = [[] for _ in range(k)]
    if split:
        names = sorted(by_site)
        random.Random(split).shuffle(names)
        for n, name in enumerate(names):
            folds[n % k].extend(by_site[name])
        return folds
    for group in sorted(by_site.values(), key=len, reverse=True):
        min(folds, key=len).extend(group)
    return folds


def load_trainer() -> object | None:
    path = REPO / "scripts" / "train_cleanup_model.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("train_cleanup_model", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cross_validated(pages: list[Page], k: int, split: int = 0) -> list[str] | None:
    trainer = load_trainer()
    if trainer is None:
        return None
    try:
        trainer.require_training_dependencies()  # type: ignore[attr-defined]
    except ImportError as error:
        print(f"  (cross-validation skipped: {error})")
        return None
    predictions = [""] * len(pages)
    for fold in folds_by_site(pages, k, split):
        held_out = set(fold)
        model = trainer.train([p for i, p in enumerate(pages) if i not in held_out])  # type: ignore[attr-defined]
        for i in fold:
            predictions[i] = clean(pages[i]["raw_text"], model=model)["text"]
    return predictions


def timed(
    pages: list[Page], run: Callable[[Page], str], repeat: int = 3
) -> tuple[list[str], float, float]:
    """Outputs, then best-of-``repeat`` ms per page and ms per 1,000 raw words."""
    outputs = [run(page) for page in pages]
    total_words = sum(len(page["raw_text"].split()) for page in pages)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for page in pages:
            run(page)
        best = min(best, time.perf_counter() - started)
    return outputs, 1000 * best / len(pages), 1e6 * best / max(1, total_words)


def report(name: str, figures: dict[str, float], extra: str = "") -> None:
    print(
        f"  {name:<34} P {figures['precision']:.3f}  R {figures['recall']:.3f}  "
        f"F1 {figures['f1']:.3f}  ({figures['pages']} pages){extra}"
    )


def bench_text(label: str, pages: list[Page], folds: int, cv: bool, splits: int = 1) -> None:
    print(f"{label}: plain-text path")
    golds = [p["gold_body"] for p in pages]
    report("do nothing", mean_scores(zip((p["raw_text"] for p in pages), golds, strict=True)))
    outputs, per_page, per_kwords = timed(pages, lambda p: clean(p["raw_text"])["text"])
    report(
        "newsdesk (shipped model)",
        mean_scores(zip(outputs, golds, strict=True)),
        f"  {per_page:.2f} ms/page, {per_kwords:.2f} ms/1,000 words",
    )
    if cv and len(pages) >= folds * 2:
        figures = []
        for split in range(splits):
            predicted = cross_validated(pages, folds, split)
            if predicted is None:
                return
            figures.append(mean_scores(zip(predicted, golds, strict=True)))
            name = f"newsdesk ({folds}-fold CV by site)"
            report(name if split == 0 else f"  same, split {split} of the sites", figures[-1])
        if splits > 1:
            mean = {key: statistics.mean(f[key] for f in figures) for key in figures[0]}
            mean["pages"] = figures[0]["pages"]
            report(f"  mean of the {splits} splits", mean)


def bench_html(path: Path, pages: list[Page]) -> None:
    import trafilatura

    print("dev set: HTML path")
    with_html = []
    for page in pages:
        file = path / "html" / f"{page['id']}.html.gz"
        if file.exists():
            with gzip.open(file, "rt", encoding="utf-8", errors="replace") as handle:
                with_html.append((page, handle.read()))
    golds = [page["gold_body"] for page, _ in with_html]
    extracted = [trafilatura.extract(html) or "" for _, html in with_html]
    report("trafilatura.extract", mean_scores(zip(extracted, golds, strict=True)))
    ours = [clean(html, content_type="text/html")["text"] for _, html in with_html]
    report("newsdesk (content_type text/html)", mean_scores(zip(ours, golds, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-set", type=Path, default=DEFAULT_DEV_SET)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validated score")
    parser.add_argument("--html", action="store_true", help="score the HTML path too")
    parser.add_argument(
        "--splits", type=int, default=1, help="cross-validate over this many splits of the sites"
    )
    args = parser.parse_args(argv)

    if (args.dev_set / "pages.jsonl").exists():
        dev = load_dev_set(args.dev_set)
        bench_text("dev set", dev, args.folds, not args.no_cv, args.splits)
        if args.html:
            bench_html(args.dev_set, dev)
    else:
        print(f"no dev set at {args.dev_set}: fixtures only")
    fixtures = load_fixtures()
    if fixtures:
        bench_text("fixtures", fixtures, args.folds, cv=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
