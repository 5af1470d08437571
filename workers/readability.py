"""Readability indices with textstat 0.7.8's counts and formulas, only where they hold.

Every index equals what textstat gives when called directly on the same text: the
words, sentences, letters and characters are textstat's own counts, and the syllables
of a word are textstat's (CMUdict for English, else pyphen hyphenation). What differs
is that the per-word work is done once per distinct word (and kept across articles)
instead of once per index: textstat's own per-word caches hold 128 entries, so on an
article it counts the syllables of every word three times and looks every word up in
the easy-word list twice. The formulas below are textstat's, written out in the same
order of operations so the floats are the same to the last bit (a test compares them
with textstat's on many texts).

The US grade-level formulas were fitted on English readers; for another language only
its own published variant of Flesch reading ease is given (textstat's coefficients
per language), and nothing where textstat has none.
"""

from __future__ import annotations

import inspect
import math
import statistics
import sys
from collections import Counter
from functools import lru_cache
from importlib import metadata
from typing import Any

from textstat.backend.counts import count_chars, count_letters, count_sentences
from textstat.backend.selections import list_words
from textstat.backend.utils import (
    get_cmudict,
    get_lang_cfg,
    get_lang_easy_words,
    get_lang_root,
    get_pyphen,
)

from workers import startup_cache

MIN_READABILITY_WORDS = 30

READABILITY_FIELDS: tuple[str, ...] = (
    "flesch_reading_ease",
    "flesch_kincaid_grade",
    "gunning_fog",
    "smog_index",
    "coleman_liau_index",
    "automated_readability_index",
    "dale_chall_readability_score",
)
# The indices whose value is a US school grade; their median is `grade_level`.
GRADE_FIELDS: tuple[str, ...] = (
    "flesch_kincaid_grade",
    "gunning_fog",
    "smog_index",
    "coleman_liau_index",
    "automated_readability_index",
)
# Flesch reading ease per language as textstat 0.7.8 computes it:
# base - a * words per sentence - b * syllables per word, with these authors' coefficients.
FLESCH_VARIANTS: dict[str, str] = {
    "en": "flesch",  # Flesch 1948: 206.835, 1.015, 84.6
    "de": "amstad",  # Amstad 1978: 180, 1, 58.5
    "es": "fernandez_huerta",  # Fernández Huerta 1959: 206.84, 1.02, 60
    "fr": "kandel_moles",  # Kandel & Moles 1958: 207, 1.015, 73.6
    "it": "flesch_vacca",  # Franchina & Vacca 1986: 217, 1.3, 60
    "nl": "flesch_douma",  # Douma 1960: 206.835, 0.93, 77
    "ru": "oborneva",  # Oborneva 2006: 206.835, 1.3, 60.1
}
LANGUAGE_NAMES: dict[str, str] = {
    "de": "German",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "nl": "Dutch",
    "ru": "Russian",
}
# Distinct words whose syllable count is kept between articles (memory when full: see
# docs/stats.md); news vocabulary repeats, so most words of an article are already there.
WORD_CACHE_SIZE = 1 << 16


def textstat_language(lang: str) -> str:
    """The language textstat is set to: its module-level default for English (``en_US``),
    the ISO 639-1 code otherwise, as ``textstatistics().set_lang(lang)`` would be."""
    return "en_US" if lang == "en" else lang


def _textstat_caches() -> list[Any]:
    """textstat memoises ~40 internal functions on the whole text (128 entries each).

    A worker never sees the same article twice in a row, so the caches only hold
    memory, and grow a worker with every article (docs/stats.md says by how much).
    """
    caches = {}
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("textstat."):
            caches |= {
                id(f): f
                for f in vars(module).values()
                if hasattr(f, "cache_clear") and _takes_text(f)
            }
    return list(caches.values())


def _takes_text(cached: Any) -> bool:
    """Only the caches keyed on a text: the dictionaries, slow to load, stay."""
    return "text" in inspect.signature(cached.__wrapped__).parameters


_TEXTSTAT_CACHES = _textstat_caches()


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _syllables(lowered: str, lang: str) -> int:
    """Syllables of one lower-cased word of the text, as textstat's ``count_syllables``
    counts each word of a text: CMUdict's stressed vowels, else pyphen's hyphenation
    points + 1. This is the body of its loop; calling ``count_syllables`` on the word
    alone would strip punctuation a second time, which can change a word that lower-
    casing gave a combining mark ("İ" becomes "i" + U+0307).
    """
    table = _cmudict_syllables() if get_lang_root(lang) == "en" else None
    found = table.get(lowered) if table is not None else None
    if found is not None:
        return found
    return len(get_pyphen(lang).positions(lowered)) + 1  # not English, or not in CMUdict


def _stressed_vowels(pronunciations: list[list[str]]) -> int | None:
    if not pronunciations:
        return None
    return sum(1 for phone in pronunciations[0] if phone[-1].isdigit())


@lru_cache(maxsize=1)
def _cmudict_syllables() -> dict[str, int]:
    """CMUdict as textstat reads it (``get_cmudict``), cut down to what is used of it:
    each word's stressed vowels in its first pronunciation. Kept between worker starts
    (``workers.startup_cache``): reading the dictionary is most of loading textstat."""

    def build() -> dict[str, int]:
        counts = (
            (word, _stressed_vowels(pronunciations))
            for word, pronunciations in get_cmudict("en").items()  # type: ignore[union-attr]
        )
        return {word: count for word, count in counts if count is not None}

    built_from = f"cmudict {metadata.version('cmudict')} textstat {metadata.version('textstat')}"
    return startup_cache.load_or_build("syllables", built_from, build, dict, _syllable_table)


def _syllable_table(stored: Any) -> dict[str, int]:
    """A stored table as read back, refused (and so built again) unless every count is a
    whole number: a damaged file must not feed the indices text or fractions."""
    table = dict(stored)
    if not all(type(count) is int for count in table.values()):
        raise TypeError("a syllable count is not an integer")
    return table


def indices(text: str, lang: str = "en") -> dict[str, float]:
    """textstat 0.7.8's indices of ``text`` for ``lang`` (ISO 639-1), unrounded.

    All seven for English; for the other languages of ``FLESCH_VARIANTS`` only
    ``flesch_reading_ease``, in that language's variant.
    """
    tlang = textstat_language(lang)
    try:
        return _indices(text, tlang, english=lang == "en")
    finally:
        for cached in _TEXTSTAT_CACHES:
            cached.cache_clear()


def _indices(text: str, tlang: str, *, english: bool) -> dict[str, float]:
    words = Counter(list_words(text))  # textstat's words: its punctuation rules, as written
    word_count = words.total()
    sentence_count = count_sentences(text)
    syllables = polysyllables = hard = hard_fog = 0
    # Gunning fog and Dale-Chall are English only (textstat has no fog threshold and no
    # easy-word list for most other languages).
    fog_threshold = int(get_lang_cfg(tlang, "syllable_threshold")) if english else 0
    easy_words = get_lang_easy_words(tlang) if english else frozenset()
    for word, n in words.items():
        lowered = word.lower()
        word_syllables = _syllables(lowered, tlang)
        syllables += n * word_syllables
        if word_syllables >= 3:
            polysyllables += n
        if lowered not in easy_words:
            hard += n  # Dale-Chall: every word off the list (syllable threshold 0)
            if word_syllables >= fog_threshold:
                hard_fog += n

    # textstat's metrics, step by step in its order of operations.
    words_per_sentence = word_count / sentence_count if sentence_count else 0.0
    syllables_per_word = syllables / word_count if word_count else 0.0
    flat = words_per_sentence == 0 or syllables_per_word == 0
    root = get_lang_root(tlang)
    scores = {
        "flesch_reading_ease": 0.0
        if flat
        else (
            get_lang_cfg(root, "fre_base")
            - get_lang_cfg(root, "fre_sentence_length") * words_per_sentence
            - get_lang_cfg(root, "fre_syll_per_word") * syllables_per_word
        )
    }
    if not english:
        return scores
    scores["flesch_kincaid_grade"] = (
        0.0 if flat else (0.39 * words_per_sentence) + (11.8 * syllables_per_word) - 15.59
    )
    scores["gunning_fog"] = (
        0.4 * (words_per_sentence + 100 * hard_fog / word_count) if word_count else 0.0
    )
    scores["smog_index"] = (
        (1.043 * (30 * (polysyllables / sentence_count)) ** 0.5) + 3.1291 if sentence_count else 0.0
    )
    letters = (count_letters(text) / word_count if word_count else 0.0) * 100
    sentences = (sentence_count / word_count if word_count else 0.0) * 100
    scores["coleman_liau_index"] = (
        0.0 if letters == 0 or sentences == 0 else (0.058 * letters) - (0.296 * sentences) - 15.8
    )
    tokens = len(text.split())  # textstat counts characters per word with punctuation kept
    chars_per_word = count_chars(text, ignore_spaces=True) / tokens if tokens else 0.0
    scores["automated_readability_index"] = (
        0.0
        if chars_per_word == 0 or words_per_sentence == 0
        else (4.71 * chars_per_word) + (0.5 * words_per_sentence) - 21.43
    )
    if word_count:
        hard_share = 100 * hard / word_count
        dale_chall = (0.1579 * hard_share) + (0.0496 * words_per_sentence)
        scores["dale_chall_readability_score"] = (
            dale_chall + 3.6365 if hard_share > 5 else dale_chall
        )
    else:
        scores["dale_chall_readability_score"] = 0.0
    return scores


def _rounded(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


def empty(reason: str | None = None) -> dict[str, Any]:
    return {
        **dict.fromkeys(READABILITY_FIELDS),
        "grade_level": None,
        "flesch_variant": None,
        "reason": reason,
    }


def readability(text: str, lang: str = "en") -> dict[str, Any]:
    """Every index that holds for ``lang`` (an ISO 639-1 code), the others null."""
    variant = FLESCH_VARIANTS.get(lang)
    if variant is None:
        return empty("language_unsupported")
    scores = empty()
    scores["flesch_variant"] = variant
    for name, value in indices(text, lang).items():
        scores[name] = _rounded(float(value))
    if lang == "en":
        grades = [scores[name] for name in GRADE_FIELDS if scores[name] is not None]
        scores["grade_level"] = round(statistics.median(grades), 2) if grades else None
    else:
        scores["reason"] = "grade_indices_english_only"
    return scores


def assess(text: str, *, words: int, lang: str) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The readability object and, when some indices are null, a warning saying why."""
    if lang not in FLESCH_VARIANTS:
        return empty("language_unsupported"), {
            "analysis": "stats",
            "code": "language_unsupported",
            "detail": f"Readability formulas are for English (and Flesch reading ease "
            f"for de, es, fr, it, nl, ru); the text is '{lang}'.",
        }
    if words < MIN_READABILITY_WORDS:
        return empty("text_too_short"), {
            "analysis": "stats",
            "code": "text_too_short",
            "detail": f"Readability needs at least {MIN_READABILITY_WORDS} words; "
            f"the text has {words}.",
        }
    scores = readability(text, lang)
    if lang == "en":
        return scores, None
    return scores, {
        "analysis": "stats",
        "code": "grade_indices_english_only",
        "detail": f"Only Flesch reading ease ({scores['flesch_variant']}, the "
        f"{LANGUAGE_NAMES[lang]} variant) applies; the grade-level indices are for English.",
    }
