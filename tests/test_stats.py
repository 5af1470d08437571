"""Stats: counts against hand-computed numbers, readability against textstat, language."""

from __future__ import annotations

from pathlib import Path

import pytest
import textstat
from spacy.language import Language

from workers import stats
from workers.nlp import get_model
from workers.pipeline import analyze

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def nlp() -> Language:
    return get_model()


def fixture(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("Hello, world — it's 2020-10-01.", 4),  # the dash alone is not a word
        ("  one\ttwo\nthree  ", 3),
        ("... !!! ---", 0),
        ("Zwölf Kilometer, bitte.", 3),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert stats.count_words(text) == words


@pytest.mark.parametrize(
    ("text", "paragraphs"),
    [("", 0), ("One.", 1), ("One.\n\nTwo.\n\nThree.", 3), ("One.\nstill one.", 1), ("A\n \nB", 2)],
)
def test_count_paragraphs(text: str, paragraphs: int) -> None:
    assert stats.count_paragraphs(text) == paragraphs


def test_brief_stats_by_hand(nlp: Language) -> None:
    result = analyze({"text": fixture("brief"), "analyses": ["cleanup", "stats"]}, nlp=nlp)
    body = result["cleanup"]["text"]
    figures = result["stats"]
    assert figures["characters"] == 292 == len(body)
    # 20 + 14 + 12 words in the three sentences, counted by hand
    assert figures["words"] == 46
    assert figures["sentences"] == 3
    assert figures["paragraphs"] == 1
    assert figures["reading_time_seconds"] == 12.0  # 46 / 230 * 60
    assert figures["language"]["code"] == "en"
    assert figures["language"]["source"] == "detected"
    assert 0.5 < figures["language"]["confidence"] <= 1
    assert result["warnings"] == []


def test_reading_speed_is_a_parameter(nlp: Language) -> None:
    result = analyze({"text": fixture("brief"), "analyses": ["stats"]}, reading_wpm=200, nlp=nlp)
    assert result["stats"]["reading_time_seconds"] == 13.8  # 46 / 200 * 60


def test_readability_matches_textstat_called_directly(nlp: Language) -> None:
    result = analyze({"text": fixture("wire_story")}, nlp=nlp)
    body = result["cleanup"]["text"]
    readability = result["stats"]["readability"]
    assert set(readability) == set(stats.READABILITY_FIELDS)
    assert readability["flesch_reading_ease"] == round(textstat.flesch_reading_ease(body), 2)
    assert readability["flesch_kincaid_grade"] == round(textstat.flesch_kincaid_grade(body), 2)
    assert readability["gunning_fog"] == round(textstat.gunning_fog(body), 2)
    assert readability["smog_index"] == round(textstat.smog_index(body), 2)
    assert readability["coleman_liau_index"] == round(textstat.coleman_liau_index(body), 2)
    assert readability["automated_readability_index"] == round(
        textstat.automated_readability_index(body), 2
    )
    assert readability["dale_chall_readability_score"] == round(
        textstat.dale_chall_readability_score(body), 2
    )
    assert result["stats"]["paragraphs"] == 5
    assert result["stats"]["words"] == stats.count_words(body)


def test_non_english_has_null_readability_and_a_warning(nlp: Language) -> None:
    result = analyze({"text": fixture("non_english"), "analyses": ["cleanup", "stats"]}, nlp=nlp)
    figures = result["stats"]
    assert set(figures["readability"].values()) == {None}
    assert figures["language"]["code"] == "de"
    assert figures["language"]["confidence"] > 0.9
    assert figures["paragraphs"] == 3
    assert figures["sentences"] == 5
    assert result["warnings"] == [
        {
            "analysis": "stats",
            "code": "language_unsupported",
            "detail": "Readability formulas are for English; the text is 'de'.",
        }
    ]


def test_short_english_text_has_null_readability(nlp: Language) -> None:
    result = analyze({"text": "The bridge reopened on Monday.", "analyses": ["stats"]}, nlp=nlp)
    assert set(result["stats"]["readability"].values()) == {None}
    assert result["warnings"][0]["code"] == "text_too_short"


def test_language_hint_wins(nlp: Language) -> None:
    result = analyze(
        {"text": fixture("non_english"), "analyses": ["stats"], "language": "EN-gb"}, nlp=nlp
    )
    assert result["stats"]["language"] == {"code": "en", "confidence": None, "source": "hint"}
    assert result["stats"]["readability"]["flesch_reading_ease"] is not None


def test_detect_language_without_letters() -> None:
    assert stats.detect_language("") == {"code": None, "confidence": None, "source": "detected"}
    assert stats.detect_language("12 34 !!")["code"] is None


@pytest.mark.parametrize(
    ("hint", "code"), [("en", "en"), ("EN", "en"), ("de-AT", "de"), ("pt_BR", "pt"), ("", None)]
)
def test_normalise_hint(hint: str, code: str | None) -> None:
    assert stats.normalise_hint(hint) == code


def test_sentences_are_the_same_with_or_without_entities(nlp: Language) -> None:
    article = {"text": fixture("wire_story")}
    with_entities = analyze(article, nlp=nlp)["stats"]
    stats_only = analyze({**article, "analyses": ["cleanup", "stats"]}, nlp=nlp)["stats"]
    assert with_entities == stats_only
    assert with_entities["sentences"] == 10


def test_a_paragraph_break_always_ends_a_sentence(nlp: Language) -> None:
    result = analyze(
        {"text": "Heading without a stop\n\nThe body follows here.", "analyses": ["stats"]}, nlp=nlp
    )
    assert result["stats"]["sentences"] == 2


def test_readability_leaves_no_text_in_textstat_caches() -> None:
    from workers.stats import _TEXTSTAT_CACHES, readability

    readability("The council met on Monday. It voted to repair the harbour wall before winter.")
    assert _TEXTSTAT_CACHES, "textstat's caches were not found"
    assert all(cached.cache_info().currsize == 0 for cached in _TEXTSTAT_CACHES)


def test_readability_keeps_textstat_dictionaries_loaded() -> None:
    from textstat.backend.utils._get_cmudict import get_cmudict

    from workers.stats import readability

    readability("The council met on Monday. It voted to repair the harbour wall before winter.")
    assert get_cmudict.cache_info().currsize == 1  # reloading it costs ~0.8 s per article
