"""Time of the stats analysis per 1,000 words, part by part, beside spaCy's in one run.

Articles are cut to their first 1,000 words (paragraphs kept): the gold bodies of the
shared dev set of real pages when it is beside the repository (or given with
``--pages``), else the project's own test articles joined. Each part runs on the
spaCy Docs the pipeline would share; the spaCy line (NER + sentences, what the
pipeline runs once for entities and stats) is there for comparison. Machines are
noisy: compare parts within one run. The reference line times textstat called once
per index on the same texts (the straightforward way, which counts each word again for
every index), for the ratio of the two. Optional lines time YAKE (``yake``,
``yake-rust``) when installed, the libraries the key-phrase scorer is compared with.

    python bench/stats_speed.py [--pages PATH] [--articles 40] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import textstat  # noqa: E402

from workers import keywords, readability, stats, style  # noqa: E402
from workers.language import detect_language, effective_code  # noqa: E402
from workers.nlp import get_model  # noqa: E402
from workers.quotes import quote_spans  # noqa: E402

DEV_PAGES = ROOT.parent / "shared" / "eval" / "aeb-dev" / "pages.jsonl"
WORDS = 1000
_WORD = re.compile(r"\S+")


def first_words(text: str, n: int = WORDS) -> str | None:
    ends = [m.end() for m in _WORD.finditer(text)]
    return text[: ends[n - 1]] if len(ends) >= n else None


def articles(pages: Path, limit: int) -> tuple[list[str], str]:
    if pages.is_file():
        texts = []
        with pages.open(encoding="utf-8") as lines:
            for line in lines:
                cut = first_words(json.loads(line)["gold_body"])
                if cut:
                    texts.append(cut)
        if texts:
            return texts[:limit], f"{pages.name}: gold bodies of {WORDS}+ words"
    fixtures = sorted((ROOT / "tests" / "fixtures").glob("*.txt"))
    joined = "\n\n".join(p.read_text(encoding="utf-8") for p in fixtures)
    text = first_words((joined + "\n\n") * 20)
    assert text is not None
    return [text], "the project's test articles, joined"


def per_1000_words(
    name: str, func: Callable[[Any], Any], items: list[Any], words: list[int], repeat: int
) -> float:
    """Median over articles of the best of ``repeat`` runs, in ms per 1,000 words."""
    times = []
    for item, n in zip(items, words, strict=True):
        best = min(_timed(func, item) for _ in range(repeat))
        times.append(best * 1000 * 1000 / n)
    value = statistics.median(times)
    print(f"{name:<34} {value:8.2f} ms")
    return value


def _timed(func: Callable[[Any], Any], item: Any) -> float:
    start = time.perf_counter()
    func(item)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=Path, default=DEV_PAGES)
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    texts, source = articles(args.pages, args.articles)
    nlp = get_model()
    from workers.pipeline import warm_up

    warm_up()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, spaCy pipeline {nlp.pipe_names}"
    )
    print(f"articles: {len(texts)} ({source}), timed: median of best-of-{args.repeat}")
    docs = [[nlp(text)] for text in texts]
    languages = [detect_language(text) for text in texts]
    words = [stats.count_words(text) for text in texts]
    items = list(zip(texts, docs, languages, strict=True))

    def counts(item: Any) -> None:
        text, docs_, _ = item
        spans = stats.word_spans(text)
        [stats.count_words(s) for s in stats.sentence_texts(text, docs_)]
        stats.count_paragraphs(text)
        len({w for _, w in spans})
        sum(1 for _, w in spans if any(c.isdigit() for c in w))
        stats.quoted_words([s for s, _ in spans], quote_spans(text))

    def read(item: Any) -> None:
        text, _, language = item
        readability.assess(text, words=stats.count_words(text), lang=effective_code(language))

    def textstat_per_index(item: Any) -> None:
        """The reference: textstat called once per index, as the readability step did."""
        text = item[0]
        try:
            [getattr(textstat, name)(text) for name in readability.READABILITY_FIELDS]
        finally:
            for cached in readability._TEXTSTAT_CACHES:
                cached.cache_clear()

    # style gets its inputs ready-made, as in stats.compute
    style_inputs = []
    for text, docs_, _ in items:
        sentences = [s for s in stats.sentence_texts(text, docs_) if stats.count_words(s)]
        words_ = [w for _, w in stats.word_spans(text)]
        style_inputs.append(([stats.count_words(s) for s in sentences], sentences, words_))

    def styled(inputs: Any) -> None:
        style.style(*inputs)

    def keyed(item: Any) -> None:
        _, docs_, language = item
        keywords.keywords(docs_, effective_code(language))

    def total(item: Any) -> None:
        text, docs_, _ = item
        stats.compute(text, docs_, language=detect_language(text), entities=[])

    print(f"{'part (per 1,000 words)':<34} {'time':>8}")
    per_1000_words("counts", counts, items, words, args.repeat)
    read_time = per_1000_words("readability", read, items, words, args.repeat)
    per_1000_words("style (passive, MTLD)", styled, style_inputs, words, args.repeat)
    per_1000_words("keywords", keyed, items, words, args.repeat)
    per_1000_words("language (py3langid)", lambda i: detect_language(i[0]), items, words, 5)
    stats_total = per_1000_words("stats total (language + compute)", total, items, words, 5)
    spacy_time = per_1000_words("spaCy NER + sentences (comparison)", nlp, texts, words, 3)
    print(f"stats / spaCy: {stats_total / spacy_time:.2f}")
    reference = per_1000_words(
        "reference: textstat per index", textstat_per_index, items, words, args.repeat
    )
    print(f"readability / textstat per index: {read_time / reference:.2f}")
    try:
        import yake  # type: ignore[import-not-found]

        extractor = yake.KeywordExtractor(lan="en", n=3, top=10)
        per_1000_words("alternative: yake 3-grams", extractor.extract_keywords, texts, words, 1)
    except ImportError:
        pass
    try:
        from yake_rust import Yake  # type: ignore[import-not-found]

        rust = Yake(language="en", ngrams=3)
        per_1000_words(
            "alternative: yake-rust 3-grams", lambda t: rust.get_n_best(t, n=10), texts, words, 3
        )
    except ImportError:
        pass


if __name__ == "__main__":
    main()
