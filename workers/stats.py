"""Counts, reading time, readability and language of the analysed text.

Definitions (the README copies them):

- ``characters``: ``len(text)`` (Python characters, the same units as every offset).
- ``words``: whitespace-separated tokens holding at least one letter or digit, so
  "—" is not a word and "don't" or "2020-10-01" is one.
- ``sentences``: spaCy sentences (the model's ``senter``) holding at least one word;
  the pipeline shares one ``Doc`` with the entity analysis.
- ``paragraphs``: blocks separated by a blank line.
- ``reading_time_seconds``: words / reading speed * 60, to 0.1 s.
- ``readability``: textstat 0.7.8 on the same text, to 2 decimals; only for English
  text of at least ``MIN_READABILITY_WORDS`` words, else all null with a warning.
- ``language``: the request's hint when given, else py3langid with normalised
  probabilities; null when the text has no letters to judge by.
"""

from __future__ import annotations

import inspect
import math
import re
import sys
import threading
from typing import Any

import textstat
from py3langid.langid import MODEL_FILE, LanguageIdentifier

MIN_READABILITY_WORDS = 30
# Below this a detected language is too unsure to switch English-only analyses off.
MIN_LANGUAGE_CONFIDENCE = 0.5

READABILITY_FIELDS: tuple[str, ...] = (
    "flesch_reading_ease",
    "flesch_kincaid_grade",
    "gunning_fog",
    "smog_index",
    "coleman_liau_index",
    "automated_readability_index",
    "dale_chall_readability_score",
)

_HAS_ALNUM = re.compile(r"[^\W_]")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")

_identifier: LanguageIdentifier | None = None
_identifier_lock = threading.Lock()


def language_identifier() -> LanguageIdentifier:
    """Loaded once per process (under a second, but not per job)."""
    global _identifier
    if _identifier is None:
        with _identifier_lock:
            if _identifier is None:
                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def normalise_hint(hint: object) -> str | None:
    """ "EN", "en-GB", "en_US" -> "en"; anything empty or not a string -> None."""
    if not isinstance(hint, str):
        return None
    code = re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0]
    return code or None


def detect_language(text: str, hint: object = None) -> dict[str, Any]:
    code = normalise_hint(hint)
    if code:
        return {"code": code, "confidence": None, "source": "hint"}
    if not any(ch.isalpha() for ch in text):
        return {"code": None, "confidence": None, "source": "detected"}
    detected, confidence = language_identifier().classify(text)
    return {"code": detected, "confidence": round(float(confidence), 4), "source": "detected"}


def is_english(language: dict[str, Any]) -> bool:
    """English, or too unsure to say otherwise (the service's model is English)."""
    code = language["code"]
    if code is None or code == "en":
        return True
    return language["source"] == "detected" and language["confidence"] < MIN_LANGUAGE_CONFIDENCE


def count_words(text: str) -> int:
    return sum(1 for token in text.split() if _HAS_ALNUM.search(token))


def count_paragraphs(text: str) -> int:
    return sum(1 for block in _PARAGRAPH_BREAK.split(text) if block.strip())


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


def readability(text: str) -> dict[str, float | None]:
    scores: dict[str, float | None] = {}
    try:
        for name in READABILITY_FIELDS:
            value = float(getattr(textstat, name)(text))
            scores[name] = round(value, 2) if math.isfinite(value) else None
    finally:
        for cached in _TEXTSTAT_CACHES:
            cached.cache_clear()
    return scores


def compute(
    text: str,
    *,
    sentences: int,
    language: dict[str, Any],
    reading_wpm: int,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Stats for ``text`` (sentences counted by the caller's spaCy Doc) and warnings."""
    words = count_words(text)
    warnings: list[dict[str, str]] = []
    scores: dict[str, float | None] = dict.fromkeys(READABILITY_FIELDS)
    if not is_english(language):
        warnings.append(
            {
                "analysis": "stats",
                "code": "language_unsupported",
                "detail": f"Readability formulas are for English; the text is "
                f"'{language['code']}'.",
            }
        )
    elif words < MIN_READABILITY_WORDS:
        warnings.append(
            {
                "analysis": "stats",
                "code": "text_too_short",
                "detail": f"Readability needs at least {MIN_READABILITY_WORDS} words; "
                f"the text has {words}.",
            }
        )
    else:
        scores.update(readability(text))
    stats = {
        "characters": len(text),
        "words": words,
        "sentences": sentences,
        "paragraphs": count_paragraphs(text),
        "reading_time_seconds": round(words / reading_wpm * 60, 1) if reading_wpm > 0 else 0.0,
        "readability": scores,
        "language": language,
    }
    return stats, warnings
