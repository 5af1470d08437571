"""Readability indices from textstat 0.7.8, only where their formulas hold.

textstat counts its own words, sentences and syllables (CMUdict for English, else
pyphen hyphenation), so every index here equals what textstat gives when called
directly on the same text. The US grade-level formulas were fitted on English
readers; for another language only its own published variant of Flesch reading
ease is given (textstat's coefficients per language), and nothing where textstat
has none.
"""

from __future__ import annotations

import inspect
import math
import statistics
import sys
from typing import Any

import textstat
from textstat.textstat import textstatistics

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

_instances: dict[str, textstatistics] = {}


def _textstat_for(lang: str) -> Any:
    """English is textstat's module-level default; other languages get their own instance
    (``set_lang`` on the shared one would change every caller's language)."""
    if lang == "en":
        return textstat
    if lang not in _instances:
        instance = textstatistics()
        instance.set_lang(lang)
        _instances[lang] = instance
    return _instances[lang]


def _textstat_caches() -> list[Any]:
    """textstat memoises ~40 internal functions on the whole text (128 entries each).

    A worker never sees the same article twice in a row, so the caches only hold
    memory: measured here, 150 long articles grew a worker by ~165 MB.
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
    """Only the caches keyed on a text: the dictionaries (CMUdict: ~0.8 s to load) stay."""
    return "text" in inspect.signature(cached.__wrapped__).parameters


_TEXTSTAT_CACHES = _textstat_caches()


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
    engine = _textstat_for(lang)
    scores = empty()
    scores["flesch_variant"] = variant
    try:
        names = READABILITY_FIELDS if lang == "en" else ("flesch_reading_ease",)
        for name in names:
            scores[name] = _rounded(float(getattr(engine, name)(text)))
    finally:
        for cached in _TEXTSTAT_CACHES:
            cached.cache_clear()
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
