"""Key phrases: the recurring content words and phrases of the article, scored.

YAKE, in its reference package (``yake``) or its Rust port (``yake-rust``), would take
most of the stats budget on its own (figures in docs/stats.md, "Key phrases"). This scorer
runs over the tokens of the spaCy Doc the pipeline already has:

- Candidates are runs of up to ``MAX_WORDS`` content tokens inside one sentence: a
  stop word (spaCy's list for the language, plus news words such as "said"),
  punctuation, a number, a date word (months, weekdays, "yesterday") or a line
  break ends a run. So no phrase is only stop words, numbers or dates.
- A phrase must occur at least twice (a short brief may have none).
- A candidate inside a longer one that occurs just as often (it never appears on its
  own: "Jonas" in "Jonas Elberg") is dropped.
- A phrase of two or three words whose start is the end of a better one (or the
  other way round) and that occurs as often is a piece of the same longer name
  and is skipped ("York State Attorney" after "New York State").
- ``raw = occurrences of the phrase * sum over its words of the word's occurrences``:
  a phrase counts when it recurs and is made of the article's recurring words.
- ``score = raw / raw of the best phrase``: 1.0 for the top phrase, higher is better.

Boilerplate never reaches the scorer when cleanup ran (stats read ``cleanup.text``);
``FURNITURE_WORDS`` also keeps a few page-furniture words out of the phrases.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any

import spacy.util
from spacy.lexeme import Lexeme
from spacy.tokens import Doc


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TOP_KEYWORDS = 10
MAX_WORDS = 3
# A key phrase recurs: one seen once is not what the article is about.
MIN_PHRASE_COUNT = 2

_NEWS_WORDS = _words(
    "said says say saying told tells telling added adds according asked mr mrs ms dr "
    "per cent percent including like want wants know think thing things lot"
)
DATE_WORDS = _words("""
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday
    friday saturday sunday mon tue tues wed thu thur thurs fri sat sun today tonight
    yesterday tomorrow morning afternoon evening night day days week weeks weekend month
    months year years decade decades century am pm
    """)
FURNITURE_WORDS = _words(
    "click subscribe subscribers newsletter cookie cookies advertisement advertising "
    "copyright login signup getty"
)
_LETTER = re.compile(r"[^\W\d_]")


@cache
def stop_words(lang: str) -> frozenset[str] | None:
    """spaCy's stop words for ``lang`` (ISO 639-1), or None when spaCy has no list."""
    try:
        words = spacy.util.get_lang_class(lang).Defaults.stop_words
    except (ImportError, KeyError):
        return None
    if not words:
        return None
    extra = _NEWS_WORDS | DATE_WORDS if lang == "en" else frozenset()
    return frozenset(w.lower() for w in words) | extra | FURNITURE_WORDS


def _is_content(lexeme: Lexeme, stops: frozenset[str]) -> bool:
    lowered = lexeme.lower_
    return (
        len(lowered) > 1
        and lowered not in stops
        and _LETTER.search(lowered) is not None
        and not lexeme.like_num
        and not lexeme.like_url
        and not lexeme.like_email
    )


def _runs(docs: Sequence[Doc], stops: frozenset[str]) -> list[list[tuple[str, str]]]:
    """Runs of content tokens, as (lowered, as written), never across a sentence.

    Works on the Docs' arrays and decides once per distinct word, which is much cheaper
    than reading each Token.
    """
    runs: list[list[tuple[str, str]]] = []
    for doc in docs:
        if not len(doc):
            continue
        vocab = doc.vocab
        decided: dict[int, tuple[str, str] | None] = {}
        sent_starts = (
            doc.to_array("SENT_START").tolist()
            if doc.has_annotation("SENT_START")
            else [0] * len(doc)
        )
        run: list[tuple[str, str]] = []
        for orth, sent_start in zip(doc.to_array("ORTH").tolist(), sent_starts, strict=True):
            if sent_start == 1 and run:
                runs.append(run)
                run = []
            if orth not in decided:
                lexeme = vocab[orth]
                decided[orth] = (
                    (lexeme.lower_, lexeme.orth_) if _is_content(lexeme, stops) else None
                )
            word = decided[orth]
            if word is not None:
                run.append(word)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


def _phrases(runs: list[list[tuple[str, str]]]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Every phrase of 1 to ``MAX_WORDS`` words of every run, as (lowered, as written),
    built once for counting and for choosing the written form."""
    phrases = []
    for run in runs:
        lowered = tuple(w for w, _ in run)
        written = tuple(s for _, s in run)
        size = len(run)
        for n in range(1, min(MAX_WORDS, size) + 1):
            for i in range(size - n + 1):
                phrases.append((lowered[i : i + n], written[i : i + n]))
    return phrases


# Scripts written without spaces between words: the English tokenizer cannot split them.
_UNSPACED_LANGUAGES = _words("zh ja th lo km my bo")


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The end of one is the start of the other ("New York State", "York State Attorney")."""
    return any(a[-n:] == b[:n] or b[-n:] == a[:n] for n in range(1, min(len(a), len(b))))


def keywords(
    docs: Sequence[Doc], lang: str = "en", top: int = TOP_KEYWORDS
) -> list[dict[str, Any]] | None:
    """The ``top`` key phrases of the Docs (one text, maybe in chunks), best first;
    None when there is no stop-word list for ``lang``."""
    stops = None if lang in _UNSPACED_LANGUAGES else stop_words(lang)
    if stops is None:
        return None
    runs = _runs(docs, stops)
    phrases = _phrases(runs)
    word_counts = Counter(w for run in runs for w, _ in run)
    phrase_counts = Counter(key for key, _ in phrases)
    # A phrase that never occurs outside a longer one adds nothing to it.
    covered = {
        key[i : i + n]
        for key, count in phrase_counts.items()
        if len(key) > 1
        for n in range(1, len(key))
        for i in range(len(key) - n + 1)
        if phrase_counts[key[i : i + n]] == count
    }
    scored = [
        (count * sum(word_counts[w] for w in key), key)
        for key, count in phrase_counts.items()
        if key not in covered and count >= MIN_PHRASE_COUNT
    ]
    if not scored:
        return []
    # ties: more occurrences first, then shorter, then alphabetical, so output is stable
    scored.sort(key=lambda item: (-item[0], -phrase_counts[item[1]], len(item[1]), item[1]))
    chosen: list[tuple[int, tuple[str, ...]]] = []
    for raw, key in scored:
        if len(chosen) == top:
            break
        if len(key) > 1 and any(
            len(other) > 1 and phrase_counts[other] == phrase_counts[key] and _overlap(key, other)
            for _, other in chosen
        ):
            continue  # a piece of a longer name already chosen ("York State Attorney")
        chosen.append((raw, key))
    surfaces: dict[tuple[str, ...], Counter[str]] = {key: Counter() for _, key in chosen}
    for key, written in phrases:
        if key in surfaces:
            surfaces[key][" ".join(written)] += 1
    best = chosen[0][0]
    return [
        {
            "phrase": surfaces[key].most_common(1)[0][0],
            "score": round(raw / best, 4),
            "count": phrase_counts[key],
        }
        for raw, key in chosen
    ]
