"""Hostile input never breaks an analysis: the pipeline returns a valid result, or the job dies.

Clients send what they have: control characters, lone surrogates (JSON allows
"\\ud800"), binary garbage decoded as text, a whole page on one line. Every
analysis must return a result that validates, whatever it gets.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from newsdesk.results import ANALYSES, ResultSchema
from workers.nlp import get_model
from workers.pipeline import analyze


@pytest.fixture(scope="module")
def nlp() -> Language:
    return get_model()


def check(nlp: Language, text: str, analyses: list[str] | None = None) -> dict:
    result = analyze({"text": text, "analyses": analyses or list(ANALYSES)}, nlp=nlp)
    assert ResultSchema().validate(result) == {}
    json.dumps(result)  # what the job layer stores must serialise
    return result


# Every code point, lone surrogates and control characters included.
ANY_CHARACTER = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(ANY_CHARACTER, max_size=400))
def test_any_code_points_at_all(nlp: Language, text: str) -> None:
    check(nlp, text)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\t", " "]),
            st.sampled_from(['"', "“", "”", "'", "(", ")", "By ", "Share", "©", "|"]),
            st.text(ANY_CHARACTER, max_size=12),
            st.sampled_from(["The Port Authority (PA) said", "Marta Okafor's", "Monday."]),
        ),
        max_size=80,
    ).map("".join)
)
def test_news_like_fragments_in_any_order(nlp: Language, text: str) -> None:
    check(nlp, text)


def test_binary_garbage_decoded_as_text(nlp: Language, rng: random.Random) -> None:
    blob = rng.randbytes(20_000)
    check(nlp, blob.decode("latin-1"))
    check(nlp, blob.decode("utf-8", errors="surrogateescape"))  # lone surrogates throughout
    check(nlp, rng.randbytes(2_000).decode("utf-16", errors="replace"))


def test_one_line_of_200000_characters(nlp: Language) -> None:
    sentence = "The harbour board met the ferry company in Brindle Bay on Monday and agreed. "
    text = (sentence * (200_000 // len(sentence) + 1))[:200_000]
    assert "\n" not in text
    result = check(nlp, text)
    assert result["stats"]["characters"] > 0


def test_nothing_but_whitespace_and_control_characters(nlp: Language) -> None:
    result = check(nlp, "\x00\x01\x02 \t\n\r\x7f\u200b\ufeff" * 500)
    assert result["stats"]["words"] == 0
