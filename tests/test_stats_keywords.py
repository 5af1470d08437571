"""Key phrases: recurring content words and phrases, no stop words, numbers or dates."""

from __future__ import annotations

import pytest
from spacy.language import Language

from workers.keywords import DATE_WORDS, keywords, stop_words
from workers.nlp import get_model

HARBOUR = (
    "The Velmora harbour authority will dredge the harbour channel in March. "
    "Jonas Elberg, who chairs the Velmora harbour authority, said the channel had silted up "
    "after the storms of 2024.\n\n"
    "Dredging the channel will cost 4.2 million euros, Elberg said on Tuesday. "
    "Fishing crews say the harbour channel is too shallow at low tide. "
    "The harbour authority expects the work to take six weeks."
)


@pytest.fixture(scope="session")
def nlp() -> Language:
    return get_model()


def test_harbour_story_key_phrases(nlp: Language) -> None:
    found = keywords([nlp(HARBOUR)])
    assert found is not None
    # raw = occurrences * sum of the words' occurrences (harbour 5, channel 4, authority 3,
    # Velmora 2): harbour 5 * 5 = 25, harbour authority 3 * 8 = 24, Velmora harbour
    # authority 2 * 10 = 20, harbour channel 2 * 9 = 18, channel 4 * 4 = 16, Elberg 2 * 2 = 4
    assert found == [
        {"phrase": "harbour", "score": 1.0, "count": 5},
        {"phrase": "harbour authority", "score": 0.96, "count": 3},
        {"phrase": "Velmora harbour authority", "score": 0.8, "count": 2},
        {"phrase": "harbour channel", "score": 0.72, "count": 2},
        {"phrase": "channel", "score": 0.64, "count": 4},
        {"phrase": "Elberg", "score": 0.16, "count": 2},
    ]
    assert len(found) <= 10


def test_scores_are_relative_and_descending(nlp: Language) -> None:
    found = keywords([nlp(HARBOUR)])
    assert found
    scores = [k["score"] for k in found]
    assert scores[0] == 1.0
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)


def test_no_stop_words_numbers_or_dates(nlp: Language) -> None:
    found = keywords([nlp(HARBOUR)])
    assert found
    stops = stop_words("en")
    assert stops is not None
    for k in found:
        for word in k["phrase"].lower().split():
            assert word not in stops
            assert word not in DATE_WORDS
            assert not any(ch.isdigit() for ch in word)
    assert not {"said", "march", "tuesday", "2024", "six"} & {k["phrase"].lower() for k in found}


def test_pieces_of_one_longer_name_are_not_repeated(nlp: Language) -> None:
    text = " ".join(["The New York State Attorney General sued the company."] * 3)
    found = keywords([nlp(text)])
    assert found
    phrases = [k["phrase"] for k in found]
    assert "New York State" in phrases
    assert "York State Attorney" not in phrases  # overlaps it and occurs as often
    assert "State Attorney General" not in phrases


def test_a_word_only_seen_inside_a_longer_phrase_is_dropped(nlp: Language) -> None:
    found = keywords([nlp(HARBOUR)])
    assert found
    phrases = {k["phrase"] for k in found}
    assert "Velmora" not in phrases  # only ever in "Velmora harbour authority"
    assert "Jonas Elberg" not in phrases  # phrases must recur
    assert "dredge" not in phrases


def test_chunks_give_the_same_phrases_as_one_doc(nlp: Language) -> None:
    first, second = HARBOUR.split("\n\n")
    whole = keywords([nlp(HARBOUR)])
    chunked = keywords([nlp(first + "\n\n"), nlp(second)])
    assert whole == chunked


def test_german_stop_words(nlp: Language) -> None:
    text = (
        "Der Stadtrat will die Fahrradwege der Altstadt verbreitern. Die Fahrradwege sind "
        "zu schmal, sagt der Stadtrat. Und die Altstadt bekommt neue Fahrradwege."
    )
    found = keywords([nlp(text)], "de")
    assert found is not None
    # Fahrradwege 3 * 3; Altstadt and Stadtrat 2 * 2 each, ties in alphabetical order
    assert [k["phrase"] for k in found] == ["Fahrradwege", "Altstadt", "Stadtrat"]
    assert keywords([nlp(text)], "en") != found  # English stop words let "Der", "Die" in


def test_languages(nlp: Language) -> None:
    assert keywords([nlp("")]) == []
    assert keywords([nlp("the of and, 12 34. On Monday!")]) == []
    assert keywords([nlp(HARBOUR)], "ja") is None
    assert stop_words("xx") is None
    assert stop_words("de") is not None and "und" in stop_words("de")
