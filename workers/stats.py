"""Summary statistics of the analysed text: counts, times, readability, style, language,
key phrases and an entity summary. docs/stats.md defines every field.

Words are whitespace-separated tokens holding at least one letter or digit, so "—"
is not a word and "don't" or "2020-10-01" is one. Sentences are the sentences of
the spaCy Doc the pipeline shares with the entity analysis, so both count the same.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from typing import Any

from spacy.tokens import Doc, Span

from workers.keywords import keywords
from workers.language import (
    MIN_LANGUAGE_CONFIDENCE,
    detect_language,
    effective_code,
    is_english,
    language_identifier,
    normalise_hint,
)
from workers.quotes import quote_spans
from workers.readability import (
    _TEXTSTAT_CACHES,
    MIN_READABILITY_WORDS,
    READABILITY_FIELDS,
    assess,
    readability,
)
from workers.style import style

__all__ = [
    "MIN_LANGUAGE_CONFIDENCE",
    "MIN_READABILITY_WORDS",
    "READABILITY_FIELDS",
    "_TEXTSTAT_CACHES",
    "compute",
    "count_paragraphs",
    "count_words",
    "detect_language",
    "is_english",
    "language_identifier",
    "normalise_hint",
    "readability",
]

DEFAULT_READING_WPM = 230
DEFAULT_SPEAKING_WPM = 150

_HAS_DIGIT = re.compile(r"\d")
# One match per whitespace-separated token, the whole token. A word is a token holding a
# letter or digit: the group is then the token without the punctuation at its edges (from
# its first letter or digit to its last), and empty for a token of punctuation alone. The
# possessive `*+` and the match running to the token's end make one pass over a token
# whatever it holds (the engine would otherwise try a run of punctuation again from each
# of its characters).
_WORD = re.compile(r"(?=\S)(?:[^\w\s]|_)*+(?:([^\W_](?:\S*[^\W_])?)\S*)?")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")


def count_words(text: str) -> int:
    found = _WORD.findall(text)
    return len(found) - found.count("")


def count_paragraphs(text: str) -> int:
    return sum(1 for block in _PARAGRAPH_BREAK.split(text) if block.strip())


def word_spans(text: str) -> list[tuple[int, str]]:
    """(start, word) of every word; punctuation at its edges removed, case-folded."""
    return [(m.start(), word.casefold()) for m in _WORD.finditer(text) if (word := m[1])]


def quoted_words(starts: Sequence[int], spans: Sequence[tuple[int, int]]) -> int:
    """Words that start inside a quotation (``spans`` in text order, not overlapping)."""
    ends = [end for _, end in spans]
    begins = [start for start, _ in spans]
    inside = 0
    for start in starts:
        k = bisect_right(begins, start) - 1
        if k >= 0 and start < ends[k]:
            inside += 1
    return inside


def entity_summary(entities: Sequence[dict[str, Any]]) -> tuple[dict[str, int], dict[str, int]]:
    """Entities per type and mentions per type, most frequent type first."""
    by_type = Counter(entity["type"] for entity in entities)
    mentions: Counter[str] = Counter()
    for entity in entities:
        mentions[entity["type"]] += entity.get("count") or len(entity.get("mentions") or ())
    order = sorted(by_type, key=lambda t: (-by_type[t], t))
    return {t: by_type[t] for t in order}, {t: mentions[t] for t in order}


def _seconds(words: int, wpm: int) -> float:
    return round(words / wpm * 60, 1) if wpm > 0 else 0.0


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def sentences_of(docs: Sequence[Doc]) -> list[Span]:
    """Every sentence of the Docs; a Doc without sentence boundaries is one sentence."""
    spans: list[Span] = []
    for doc in docs:
        if doc.has_annotation("SENT_START"):
            spans.extend(doc.sents)
        elif len(doc):
            spans.append(doc[:])
    return spans


def sentence_texts(text: str, docs: Sequence[Doc]) -> list[str]:
    """The text of every sentence of ``sentences_of(docs)``, cut from ``text``.

    The Docs' texts add up to ``text``, so a sentence is a slice of it: the same string
    as ``Span.text``, which would join the span's tokens again at a higher cost.
    """
    texts: list[str] = []
    offset = 0
    for doc in docs:
        if not len(doc):
            continue
        if doc.has_annotation("SENT_START"):
            texts.extend(text[offset + s.start_char : offset + s.end_char] for s in doc.sents)
        else:
            texts.append(text[offset : offset + doc[:].end_char])
        last = doc[-1]
        offset += last.idx + len(last.text_with_ws)
    return texts


def compute(
    text: str,
    docs: Sequence[Doc],
    *,
    language: dict[str, Any],
    reading_wpm: int = DEFAULT_READING_WPM,
    speaking_wpm: int = DEFAULT_SPEAKING_WPM,
    entities: Sequence[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Stats for ``text`` and the warnings about what could not be computed.

    ``docs`` are the pipeline's spaCy Docs of ``text``: one, or consecutive chunks of a
    long text whose texts add up to ``text``. ``entities`` is the entity analysis's
    result when it ran, else None.
    """
    warnings: list[dict[str, str]] = []
    lang = effective_code(language)

    words = word_spans(text)
    word_count = len(words)
    sentences = [(count_words(sent), sent) for sent in sentence_texts(text, docs)]
    sentences = [(n, sent) for n, sent in sentences if n]
    quotes = quote_spans(text)

    scores, warning = assess(text, words=word_count, lang=lang)
    if warning:
        warnings.append(warning)
    phrases = keywords(docs, lang)
    if phrases is None:
        warnings.append(
            {
                "analysis": "stats",
                "code": "keywords_language_unsupported",
                "detail": f"No stop-word list for '{lang}'; key phrases are not computed.",
            }
        )
    by_type, mentions_by_type = entity_summary(entities) if entities is not None else (None, None)

    stats = {
        "characters": len(text),
        "words": word_count,
        "sentences": len(sentences),
        "paragraphs": count_paragraphs(text),
        "unique_words": len({word for _, word in words}),
        "numbers": sum(1 for _, word in words if _HAS_DIGIT.search(word)),
        "direct_quotes": len(quotes),
        "quoted_word_share": _share(quoted_words([s for s, _ in words], quotes), word_count),
        "reading_time_seconds": _seconds(word_count, reading_wpm),
        "speaking_time_seconds": _seconds(word_count, speaking_wpm),
        "readability": scores,
        "style": style(
            [n for n, _ in sentences],
            [sent for _, sent in sentences],
            [word for _, word in words],
        ),
        "language": language,
        "keywords": phrases,
        "entities_by_type": by_type,
        "mentions_by_type": mentions_by_type,
    }
    return stats, warnings
