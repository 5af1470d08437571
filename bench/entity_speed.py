"""Entities analysis against raw spaCy NER, in words per second, in one run.

raw      : the service's model with only ``ner`` running (no sentence boundaries),
           nothing done with the result;
senter   : the model as the service loads it (senter + ner), nothing done with it;
entities : what the pipeline does for ``entities``: the paragraph-aligned parse
           (senter + ner, ``workers.chunks``) and ``workers.entities.extract`` (trimming,
           merging, typing, gazetteer links, salience).

All three take every text in turn (see ``measure``), in CPU seconds; each figure is
the median of the rounds, and the ratios are of those medians.

Corpus: the project's English test articles, plus the gold bodies of the dev pages
(``<repo>/../shared/eval/aeb-dev/pages.jsonl``) when present, or ``--pages FILE``.

    .venv/bin/python bench/entity_speed.py [--rounds 3] [--pages FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workers import entities, gazetteer  # noqa: E402
from workers.chunks import parse  # noqa: E402
from workers.nlp import get_model  # noqa: E402
from workers.stats import count_words  # noqa: E402

DEFAULT_PAGES = REPO.parent / "shared" / "eval" / "aeb-dev" / "pages.jsonl"
NOT_ENGLISH = {"non_english.txt"}


def corpus(pages: Path | None) -> tuple[list[str], str]:
    texts = [
        path.read_text(encoding="utf-8")
        for path in sorted((REPO / "tests" / "fixtures").glob("*.txt"))
        if path.name not in NOT_ENGLISH
    ]
    described = f"{len(texts)} test articles"
    if pages is not None and pages.exists():
        with pages.open(encoding="utf-8") as lines:
            bodies = [json.loads(line).get("gold_body") or "" for line in lines]
        bodies = [body for body in bodies if body.strip()]
        texts += bodies
        described += f" + {len(bodies)} dev-page gold bodies"
    return [t for t in texts if t.strip()], described


def measure(nlp, texts: list[str]) -> tuple[float, float, float]:
    """CPU seconds of (raw NER, NER + senter, entities analysis), text by text.

    Each text goes through all three one after the other (in a rotating order), so a
    busy spell on a shared machine hits every side alike; CPU time, not wall time,
    leaves out the time other processes hold the cores.
    """
    only_ner = [name for name in nlp.pipe_names if name != "ner"]
    totals = [0.0, 0.0, 0.0]

    def raw(text: str) -> None:
        with nlp.select_pipes(disable=only_ner):
            nlp(text)

    def with_sentences(text: str) -> None:
        nlp(text)

    def ours(text: str) -> None:
        entities.extract(parse(nlp, text), None)

    sides = [raw, with_sentences, ours]
    for i, text in enumerate(texts):
        for k in range(3):
            side = (i + k) % 3
            start = time.process_time()
            sides[side](text)
            totals[side] += time.process_time() - start
    return totals[0], totals[1], totals[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    args = parser.parse_args()

    nlp = get_model()
    gazetteer.index()
    texts, described = corpus(args.pages)
    words = sum(count_words(t) for t in texts)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"corpus: {described}; {words} words, {sum(map(len, texts))} characters")
    measure(nlp, texts[:5])  # warm caches
    rounds = [measure(nlp, texts) for _ in range(args.rounds)]
    raw, sentences, ours = (words / statistics.median(side) for side in zip(*rounds, strict=True))
    print(f"raw spaCy NER (ner only)  : {raw:7.0f} words/s (CPU time, median of {args.rounds})")
    print(f"spaCy senter + ner        : {sentences:7.0f} words/s")
    print(f"entities analysis         : {ours:7.0f} words/s (chunked parse + extract)")
    print(f"ratio entities / raw NER  : {ours / raw:.3f}")
    print(f"ratio entities / senter+ner: {ours / sentences:.3f}")


if __name__ == "__main__":
    main()
