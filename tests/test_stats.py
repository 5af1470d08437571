"""Stats: counts and times against hand-computed numbers, readability against textstat,
language, entity summary."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
import textstat
from spacy.language import Language
from textstat.textstat import textstatistics

from newsdesk.results import StatsSchema
from newsdesk.settings import load
from workers import jobs, stats
from workers import readability as readability_module
from workers.chunks import parse
from workers.nlp import get_model
from workers.pipeline import analyze

FIXTURES = Path(__file__).parent / "fixtures"

FERRY = (
    "The ferry Aster left at 9:15 with 240 passengers.\n\n"
    '"We waited two hours," said Mila Hart, 34. "The ferry was cold."'
)


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
    ("text", "spans"),
    [
        ("", []),
        (
            "Hello, world — it's 2020-10-01.",
            [(0, "hello"), (7, "world"), (15, "it's"), (20, "2020-10-01")],
        ),
        ("(“Quoted,” _under_ —) x", [(0, "quoted"), (11, "under"), (22, "x")]),
        ("Elberg's ÉCOLE", [(0, "elberg's"), (9, "école")]),
    ],
)
def test_word_spans_start_at_the_token_and_drop_edge_punctuation(
    text: str, spans: list[tuple[int, str]]
) -> None:
    assert stats.word_spans(text) == spans
    assert len(spans) == stats.count_words(text)


def test_sentence_texts_are_the_sentences_of_the_chunks(nlp: Language) -> None:
    text = "\n\n".join(fixture(name) for name in ("wire_story", "brief", "web_paste"))
    parsed = parse(nlp, text, max_chars=800)
    docs = [doc for _, doc in parsed.chunks]
    assert len(docs) > 3
    texts = stats.sentence_texts(text, docs)
    assert texts == [sentence.text for sentence in stats.sentences_of(docs)]
    assert all(sentence in text for sentence in texts)


@pytest.mark.parametrize(
    ("text", "paragraphs"),
    [("", 0), ("One.", 1), ("One.\n\nTwo.\n\nThree.", 3), ("One.\nstill one.", 1), ("A\n \nB", 2)],
)
def test_count_paragraphs(text: str, paragraphs: int) -> None:
    assert stats.count_paragraphs(text) == paragraphs


def test_small_text_counts_by_hand(nlp: Language) -> None:
    figures = analyze({"text": FERRY, "analyses": ["stats"]}, nlp=nlp)["stats"]
    assert figures["characters"] == len(FERRY) == 115
    # 9 words in the first paragraph; 8 + 4 in the second
    assert figures["words"] == 21
    assert figures["sentences"] == 3
    assert figures["paragraphs"] == 2
    assert figures["unique_words"] == 19  # "the" and "ferry" twice each
    assert figures["numbers"] == 3  # 9:15, 240, 34 ("two" is spelled out)
    assert figures["direct_quotes"] == 2
    assert figures["quoted_word_share"] == round(8 / 21, 4)  # 4 + 4 words inside quotes
    assert figures["reading_time_seconds"] == 5.5  # 21 / 230 * 60 = 5.48
    assert figures["speaking_time_seconds"] == 8.4  # 21 / 150 * 60
    assert figures["style"] == {
        "average_sentence_words": 7.0,  # 9, 8, 4
        "longest_sentence_words": 9,
        "long_sentence_share": 0.0,
        "passive_sentence_share": 0.0,  # "was cold" is no participle
        "lexical_diversity_mtld": None,  # under 100 words
    }
    assert StatsSchema().validate(figures) == {}


def test_brief_stats_by_hand(nlp: Language) -> None:
    result = analyze({"text": fixture("brief"), "analyses": ["cleanup", "stats"]}, nlp=nlp)
    body = result["cleanup"]["text"]
    figures = result["stats"]
    assert figures["characters"] == 292 == len(body)
    # 20 + 14 + 12 words in the three sentences, counted by hand
    assert figures["words"] == 46
    assert figures["sentences"] == 3
    assert figures["paragraphs"] == 1
    # 46 words, of which "the" (3 times), "county" and "gorge" (twice each, once
    # capitalised) repeat: 46 - 2 - 1 - 1
    assert figures["unique_words"] == 42
    assert figures["numbers"] == 0
    assert figures["direct_quotes"] == 0
    assert figures["quoted_word_share"] == 0.0
    assert figures["reading_time_seconds"] == 12.0  # 46 / 230 * 60
    assert figures["speaking_time_seconds"] == 18.4  # 46 / 150 * 60
    style = figures["style"]
    assert style["average_sentence_words"] == round(46 / 3, 2)
    assert style["longest_sentence_words"] == 20
    assert style["passive_sentence_share"] == round(1 / 3, 4)  # "Both were taken to ..."
    assert figures["language"]["code"] == "en"
    assert figures["language"]["source"] == "detected"
    assert 0.5 < figures["language"]["confidence"] <= 1
    assert figures["entities_by_type"] is None  # entities were not asked for
    assert result["warnings"] == []


def test_speeds_are_parameters_and_options(nlp: Language) -> None:
    article = {"text": fixture("brief"), "analyses": ["stats"]}
    slow = analyze(article, reading_wpm=200, speaking_wpm=120, nlp=nlp)["stats"]
    assert slow["reading_time_seconds"] == 13.8  # 46 / 200 * 60
    assert slow["speaking_time_seconds"] == 23.0  # 46 / 120 * 60
    options = {"stats": {"reading_wpm": 300, "speaking_wpm": 184}}
    fast = analyze({**article, "options": options}, reading_wpm=200, nlp=nlp)["stats"]
    assert fast["reading_time_seconds"] == 9.2  # 46 / 300 * 60
    assert fast["speaking_time_seconds"] == 15.0  # 46 / 184 * 60


def test_speaking_speed_setting(nlp: Language, monkeypatch: pytest.MonkeyPatch) -> None:
    """The setting reaches the analysis with the settings a worker hands its jobs."""
    monkeypatch.setenv("NEWSDESK_SPEAKING_WPM", "92")
    monkeypatch.setattr(jobs, "_settings", None)  # put back afterwards
    jobs.use_settings(load())  # as a worker does when it starts
    figures = jobs.analyze_article({"text": fixture("brief"), "analyses": ["stats"]})["stats"]
    assert figures["speaking_time_seconds"] == 30.0  # 46 / 92 * 60


def test_readability_matches_textstat_called_directly(nlp: Language) -> None:
    result = analyze({"text": fixture("wire_story")}, nlp=nlp)
    body = result["cleanup"]["text"]
    readability = result["stats"]["readability"]
    expected = {name: round(getattr(textstat, name)(body), 2) for name in stats.READABILITY_FIELDS}
    assert {name: readability[name] for name in stats.READABILITY_FIELDS} == expected
    assert readability["flesch_reading_ease"] == round(textstat.flesch_reading_ease(body), 2)
    assert readability["smog_index"] == round(textstat.smog_index(body), 2)
    grades = sorted(
        round(getattr(textstat, name)(body), 2) for name in readability_module.GRADE_FIELDS
    )
    assert readability["grade_level"] == grades[2]  # the median of five
    assert readability["flesch_variant"] == "flesch"
    assert readability["reason"] is None
    assert result["stats"]["paragraphs"] == 5
    assert result["stats"]["words"] == stats.count_words(body)


def test_grade_level_is_the_median_of_the_grade_indices() -> None:
    text = fixture("wire_story")
    scores = stats.readability(text)
    assert scores["grade_level"] == round(
        statistics.median(scores[name] for name in readability_module.GRADE_FIELDS), 2
    )
    assert 0 < scores["grade_level"] < 20


def test_german_gets_its_own_flesch_variant_only(nlp: Language) -> None:
    result = analyze({"text": fixture("non_english"), "analyses": ["cleanup", "stats"]}, nlp=nlp)
    figures = result["stats"]
    body = result["cleanup"]["text"]
    german = textstatistics()
    german.set_lang("de")
    readability = figures["readability"]
    # Amstad: 180 - words per sentence - 58.5 * syllables per word, pyphen's German syllables
    assert readability["flesch_reading_ease"] == round(german.flesch_reading_ease(body), 2)
    assert readability["flesch_reading_ease"] != round(textstat.flesch_reading_ease(body), 2)
    assert readability["flesch_variant"] == "amstad"
    assert readability["reason"] == "grade_indices_english_only"
    assert readability["grade_level"] is None
    assert all(readability[name] is None for name in stats.READABILITY_FIELDS[1:])
    assert figures["language"]["code"] == "de"
    assert figures["language"]["confidence"] > 0.9
    assert figures["paragraphs"] == 3
    assert figures["sentences"] == 5
    assert [w["code"] for w in result["warnings"]] == ["grade_indices_english_only"]
    assert figures["keywords"] == []  # a short text: no phrase occurs twice


def test_the_shared_textstat_language_is_left_alone() -> None:
    stats.readability(fixture("non_english"), "de")
    assert textstat.textstat._textstatistics__lang == "en_US"


def test_language_without_a_formula_has_null_readability_and_a_reason(nlp: Language) -> None:
    text = fixture("non_english")
    result = analyze({"text": text, "analyses": ["stats"], "language": "pt"}, nlp=nlp)
    readability = result["stats"]["readability"]
    assert readability["reason"] == "language_unsupported"
    assert readability["flesch_variant"] is None
    assert {readability[name] for name in stats.READABILITY_FIELDS} == {None}
    assert result["warnings"][0]["code"] == "language_unsupported"


def test_short_english_text_has_null_readability(nlp: Language) -> None:
    result = analyze({"text": "The bridge reopened on Monday.", "analyses": ["stats"]}, nlp=nlp)
    readability = result["stats"]["readability"]
    assert {readability[name] for name in stats.READABILITY_FIELDS} == {None}
    assert readability["grade_level"] is None
    assert readability["reason"] == "text_too_short"
    assert result["warnings"][0]["code"] == "text_too_short"


def test_language_hint_wins(nlp: Language) -> None:
    result = analyze(
        {"text": fixture("non_english"), "analyses": ["stats"], "language": "EN-gb"}, nlp=nlp
    )
    assert result["stats"]["language"] == {"code": "en", "confidence": None, "source": "hint"}
    assert result["stats"]["readability"]["flesch_variant"] == "flesch"
    assert result["stats"]["readability"]["gunning_fog"] is not None


def test_unspaced_language_has_no_keywords(nlp: Language) -> None:
    result = analyze({"text": fixture("brief"), "analyses": ["stats"], "language": "ja"}, nlp=nlp)
    assert result["stats"]["keywords"] is None
    codes = [w["code"] for w in result["warnings"]]
    assert codes == ["language_unsupported", "keywords_language_unsupported"]


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
    assert with_entities["entities_by_type"] is not None
    assert stats_only["entities_by_type"] is None
    for name in ("entities_by_type", "mentions_by_type"):
        del with_entities[name], stats_only[name]
    assert with_entities == stats_only
    assert with_entities["sentences"] == 10


def test_entity_summary_counts_the_entities_result(nlp: Language) -> None:
    result = analyze({"text": fixture("wire_story")}, nlp=nlp)
    entities = result["entities"]
    by_type = result["stats"]["entities_by_type"]
    mentions = result["stats"]["mentions_by_type"]
    assert sum(by_type.values()) == len(entities)
    assert sum(mentions.values()) == sum(len(e["mentions"]) for e in entities)
    for kind in by_type:
        assert by_type[kind] == sum(1 for e in entities if e["type"] == kind)
    assert list(by_type.values()) == sorted(by_type.values(), reverse=True)


def test_entity_summary_by_hand() -> None:
    entities = [
        {"type": "PERSON", "count": 3, "mentions": [{}, {}, {}]},
        {"type": "ORG", "count": 1, "mentions": [{}]},
        {"type": "PERSON", "count": 1, "mentions": [{}]},
    ]
    assert stats.entity_summary(entities) == ({"PERSON": 2, "ORG": 1}, {"PERSON": 4, "ORG": 1})
    assert stats.entity_summary([]) == ({}, {})


def test_a_paragraph_break_always_ends_a_sentence(nlp: Language) -> None:
    result = analyze(
        {"text": "Heading without a stop\n\nThe body follows here.", "analyses": ["stats"]}, nlp=nlp
    )
    assert result["stats"]["sentences"] == 2


def test_empty_text(nlp: Language) -> None:
    figures, _ = stats.compute("", [nlp("")], language=stats.detect_language(""))
    assert figures["words"] == figures["sentences"] == figures["unique_words"] == 0
    assert figures["quoted_word_share"] == 0.0
    assert figures["style"]["average_sentence_words"] == 0.0
    assert figures["keywords"] == []
    assert StatsSchema().validate(figures) == {}


def test_quoted_words_by_hand() -> None:
    text = 'He said "one two" and "three".'
    starts = [start for start, _ in stats.word_spans(text)]
    assert stats.quoted_words(starts, [(8, 17), (22, 29)]) == 3
    assert stats.quoted_words(starts, []) == 0


def test_readability_leaves_no_text_in_textstat_caches() -> None:
    from workers.stats import _TEXTSTAT_CACHES, readability

    readability("The council met on Monday. It voted to repair the harbour wall before winter.")
    readability("Der Rat tagte am Montag. Er beschloss, die Hafenmauer zu reparieren.", "de")
    assert _TEXTSTAT_CACHES, "textstat's caches were not found"
    assert all(cached.cache_info().currsize == 0 for cached in _TEXTSTAT_CACHES)


def test_readability_keeps_textstat_dictionaries_loaded() -> None:
    from textstat.backend.utils._get_cmudict import get_cmudict

    from workers.stats import readability

    text = "The council met on Monday. It voted to repair the harbour wall before winter."
    readability(text)
    loads = get_cmudict.cache_info().misses
    readability(text)
    readability(text.replace("Monday", "Tuesday"))
    assert get_cmudict.cache_info().misses == loads  # reloading it costs ~0.8 s per article
