"""Entity and quote quality on the annotated set: the raw model against Newsdesk.

Span precision, recall and F1 count a mention right only with its exact start, end
and type. "raw" is the model's own ``doc.ents`` (the same model, nothing of ours);
"newsdesk" is every mention of every entity of ``result["entities"]`` from
``workers.pipeline.analyze`` with ``analyses=["entities", "quotes"]`` and no cleanup,
so both read the same text. Then:

- merge accuracy: pairwise precision and recall of "these two mentions are one
  entity", over mentions whose span is right, for named types only (gold gives dates
  and numbers no identity across mentions);
- quote attribution: of the gold quotations, how many are found with the exact span,
  and how many of those have the right speaker (null when none is named).

    python bench/entity_quality.py                 # the committed set
    python bench/entity_quality.py --data set.jsonl --json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT / "tests" / "data" / "entities" / "articles.jsonl"
NAMED_TYPES = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)

Span = tuple[int, int, str]


def prf(tp: int, predicted: int, gold: int) -> dict[str, float]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "pred": predicted,
            "gold": gold}  # fmt: skip


def span_scores(pairs: Iterable[tuple[set[Span], set[Span]]]) -> dict[str, dict[str, float]]:
    """Micro scores overall ("ALL") and per type, from (predicted, gold) span sets."""
    tp: Counter[str] = Counter()
    pred: Counter[str] = Counter()
    gold: Counter[str] = Counter()
    for predicted, expected in pairs:
        for span in predicted:
            pred[span[2]] += 1
            pred["ALL"] += 1
        for span in expected:
            gold[span[2]] += 1
            gold["ALL"] += 1
        for span in predicted & expected:
            tp[span[2]] += 1
            tp["ALL"] += 1
    return {label: prf(tp[label], pred[label], gold[label]) for label in sorted(pred | gold)}


def _links(clusters: dict[tuple[int, int], str], spans: set[tuple[int, int]]) -> set[frozenset]:
    """Pairs of mentions (among ``spans``) that ``clusters`` puts in one entity."""
    return {
        frozenset((a, b)) for a, b in combinations(sorted(spans), 2) if clusters[a] == clusters[b]
    }


def merge_scores(articles: list[tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]]):
    """Pairwise "same entity" precision/recall over mentions both sides have."""
    tp = predicted = gold = 0
    for pred_clusters, gold_clusters in articles:
        common = set(pred_clusters) & set(gold_clusters)
        pred_links = _links(pred_clusters, common)
        gold_links = _links(gold_clusters, common)
        tp += len(pred_links & gold_links)
        predicted += len(pred_links)
        gold += len(gold_links)
    return prf(tp, predicted, gold)


def _norm(name: str) -> str:
    name = re.sub(r"^the\s+|['’]s?$", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", name).casefold()


def speaker_is_right(speaker: dict[str, Any] | None, gold_quote: dict[str, Any],
                     article: dict[str, Any]) -> bool:  # fmt: skip
    """Null for null; else the speaker's words are a mention of the gold speaker, or its name.

    A pronoun speaker's words are the pronoun, so its resolved name decides.
    """
    cluster = gold_quote["speaker_cluster"]
    if cluster is None or speaker is None:
        return cluster is None and speaker is None
    mentions = [m for m in article["entities"] if m["cluster"] == cluster]
    if any(m["start"] < speaker["end"] and speaker["start"] < m["end"] for m in mentions):
        return True  # the words that name the speaker are a mention of the gold speaker
    names = {_norm(m["text"]) for m in mentions}
    return _norm(speaker["name"]) in names


def evaluate(articles: list[dict[str, Any]]) -> dict[str, Any]:
    from workers.nlp import get_model
    from workers.pipeline import analyze

    nlp = get_model()
    raw_pairs, ours_pairs, merges = [], [], []
    quotes: Counter[str] = Counter(
        {key: 0 for key in ("predicted", "gold", "gold_named", "gold_unnamed")}
        | {"span_found": 0, "speaker_right": 0}
    )
    raw_seconds = ours_seconds = 0.0
    for article in articles:
        text = article["text"]
        gold = {(m["start"], m["end"], m["type"]) for m in article["entities"]}

        started = time.perf_counter()
        doc = nlp(text)
        raw_seconds += time.perf_counter() - started
        raw_pairs.append(({(e.start_char, e.end_char, e.label_) for e in doc.ents}, gold))

        started = time.perf_counter()
        result = analyze(
            {"text": text, "title": article["title"], "analyses": ["entities", "quotes"]},
            nlp=nlp,
        )
        ours_seconds += time.perf_counter() - started
        ours = {
            (m["start"], m["end"], entity["type"])
            for entity in result["entities"]
            for m in entity["mentions"]
        }
        ours_pairs.append((ours, gold))

        pred_clusters = {
            (m["start"], m["end"]): str(index)
            for index, entity in enumerate(result["entities"])
            if entity["type"] in NAMED_TYPES
            for m in entity["mentions"]
        }
        gold_clusters = {
            (m["start"], m["end"]): m["cluster"]
            for m in article["entities"]
            if m["type"] in NAMED_TYPES
        }
        merges.append((pred_clusters, gold_clusters))

        found = {(q["start"], q["end"]): q for q in result.get("quotes", [])}
        quotes["predicted"] += len(found)
        for gold_quote in article["quotes"]:
            quotes["gold"] += 1
            quotes["gold_named" if gold_quote["speaker_cluster"] else "gold_unnamed"] += 1
            hit = found.get((gold_quote["start"], gold_quote["end"]))
            if hit is None:
                continue
            quotes["span_found"] += 1
            if speaker_is_right(hit["speaker"], gold_quote, article):
                quotes["speaker_right"] += 1
    words = sum(len(a["text"].split()) for a in articles)
    return {
        "articles": len(articles),
        "words": words,
        "raw": span_scores(raw_pairs),
        "newsdesk": span_scores(ours_pairs),
        "merge": merge_scores(merges),
        "quotes": {
            **quotes,
            "span_recall": quotes["span_found"] / max(quotes["gold"], 1),
            "span_precision": quotes["span_found"] / max(quotes["predicted"], 1),
            "attribution_accuracy": quotes["speaker_right"] / max(quotes["gold"], 1),
        },
        "seconds": {"raw_model": raw_seconds, "newsdesk_entities_quotes": ours_seconds},
    }


def report(scores: dict[str, Any]) -> str:
    raw, ours = scores["raw"], scores["newsdesk"]
    lines = [
        f"{scores['articles']} articles, {scores['words']} words",
        "",
        f"{'type':<12} {'gold':>5}   {'raw P':>6} {'R':>6} {'F1':>6}   "
        f"{'ours P':>6} {'R':>6} {'F1':>6}   {'dF1':>6}",
    ]
    for label in ["ALL", *sorted(k for k in raw.keys() | ours.keys() if k != "ALL")]:
        r = raw.get(label, prf(0, 0, 0))
        o = ours.get(label, prf(0, 0, 0))
        gold = max(r["gold"], o["gold"])
        lines.append(
            f"{label:<12} {gold:>5}   {100 * r['precision']:6.1f} {100 * r['recall']:6.1f} "
            f"{100 * r['f1']:6.1f}   {100 * o['precision']:6.1f} {100 * o['recall']:6.1f} "
            f"{100 * o['f1']:6.1f}   {100 * (o['f1'] - r['f1']):+6.1f}"
        )
    merge, quotes = scores["merge"], scores["quotes"]
    lines += [
        "",
        f"span F1 (exact start, end, type): raw {100 * raw['ALL']['f1']:.1f}, "
        f"newsdesk {100 * ours['ALL']['f1']:.1f} "
        f"({100 * (ours['ALL']['f1'] - raw['ALL']['f1']):+.1f} points; target +5)",
        f"merge (pairwise, named types): precision {100 * merge['precision']:.1f}, "
        f"recall {100 * merge['recall']:.1f}, F1 {100 * merge['f1']:.1f} "
        f"({merge['gold']} gold links)",
        f"quotes: {quotes['gold']} gold ({quotes['gold_unnamed']} without a named speaker), "
        f"{quotes['predicted']} found; exact span recall {100 * quotes['span_recall']:.1f}, "
        f"precision {100 * quotes['span_precision']:.1f}",
        f"quote attribution accuracy (exact span and right speaker, of gold): "
        f"{100 * quotes['attribution_accuracy']:.1f} "
        f"({quotes['speaker_right']}/{quotes['gold']})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="annotated JSONL set")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    articles = [json.loads(line) for line in args.data.read_text("utf-8").splitlines() if line]
    scores = evaluate(articles)
    print(json.dumps(scores, indent=2) if args.json else report(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
