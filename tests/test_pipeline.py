"""The pipeline: requested analyses only, valid results for every fixture, never raises."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from newsdesk.results import ANALYSES, ResultSchema
from workers.nlp import get_model
from workers.pipeline import analyze, warm_up

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLES = ("wire_story", "web_paste", "brief", "non_english", "nothing_left")


@pytest.fixture(scope="session")
def nlp() -> Language:
    return get_model()


def fixture(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def test_model_keeps_only_what_ner_and_sentences_need(nlp: Language) -> None:
    assert nlp is get_model()
    assert "senter" in nlp.pipe_names and "ner" in nlp.pipe_names
    for unused in ("tagger", "parser", "lemmatizer", "attribute_ruler", "tok2vec"):
        assert unused not in nlp.pipe_names
    assert nlp.disabled == []


@pytest.mark.parametrize("name", ARTICLES)
def test_every_fixture_result_validates(nlp: Language, name: str) -> None:
    result = analyze({"text": fixture(name), "title": None, "url": None}, nlp=nlp)
    assert ResultSchema().validate(result) == {}
    assert set(result) == {"cleanup", "entities", "quotes", "stats", "warnings"}


@pytest.mark.parametrize(
    "analyses",
    [[], ["cleanup"], ["entities"], ["stats"], ["stats", "cleanup"], ["entities", "stats"]],
)
def test_only_requested_analyses_are_present(nlp: Language, analyses: list[str]) -> None:
    result = analyze({"text": fixture("web_paste"), "analyses": analyses}, nlp=nlp)
    assert set(result) == {*analyses, "warnings"}
    assert ResultSchema().validate(result) == {}


def test_stats_and_entities_use_the_cleaned_text(nlp: Language) -> None:
    result = analyze({"text": fixture("web_paste")}, nlp=nlp)
    body = result["cleanup"]["text"]
    assert result["stats"]["characters"] == len(body)
    for entity in result["entities"]:
        for mention in entity["mentions"]:
            assert body[mention["start"] : mention["end"]] == mention["text"]


def test_without_cleanup_stats_use_the_submitted_text(nlp: Language) -> None:
    submitted = fixture("web_paste")
    result = analyze({"text": submitted, "analyses": ["stats"]}, nlp=nlp)
    assert result["stats"]["characters"] == len(submitted)


def test_nothing_left_does_not_crash_and_counts_zero(nlp: Language) -> None:
    result = analyze({"text": fixture("nothing_left")}, nlp=nlp)
    assert ResultSchema().validate(result) == {}
    assert result["cleanup"]["text"] == ""
    assert result["entities"] == []
    figures = result["stats"]
    assert (figures["characters"], figures["words"], figures["sentences"]) == (0, 0, 0)
    assert (figures["paragraphs"], figures["reading_time_seconds"]) == (0, 0.0)
    codes = {(w["analysis"], w["code"]) for w in result["warnings"]}
    assert codes == {("cleanup", "empty_after_cleanup"), ("stats", "text_too_short")}


def test_request_title_feeds_cleanup_and_salience(nlp: Language) -> None:
    title = "Duarte vows court fight over port plan"
    result = analyze({"text": fixture("wire_story"), "title": title}, nlp=nlp)
    assert result["cleanup"]["title"] == title
    duarte = next(e for e in result["entities"] if e["name"] == "Rafael Duarte")
    without = analyze({"text": fixture("wire_story")}, nlp=nlp)
    duarte_without = next(e for e in without["entities"] if e["name"] == "Rafael Duarte")
    assert duarte["salience"] == pytest.approx(duarte_without["salience"] + 0.1, abs=1e-4)


def test_warm_up_loads_everything() -> None:
    warm_up()
    result = analyze({"text": fixture("brief")})
    assert ResultSchema().validate(result) == {}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(max_size=400),
    analyses=st.lists(st.sampled_from(ANALYSES), unique=True),
    language=st.sampled_from([None, "en", "de", ""]),
)
def test_analyze_never_raises_on_any_text(
    nlp: Language, text: str, analyses: list[str], language: str | None
) -> None:
    result = analyze({"text": text, "analyses": analyses, "language": language}, nlp=nlp)
    assert ResultSchema().validate(result) == {}


def test_reading_speed_option_overrides_the_server_default(nlp: Language) -> None:
    text = "The harbour ferry sails again. " * 60  # 300 words
    slow = analyze({"text": text, "analyses": ["stats"]}, reading_wpm=300, nlp=nlp)
    fast = analyze(
        {"text": text, "analyses": ["stats"], "options": {"stats": {"reading_wpm": 150}}},
        reading_wpm=300,
        nlp=nlp,
    )
    assert slow["stats"]["reading_time_seconds"] == 60.0
    assert fast["stats"]["reading_time_seconds"] == 120.0
