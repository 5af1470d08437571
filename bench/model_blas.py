"""The model's parse with thinc's default BLIS against NumPy's BLAS, in one run.

Two copies of the service's model are loaded in this process: one on thinc's default
ops (its matrix products through the BLIS wheel thinc pins), one as ``workers.nlp``
loads it (NumPy's BLAS, one thread). Every text goes through both, in turns, and the
bench prints words per second of each (CPU time, median of ``--rounds``), their ratio,
and whether every entity and sentence came out the same.

Set ``BLIS_ARCH_DEBUG=1`` to see which kernels BLIS picked for this CPU: on an AMD
core after Zen 2 it says ``generic``.

Corpus: the project's English test articles and an ordinary article of 200,000
characters (the text limit), plus the gold bodies of the dev pages
(``<repo>/../shared/eval/aeb-dev/pages.jsonl``) when present, or ``--pages FILE``.

    .venv/bin/python bench/model_blas.py [--rounds 3] [--pages FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from entity_speed import DEFAULT_PAGES, corpus  # noqa: E402
from hostile import TEXT_LIMIT, ordinary  # noqa: E402
from thinc.api import NumpyOps  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

from newsdesk.settings import load  # noqa: E402
from workers import nlp as service_model  # noqa: E402
from workers.chunks import parse  # noqa: E402
from workers.stats import count_words  # noqa: E402


def load_both(name: str):
    """(the model on BLIS, the model as the service loads it)."""
    on_blis = service_model._load(name)  # the service's own loading, then its ops undone
    blis_ops = NumpyOps(use_blis=True)
    for _, component in on_blis.pipeline:
        model = getattr(component, "model", None)
        for layer in model.walk() if model is not None else ():
            layer.ops = blis_ops
    return on_blis, service_model._load(name)


def outcome(nlp, text: str) -> tuple[list[tuple[int, int, str]], list[int]]:
    parsed = parse(nlp, text)
    ents = [
        (at + e.start_char, at + e.end_char, e.label_) for at, d in parsed.chunks for e in d.ents
    ]
    return ents, parsed.sentence_starts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    args = parser.parse_args()

    on_blis, on_numpy = load_both(load().spacy_model)
    texts, described = corpus(args.pages)
    texts.append(ordinary(TEXT_LIMIT))
    described += f" + an ordinary article of {TEXT_LIMIT:,} characters"
    words = sum(count_words(t) for t in texts)
    blas = [
        f"{p['internal_api']} {p['version']}, {p['num_threads']} thread(s)"
        for p in threadpool_info()
        if p["user_api"] == "blas"
    ]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"NumPy's BLAS: {'; '.join(blas)}")
    print(f"corpus: {described}; {words} words, {sum(map(len, texts))} characters")

    same = all(outcome(on_blis, t) == outcome(on_numpy, t) for t in texts)
    sides = [on_blis, on_numpy]
    rounds = []
    for _ in range(args.rounds):
        totals = [0.0, 0.0]
        for i, text in enumerate(texts):
            for k in range(2):
                side = (i + k) % 2
                start = time.process_time()
                parse(sides[side], text)
                totals[side] += time.process_time() - start
        rounds.append(totals)
    blis_rate, numpy_rate = (words / statistics.median(side) for side in zip(*rounds, strict=True))
    print(f"thinc's default (BLIS)  : {blis_rate:7.0f} words/s (CPU time, median of {args.rounds})")
    print(f"NumPy's BLAS, 1 thread  : {numpy_rate:7.0f} words/s")
    print(f"ratio NumPy / BLIS      : {numpy_rate / blis_rate:.2f}")
    print(f"entities and sentences the same: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
