"""Readability: our counting once per word gives textstat 0.7.8's values to the last bit.

The module computes textstat's indices from one pass over the distinct words; these
tests call textstat itself on the same texts and compare the unrounded floats.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import textstat
from hypothesis import given, settings
from hypothesis import strategies as st
from textstat.textstat import textstatistics

from workers import readability

TESTS = Path(__file__).parent
TEXTS = sorted((TESTS / "fixtures").rglob("*.txt"))
ANNOTATED = TESTS / "data" / "entities" / "articles.jsonl"


def annotated_texts() -> list[str]:
    with ANNOTATED.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines if line.strip()]


def textstat_indices(text: str, lang: str) -> dict[str, float]:
    if lang == "en":
        return {name: getattr(textstat, name)(text) for name in readability.READABILITY_FIELDS}
    engine = textstatistics()
    engine.set_lang(lang)
    return {"flesch_reading_ease": engine.flesch_reading_ease(text)}


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_every_index_equals_textstat_on_the_fixtures(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert readability.indices(text) == textstat_indices(text, "en")


def test_every_index_equals_textstat_on_the_annotated_articles() -> None:
    texts = annotated_texts()
    assert len(texts) > 20
    for text in texts:
        assert readability.indices(text) == textstat_indices(text, "en"), text[:60]


@pytest.mark.parametrize("lang", sorted(set(readability.FLESCH_VARIANTS) - {"en"}))
def test_each_flesch_variant_equals_textstat_in_that_language(lang: str) -> None:
    for text in [*(p.read_text(encoding="utf-8") for p in TEXTS), *annotated_texts()[:10]]:
        assert readability.indices(text, lang) == textstat_indices(text, lang)


# Pieces that exercise textstat's word rules: contractions keep their apostrophe,
# other apostrophes and hyphens go, case folds (the Greek final sigma, the dotted I),
# digits, dashes and sentence ends.
PIECES = [
    "The",
    "council",
    "approved",
    "infrastructure",
    "investigation",
    "it's",
    "they'll",
    "'quoted'",
    "don't",
    "rock'n'roll",
    "well-known",
    "--",
    "—",
    "2,400",
    "9:15",
    "U.S.",
    "e-mail",
    "Ünïcödé",
    "ΟΔΟΣ",
    "İstanbul",
    "naïve",
    "Dr.",
    "said.",
    "Why?",
    "Stop!",
    "...",
    "(a)",
    "“curly”",
    "’s",
    "x''s",
    "\n\n",
    "a",
    "I",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=0, max_size=80), st.sampled_from(["en", "de"]))
def test_any_text_gives_textstat_values(pieces: list[str], lang: str) -> None:
    text = " ".join(pieces)
    assert readability.indices(text, lang) == textstat_indices(text, lang)


def test_words_already_counted_are_not_counted_again() -> None:
    text = "The council met on Monday. It voted to repair the harbour wall before winter."
    readability.readability(text)
    before = readability._syllables.cache_info()
    readability.readability(text.replace("harbour", "Quellorand"))  # a made-up word
    after = readability._syllables.cache_info()
    assert after.misses == before.misses + 1  # only "quellorand" is new
    assert after.currsize <= readability.WORD_CACHE_SIZE
