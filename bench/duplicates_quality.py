"""Duplicates quality: precision and recall of each verdict on pairs built from our articles.

Each of the project's 30 test articles (tests/data/entities) is indexed in a private
redis-server; then variants of it are looked up, each paired with the article it was made
from and labelled with the verdict it should get:

- identical: a plain copy; a copy re-headlined and pasted with page furniture around it;
- near_duplicate: three words edited; one word edited in every paragraph; cut to its first
  half; paragraphs reordered; cut and edited;
- same_story: half its paragraphs kept, the rest taken from another article of the beat;
- none: another article of the same beat (same topic, other words).

Every text goes through cleanup first, as in the service. A pair's prediction is the
verdict the index gives the source article (`none` when it is not listed), so index
misses (LSH) count against recall; the verdicts of the exact comparison alone are shown
too. If the two real samples of one wire story are beside the repository, the verdict
on them is printed.

    python bench/duplicates_quality.py [--samples FOLDER]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsdesk.duplicate_index import DuplicateIndex  # noqa: E402
from newsdesk.redis_server import RedisServer  # noqa: E402
from newsdesk.similarity import Thresholds, compare  # noqa: E402
from workers.cleanup import clean  # noqa: E402
from workers.duplicates import fingerprint  # noqa: E402

ARTICLES = ROOT / "tests" / "data" / "entities" / "articles.jsonl"
SAMPLES = ROOT.parent / "shared" / "samples"
LABELS = ("identical", "near_duplicate", "same_story", "none")


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def edit_words(paragraph: str, count: int, rng: random.Random) -> str:
    words = paragraph.split()
    for at in rng.sample(range(len(words)), min(count, len(words))):
        words[at] = rng.choice(["reportedly", "notably", "also", "further", "roughly"])
    return " ".join(words)


def edit_article(parts: list[str], count: int, rng: random.Random) -> list[str]:
    """`count` single-word edits, each in a different paragraph where possible."""
    parts = parts.copy()
    for i in rng.sample(range(len(parts)), min(count, len(parts))):
        parts[i] = edit_words(parts[i], 1, rng)
    return parts


def variants(
    article: dict, same_beat: list[dict], rng: random.Random
) -> list[tuple[str, str, str]]:
    """(kind, text, expected verdict) for one article."""
    parts = paragraphs(article["text"])
    half = max(2, len(parts) // 2)
    shuffled = parts.copy()
    while shuffled == parts:
        rng.shuffle(shuffled)
    other = same_beat[0]
    other_parts = paragraphs(other["text"])
    mixed = parts[:half] + other_parts[half:]
    pasted = (
        "Home | News | Latest\nA new headline for the wire story\nShare this\n"
        f"{article['text']}\nSign up for our newsletter"
    )
    join = "\n\n".join
    return [
        ("copy", article["text"], "identical"),
        ("re-headlined, pasted", pasted, "identical"),
        ("three words edited", join(edit_article(parts, 3, rng)), "near_duplicate"),
        (
            "a word edited in every paragraph",
            join([edit_words(p, 1, rng) for p in parts]),
            "near_duplicate",
        ),
        ("cut to first half", join(parts[:half]), "near_duplicate"),
        ("paragraphs reordered", join(shuffled), "near_duplicate"),
        ("cut and edited", join(edit_article(parts[:half], 2, rng)), "near_duplicate"),
        ("half kept, half another story", join(mixed), "same_story"),
        *[("another story, same beat", o["text"], "none") for o in same_beat],
    ]


def report(title: str, pairs: list[tuple[str, str]]) -> None:
    print(title)
    print(f"  {'verdict':<15} {'precision':>9} {'recall':>7} {'pairs':>6}")
    for label in LABELS:
        predicted = sum(1 for _, p in pairs if p == label)
        expected = sum(1 for e, _ in pairs if e == label)
        right = sum(1 for e, p in pairs if e == p == label)
        precision = f"{right / predicted:.3f}" if predicted else "-"
        recall = f"{right / expected:.3f}" if expected else "-"
        print(f"  {label:<15} {precision:>9} {recall:>7} {expected:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="two texts of one story")
    args = parser.parse_args()
    rng = random.Random(11)
    articles = [json.loads(line) for line in ARTICLES.read_text(encoding="utf-8").splitlines()]
    thresholds = Thresholds()
    with (
        tempfile.TemporaryDirectory() as data,
        RedisServer(data, extra_args=("--appendonly", "no")) as server,
    ):
        index = DuplicateIndex(Redis.from_url(server.url), "quality", thresholds, limit=50)
        ids: dict[str, str] = {}
        prints = {}
        for article in articles:
            ids[article["id"]] = str(uuid.uuid4())
            prints[article["id"]] = fingerprint(clean(article["text"])["text"])
            index.add(ids[article["id"]], prints[article["id"]], ttl=3600)

        by_index: list[tuple[str, str]] = []
        by_compare: list[tuple[str, str]] = []
        per_kind: dict[str, Counter[str]] = {}
        for article in articles:
            same_beat = [a for a in articles if a["beat"] == article["beat"] and a is not article]
            for kind, text, expected in variants(article, same_beat, rng):
                fp = fingerprint(clean(text)["text"])
                found = {m["job_id"]: m["verdict"] for m in index.lookup(fp)}
                predicted = found.get(ids[article["id"]], "none")
                exact = compare(fp, prints[article["id"]], thresholds)
                by_index.append((expected, predicted))
                by_compare.append((expected, exact["verdict"] if exact else "none"))
                per_kind.setdefault(kind, Counter())[predicted] += 1

    print(
        f"{len(articles)} articles, {len(by_index)} pairs; thresholds near "
        f"{thresholds.near_duplicate}, same story {thresholds.same_story}"
    )
    report("through the index (LSH candidates, then verified):", by_index)
    report("exact comparison alone (every pair verified):", by_compare)
    print("verdicts by kind of pair (through the index):")
    for kind, counts in per_kind.items():
        print(f"  {kind:<34} " + ", ".join(f"{v} {n}" for v, n in counts.most_common()))

    if args.samples.is_dir():
        texts = sorted(args.samples.glob("*.txt"))
        if len(texts) == 2:
            a, b = (fingerprint(clean(t.read_text(encoding="utf-8"))["text"]) for t in texts)
            shorter, longer = (a, b) if a.size <= b.size else (b, a)
            found = compare(shorter, longer, thresholds)
            print("the two real samples of one wire story:")
            if found is None:
                print("  not similar enough to list")
            else:
                print(
                    f"  {found['verdict']}: similarity {found['similarity']}, Jaccard "
                    f"{found['jaccard']}, estimated {found['estimated']}; "
                    f"{len(found['passages'])} of the shorter's {len(shorter.paragraphs)} "
                    f"paragraphs shared"
                )


if __name__ == "__main__":
    main()
