"""Style: the passive-voice heuristic on positives and negatives, MTLD against values
worked out by hand, sentence-length figures."""

from __future__ import annotations

import pytest

from workers import style


@pytest.mark.parametrize(
    "sentence",
    [
        "The bridge was closed on Monday.",
        "Two men have been arrested.",
        "The report is being reviewed by the council.",
        "The ferry was quickly repaired.",
        "The roads were not cleared until noon.",
        "The mayor wasn't told about the plan.",
        "She got fired after the vote.",
        "The deal was agreed last night.",
        "Three houses were built near the river.",
        "The old mill had been sold twice.",
        "They're paid by the hour.",
        "It is reportedly written in Latin.",
        "They’re paid in cash.",
        "I'm done with it.",
    ],
)
def test_passive_sentences(sentence: str) -> None:
    assert style.is_passive(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The council closed the bridge on Monday.",
        "The mayor was in Lisbon.",
        "There was a need for speed.",
        "The jacket is red.",
        "She has gone home.",  # perfect tense, not passive
        "He's gone to the market.",  # "'s" is not taken as "is"
        "The players were ready.",
        "Seven women were present.",  # -en alone is no participle
        "The team got better every week.",
        "A hundred people were there.",
        "The river was often calm.",
        "This is it.",
        "Was 2019 a good year?",
    ],
)
def test_active_sentences(sentence: str) -> None:
    assert not style.is_passive(sentence)


@pytest.mark.parametrize(
    ("word", "participle"),
    [
        ("closed", True),
        ("taken", True),
        ("agreed", True),
        ("need", False),
        ("speed", False),
        ("proceed", False),
        ("hundred", False),
        ("red", False),
        ("seven", False),
        ("sold", True),
    ],
)
def test_is_participle(word: str, participle: bool) -> None:
    assert style.is_participle(word) is participle


@pytest.mark.parametrize(
    ("words", "value"),
    [
        # a b | a b: the TTR falls to 2/3 at the third word (one factor), then b alone
        # (TTR 1, partial factor 0): 4 words / 1 factor, the same backward.
        ("a b a b", 4.0),
        # x y z x y: 3/5 = 0.6 ends a factor; z w is a partial of 0. Backward
        # w z y x z y: 4/6 ends a factor, then x alone. 7 / 1 both ways.
        ("x y z x y z w", 7.0),
        # never below 0.72: TTR 3/4 at the end, partial factor (1 - 0.75) / 0.28;
        # 4 / 0.892857 = 4.48 both ways.
        ("a b c a", 4.48),
        # every word different: no factor at all, MTLD is the length
        ("one two three four five", 5.0),
    ],
)
def test_mtld_by_hand(words: str, value: float) -> None:
    assert style.mtld(words.split()) == pytest.approx(value)


def test_mtld_forward_and_backward_are_averaged() -> None:
    # forward: a a | b c d e -> 1 factor + partial (1 - 1) = 1 -> 6 / 1 = 6
    # backward: e d c b a a: TTR 5/6 = 0.833 at the end -> partial 0.5952 -> 6 / 0.5952
    words = ["a", "a", "b", "c", "d", "e"]
    backward = 6 / ((1 - 5 / 6) / (1 - 0.72))
    assert style.mtld(words) == pytest.approx((6.0 + backward) / 2)


def test_mtld_does_not_fall_with_length_like_the_type_token_ratio() -> None:
    vocabulary = [f"w{i}" for i in range(40)]
    short = (vocabulary * 3)[:120]
    long = (vocabulary * 30)[:1200]
    assert style.mtld(short) == pytest.approx(style.mtld(long), rel=0.05)
    assert len(set(long)) / len(long) < len(set(short)) / len(short) / 5
    assert style.mtld([]) is None


def test_style_figures_by_hand() -> None:
    figures = style.style(
        [10, 31, 40, 3],
        ["It was sold.", "He sold it.", "A.", "B."],
        ["w"] * 84,
    )
    assert figures == {
        "average_sentence_words": 21.0,  # 84 / 4
        "longest_sentence_words": 40,
        "long_sentence_share": 0.5,  # 31 and 40
        "passive_sentence_share": 0.25,
        "lexical_diversity_mtld": None,  # under 100 words
    }
    assert style.style([], [], [])["average_sentence_words"] == 0.0
    assert style.style([1] * 100, ["A."] * 100, ["w"] * 100)["lexical_diversity_mtld"] is not None
