"""Which language the text is in: the request's hint, else py3langid.

py3langid (a maintained fork of langid.py, 97 languages, no network) is small and fast
(its cost: docs/stats.md, "Speed"). Probabilities are normalised so ``confidence`` is
the detector's probability for the language it picked, 0 to 1.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Below this a detected language is too unsure to switch English-only analyses off.
MIN_LANGUAGE_CONFIDENCE = 0.5

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


def is_confident(language: dict[str, Any]) -> bool:
    """A hint, or a detection sure enough to act on."""
    if language["code"] is None:
        return False
    return language["source"] == "hint" or language["confidence"] >= MIN_LANGUAGE_CONFIDENCE


def is_english(language: dict[str, Any]) -> bool:
    """English, or too unsure to say otherwise (the service's model is English)."""
    return language["code"] == "en" or not is_confident(language)


def effective_code(language: dict[str, Any]) -> str:
    """The language the analyses should assume: English unless sure of another."""
    return "en" if is_english(language) else language["code"]
