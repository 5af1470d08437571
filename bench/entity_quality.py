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

``--aeb`` scores the same way on real news text instead: gold bodies of a public
article-extraction benchmark, read at run time from ``../shared/eval/aeb-dev/pages.jsonl``
beside the project (the text belongs to its publishers and is not in the repository),
against the annotations in ``bench/data/aeb_entities.jsonl`` (offsets, types and entity
ids only, with a hash of each body to notice a changed text). Besides spans and merges
it counts the articles with a value (a date, a number...) among Newsdesk's five most
salient entries, and sorts Newsdesk's errors into kinds (wrong type, wrong boundary,
missed, spurious, mentions of different entities merged, values merged).

    python bench/entity_quality.py --aeb                  # table and error kinds
    python bench/entity_quality.py --aeb --examples 5     # ...with a few of each kind
    python bench/entity_quality.py --aeb --type PRODUCT   # ...and every miss of one type
    python bench/entity_quality.py --aeb path/pages.jsonl --json

``--type LABEL`` (with ``--aeb``) lists, for the raw model and Newsdesk, every false
negative (a gold mention of that type not found with its span and type) and false
positive (a mention given that type that is not one in the gold), each with what the
other side has on that span: the errors behind one type's F1.
"""

from __future__ import annotations

import argparse
import hashlib
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

VALUE_TYPES = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
ANNOTATION_TYPES = NAMED_TYPES | {"LANGUAGE"} | VALUE_TYPES
DEFAULT_AEB_PAGES = ROOT.parent / "shared" / "eval" / "aeb-dev" / "pages.jsonl"
AEB_ANNOTATIONS = ROOT / "bench" / "data" / "aeb_entities.jsonl"
TOP_SALIENT = 5

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


def type_table(raw: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """Per-type precision, recall and F1 of the raw model and Newsdesk, "ALL" first."""
    lines = [
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
    return lines


def report(scores: dict[str, Any]) -> str:
    raw, ours = scores["raw"], scores["newsdesk"]
    lines = [f"{scores['articles']} articles, {scores['words']} words", "", *type_table(raw, ours)]
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


# Real news text: annotations in the repository, the text read from ../shared at run time.


def annotation_problems(records: list[dict[str, Any]]) -> list[str]:
    """Why annotation records cannot be scored, one line each (none when well-formed).

    Each record is ``{"page_id", "sha256_of_gold_body", "mentions"}``; a mention is
    ``{"start", "end", "type", "entity"}`` with ``start < end``, a type from the closed
    OntoNotes list, an entity id on names and none on values, sorted and not overlapping.
    """
    problems: list[str] = []
    seen: set[str] = set()
    for number, record in enumerate(records, 1):
        where = f"record {number}"
        if set(record) != {"page_id", "sha256_of_gold_body", "mentions"}:
            problems.append(f"{where}: keys {sorted(record)}")
            continue
        page_id = record["page_id"]
        if not isinstance(page_id, str) or not page_id or page_id in seen:
            problems.append(f"{where}: page_id missing or repeated")
        seen.add(str(page_id))
        if not re.fullmatch(r"[0-9a-f]{64}", str(record["sha256_of_gold_body"])):
            problems.append(f"{where}: sha256_of_gold_body is not a SHA-256 hex digest")
        previous: tuple[int, int] = (-1, -1)
        for mention in record["mentions"]:
            at = f"{where}, mention {mention}"
            if not isinstance(mention, dict) or set(mention) != {"start", "end", "type", "entity"}:
                problems.append(f"{at}: keys")
                continue
            start, end, label, entity = (mention[k] for k in ("start", "end", "type", "entity"))
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
                problems.append(f"{at}: needs 0 <= start < end")
                continue
            if label not in ANNOTATION_TYPES:
                problems.append(f"{at}: type not in the OntoNotes list")
            elif label in VALUE_TYPES and entity is not None:
                problems.append(f"{at}: a value has no entity id")
            elif label not in VALUE_TYPES and not (isinstance(entity, str) and entity):
                problems.append(f"{at}: a name needs an entity id")
            if (start, end) < previous:
                problems.append(f"{at}: not sorted by offset")
            elif start < previous[1]:
                problems.append(f"{at}: overlaps the mention before it")
            previous = (start, end)
    return problems


def load_aeb(
    pages_path: Path, annotations_path: Path = AEB_ANNOTATIONS
) -> tuple[list[dict[str, Any]], list[str]]:
    """The annotated pages as articles of the committed set's shape, and the ones left out.

    A page is left out when the pages file lacks it or its ``gold_body`` no longer has
    the hash it was annotated with (offsets into another text would score nonsense).
    """
    lines = annotations_path.read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    problems = annotation_problems(records)
    if problems:
        raise ValueError(f"{annotations_path}: " + "; ".join(problems[:5]))
    pages: dict[str, dict[str, Any]] = {}
    with pages_path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                page = json.loads(line)
                pages[page["id"]] = page
    articles, left_out = [], []
    for record in records:
        page = pages.get(record["page_id"])
        if page is None:
            left_out.append(f"{record['page_id'][:12]}: not in {pages_path}")
            continue
        text = page["gold_body"]
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != record["sha256_of_gold_body"]:
            left_out.append(f"{record['page_id'][:12]}: gold_body changed since annotation")
            continue
        mentions = [
            {"start": m["start"], "end": m["end"], "type": m["type"], "cluster": m["entity"]}
            for m in record["mentions"]
        ]
        articles.append({"id": page["id"], "url": page.get("url"), "text": text,
                         "entities": mentions})  # fmt: skip
    return articles, left_out


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def error_kinds(
    text: str, gold: list[dict[str, Any]], entities: list[dict[str, Any]]
) -> list[tuple[str, str, str]]:
    """Newsdesk's errors on one article as (kind, detail, example) triples.

    Kinds: ``wrong type`` (exact span, other type; detail "gold->ours"), ``boundary``
    (overlaps a gold mention, other span; detail the gold type and "too long", "too
    short" or "shifted"), ``missed`` (no overlapping mention), ``spurious`` (overlaps no
    gold mention), ``merged different entities`` (one entry whose right-span mentions are
    of two or more gold entities), ``split one entity`` (one gold entity whose right-span
    mentions are in two or more entries), ``values merged`` (a value entry of two or more
    mentions: gold gives values no identity).
    """
    found: list[tuple[int, dict[str, Any]]] = [
        (index, {"start": m["start"], "end": m["end"], "type": entity["type"]})
        for index, entity in enumerate(entities)
        for m in entity["mentions"]
    ]
    by_span = {(m["start"], m["end"]): m for m in gold}
    errors: list[tuple[str, str, str]] = []
    for _, mention in found:
        words = text[mention["start"] : mention["end"]]
        exact = by_span.get((mention["start"], mention["end"]))
        if exact is not None:
            if exact["type"] != mention["type"]:
                errors.append(("wrong type", f"{exact['type']}->{mention['type']}", words))
            continue
        near = next((g for g in gold if _overlaps(g, mention)), None)
        if near is None:
            errors.append(("spurious", mention["type"], words))
            continue
        if mention["start"] <= near["start"] and near["end"] <= mention["end"]:
            extent = "too long"
        elif near["start"] <= mention["start"] and mention["end"] <= near["end"]:
            extent = "too short"
        else:
            extent = "shifted"
        gold_words = text[near["start"] : near["end"]]
        errors.append(("boundary", f"{near['type']} {extent}", f"{words} / gold: {gold_words}"))
    mentions = [m for _, m in found]
    for g in gold:
        if not any(_overlaps(g, m) for m in mentions):
            errors.append(("missed", g["type"], text[g["start"] : g["end"]]))

    named_gold = {(g["start"], g["end"]): g for g in gold if g["type"] not in VALUE_TYPES}
    entry_of: dict[tuple[int, int], int] = {}
    for index, entity in enumerate(entities):
        if entity["type"] in VALUE_TYPES:
            if entity["count"] > 1:
                errors.append(
                    ("values merged", entity["type"], f"{entity['name']} x{entity['count']}")
                )
            continue
        clusters: dict[str, str] = {}
        for m in entity["mentions"]:
            g = named_gold.get((m["start"], m["end"]))
            if g is not None:
                entry_of[(m["start"], m["end"])] = index
                clusters.setdefault(g["cluster"], text[g["start"] : g["end"]])
        if len(clusters) > 1:
            types = sorted({t["type"] for t in gold if t.get("cluster") in clusters})
            errors.append(("merged different entities", "+".join(types),
                           " + ".join(sorted(set(clusters.values())))))  # fmt: skip
    entries_of_cluster: dict[str, set[int]] = {}
    for span, g in named_gold.items():
        if span in entry_of:
            entries_of_cluster.setdefault(g["cluster"], set()).add(entry_of[span])
    for cluster, entries in entries_of_cluster.items():
        if len(entries) > 1:
            forms = sorted({text[g["start"] : g["end"]] for g in gold if g["cluster"] == cluster})
            label = next(g["type"] for g in gold if g["cluster"] == cluster)
            errors.append(("split one entity", label, " / ".join(forms)))
    return errors


def type_misses(
    text: str, predicted: set[Span], gold: set[Span], label: str
) -> list[tuple[str, str, str]]:
    """False negatives and positives of one type as (kind, words, what the other side has).

    "missed" is a gold mention of ``label`` not predicted with that span and type; "extra"
    a predicted one not in the gold. The third field is the other side's label on the same
    span, or "-" when it has none there.
    """
    gold_at = {(s, e): t for s, e, t in gold}
    predicted_at = {(s, e): t for s, e, t in predicted}
    misses = [
        ("missed", text[s:e], predicted_at.get((s, e), "-"))
        for s, e, t in sorted(gold - predicted)
        if t == label
    ]
    misses += [
        ("extra", text[s:e], gold_at.get((s, e), "-"))
        for s, e, t in sorted(predicted - gold)
        if t == label
    ]
    return misses


def evaluate_aeb(articles: list[dict[str, Any]], label: str | None = None) -> dict[str, Any]:
    """Spans (raw and Newsdesk), merges, values among the top five, and error kinds;
    with ``label``, every miss of that type for both sides."""
    from workers.nlp import get_model
    from workers.pipeline import analyze

    nlp = get_model()
    raw_pairs, ours_pairs, merges = [], [], []
    errors: list[tuple[str, str, str]] = []
    top: Counter[str] = Counter()
    with_value: list[str] = []
    misses: dict[str, list[tuple[str, str, str, str]]] = {"raw": [], "newsdesk": []}
    for article in articles:
        text, gold_mentions = article["text"], article["entities"]
        gold = {(m["start"], m["end"], m["type"]) for m in gold_mentions}
        raw = {(e.start_char, e.end_char, e.label_) for e in nlp(text).ents}
        raw_pairs.append((raw, gold))
        entities = analyze({"text": text, "analyses": ["entities", "quotes"]}, nlp=nlp)["entities"]
        ours = {(m["start"], m["end"], e["type"]) for e in entities for m in e["mentions"]}
        ours_pairs.append((ours, gold))
        if label is not None:
            for side, predicted in (("raw", raw), ("newsdesk", ours)):
                misses[side] += [
                    (article["id"][:8], *miss) for miss in type_misses(text, predicted, gold, label)
                ]
        pred_clusters = {
            (m["start"], m["end"]): str(index)
            for index, entity in enumerate(entities)
            if entity["type"] not in VALUE_TYPES
            for m in entity["mentions"]
        }
        gold_clusters = {
            (m["start"], m["end"]): m["cluster"]
            for m in gold_mentions
            if m["type"] not in VALUE_TYPES
        }
        merges.append((pred_clusters, gold_clusters))
        values = [e for e in entities[:TOP_SALIENT] if e["type"] in VALUE_TYPES]
        top.update(e["type"] for e in values)
        if values:
            with_value.append(article["id"])
        errors.extend(error_kinds(text, gold_mentions, entities))
    kinds: dict[str, Counter[str]] = {}
    for kind, detail, _ in errors:
        kinds.setdefault(kind, Counter())[detail] += 1
    return {
        "articles": len(articles),
        "words": sum(len(a["text"].split()) for a in articles),
        "gold_mentions": sum(len(a["entities"]) for a in articles),
        "gold_entities": sum(
            len({m["cluster"] for m in a["entities"] if m["cluster"] is not None}) for a in articles
        ),
        "raw": span_scores(raw_pairs),
        "newsdesk": span_scores(ours_pairs),
        "merge": merge_scores(merges),
        "top_five": {
            "articles_with_value": len(with_value),
            "value_entries": sum(top.values()),
            "value_types": dict(top.most_common()),
            "pages": with_value,
        },
        "errors": {kind: dict(counts.most_common()) for kind, counts in kinds.items()},
        "error_examples": errors,
        **({"type_misses": {"type": label, **misses}} if label is not None else {}),
    }


def report_aeb(scores: dict[str, Any], left_out: list[str], examples: int = 0) -> str:
    raw, ours, merge, top = scores["raw"], scores["newsdesk"], scores["merge"], scores["top_five"]
    lines = [
        f"{scores['articles']} pages of real news text, {scores['words']} words, "
        f"{scores['gold_mentions']} gold mentions of which named ones make "
        f"{scores['gold_entities']} entities",
        *(f"left out: {reason}" for reason in left_out),
        "",
        *type_table(raw, ours),
        "",
        f"span F1 (exact start, end, type): raw {100 * raw['ALL']['f1']:.1f}, "
        f"newsdesk {100 * ours['ALL']['f1']:.1f} "
        f"({100 * (ours['ALL']['f1'] - raw['ALL']['f1']):+.1f} points)",
        f"merge (pairwise, named types): precision {100 * merge['precision']:.1f}, "
        f"recall {100 * merge['recall']:.1f}, F1 {100 * merge['f1']:.1f} "
        f"({merge['tp']} right of {merge['pred']} links made, {merge['gold']} gold links)",
        f"value among the top {TOP_SALIENT} by salience: {top['articles_with_value']} of "
        f"{scores['articles']} articles ({top['value_entries']} entries: "
        + ", ".join(f"{label} {n}" for label, n in top["value_types"].items())
        + ")",
        "",
        "Newsdesk errors by kind:",
    ]
    for kind, counts in sorted(scores["errors"].items(), key=lambda kv: -sum(kv[1].values())):
        details = ", ".join(f"{detail} {n}" for detail, n in list(counts.items())[:8])
        lines.append(f"  {kind:<27} {sum(counts.values()):>4}: {details}")
        if examples:
            shown = [e for e in scores["error_examples"] if e[0] == kind][:examples]
            lines += [f"      {detail}: {example}" for _, detail, example in shown]
    if "type_misses" in scores:
        label = scores["type_misses"]["type"]
        for side in ("raw", "newsdesk"):
            found = scores["type_misses"][side]
            lines += ["", f"{side}: {label} errors ({len(found)}; other side's label in brackets)"]
            lines += [f"  {page} {kind:<6} {text!r} [{other}]" for page, kind, text, other in found]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="annotated JSONL set")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument(
        "--aeb",
        type=Path,
        nargs="?",
        const=DEFAULT_AEB_PAGES,
        metavar="PAGES",
        help=f"score on real news text instead: the pages file (default {DEFAULT_AEB_PAGES}) "
        f"with the annotations of --aeb-annotations",
    )
    parser.add_argument("--aeb-annotations", type=Path, default=AEB_ANNOTATIONS)
    parser.add_argument("--examples", type=int, default=0, help="with --aeb: N of each error")
    parser.add_argument(
        "--type", dest="label", help="with --aeb: every false positive and negative of this type"
    )
    args = parser.parse_args(argv)
    if args.aeb is not None:
        if not args.aeb.is_file():
            print(
                f"skipped: no pages file at {args.aeb}. The real-text set needs the article "
                f"extraction benchmark's pages.jsonl in ../shared/eval/aeb-dev/ beside the "
                f"project (or its path after --aeb); the repository holds only the "
                f"annotations ({args.aeb_annotations}).",
                file=sys.stderr,
            )
            return 0
        articles, left_out = load_aeb(args.aeb, args.aeb_annotations)
        scores = evaluate_aeb(articles, args.label)
        if args.json:
            print(json.dumps({**scores, "left_out": left_out}, indent=2))
        else:
            print(report_aeb(scores, left_out, args.examples))
        return 0
    articles = [json.loads(line) for line in args.data.read_text("utf-8").splitlines() if line]
    scores = evaluate(articles)
    print(json.dumps(scores, indent=2) if args.json else report(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
