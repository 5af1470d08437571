"""Entities: offsets, grouping by normalised name, naming, type vote and salience."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from workers.entities import display_form, entity_key, extract
from workers.nlp import get_model
from workers.pipeline import analyze

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def nlp() -> Language:
    return get_model()


def fixture(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def doc_with_entities(nlp: Language, text: str, spans: list[tuple[str, int, str]]) -> Doc:
    """A Doc whose entities we choose: (surface text, occurrence, label)."""
    doc = nlp.make_doc(text)
    ents = []
    for surface, occurrence, label in spans:
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(surface, start + 1)
        span = doc.char_span(start, start + len(surface), label=label)
        assert span is not None, surface
        ents.append(span)
    doc.ents = ents
    return doc


@pytest.mark.parametrize(
    ("mention", "key"),
    [
        ("Hajari", "hajari"),
        ("the Hajari's", "hajari"),
        ("The  Hajari’s", "hajari"),
        ("HAJARI", "hajari"),
        ("the\nCoastal   Ports Authority", "coastal ports authority"),
        ("Lindqvists'", "lindqvists"),
        ("The", "the"),
    ],
)
def test_entity_key_normalises(mention: str, key: str) -> None:
    assert entity_key(mention) == key


def test_display_form_keeps_case() -> None:
    assert display_form("the Hajari's") == "Hajari"
    assert display_form("The  Velmora Fishing Cooperative") == "Velmora Fishing Cooperative"


def test_grouping_naming_type_vote_and_salience(nlp: Language) -> None:
    text = (
        "HAJARI spoke first. Later the Hajari's staff met Marsh.\n\n"
        "Hajari’s plan was final, Hajari said."
    )
    doc = doc_with_entities(
        nlp,
        text,
        [
            ("HAJARI", 0, "ORG"),
            ("the Hajari's", 0, "PERSON"),
            ("Marsh", 0, "PERSON"),
            ("Hajari’s", 0, "PERSON"),
            ("Hajari", 2, "PERSON"),
        ],
    )
    entities = extract(doc, title="Marsh meets the press")
    assert [e["name"] for e in entities] == ["Hajari", "Marsh"]
    hajari, marsh = entities
    assert hajari["type"] == "PERSON"  # 3 PERSON votes against 1 ORG
    assert hajari["count"] == 4
    assert [m["text"] for m in hajari["mentions"]] == [
        "HAJARI",
        "the Hajari's",
        "Hajari’s",
        "Hajari",
    ]
    for entity in entities:
        for mention in entity["mentions"]:
            assert text[mention["start"] : mention["end"]] == mention["text"]

    length = len(text)
    first_paragraph_end = text.index("\n\n")
    marsh_start = text.index("Marsh")
    # salience = 0.5 frequency + 0.3 position + 0.2 prominence (title 0.5 + first paragraph 0.5)
    assert hajari["salience"] == pytest.approx(0.5 * 1 + 0.3 * 1 + 0.2 * 0.5, abs=1e-4)
    assert marsh_start < first_paragraph_end
    assert marsh["salience"] == pytest.approx(
        0.5 * (1 / 4) + 0.3 * (1 - marsh_start / length) + 0.2 * 1.0, abs=1e-4
    )


def test_type_tie_goes_to_the_first_label_seen(nlp: Language) -> None:
    text = "Velmora grew. Velmora voted."
    doc = doc_with_entities(nlp, text, [("Velmora", 0, "GPE"), ("Velmora", 1, "ORG")])
    (entity,) = extract(doc)
    assert entity["type"] == "GPE"
    assert entity["count"] == 2


def test_no_entities_gives_an_empty_list(nlp: Language) -> None:
    assert extract(nlp.make_doc("")) == []
    assert extract(nlp.make_doc("nothing to see here")) == []


def test_wire_story_entities_from_the_model(nlp: Language) -> None:
    result = analyze({"text": fixture("wire_story")}, nlp=nlp)
    body = result["cleanup"]["text"]
    entities = result["entities"]
    assert entities
    for entity in entities:
        assert 0 <= entity["salience"] <= 1
        assert entity["count"] == len(entity["mentions"])
        for mention in entity["mentions"]:
            assert body[mention["start"] : mention["end"]] == mention["text"]
    saliences = [e["salience"] for e in entities]
    assert saliences == sorted(saliences, reverse=True)

    by_name = {e["name"]: e for e in entities}
    cooperative = by_name["Velmora Fishing Cooperative"]
    assert cooperative["count"] == 2  # "the ..." and "The ..." are one entity
    assert cooperative["type"] == "ORG"
    assert by_name["Coastal Ports Authority"]["type"] == "ORG"
    assert by_name["Rafael Duarte"]["type"] == "PERSON"


def test_possessive_mentions_group_with_the_bare_name(nlp: Language) -> None:
    result = analyze({"text": fixture("web_paste")}, nlp=nlp)
    body = result["cleanup"]["text"]
    hajari = next(e for e in result["entities"] if e["name"] == "Hajari")
    assert hajari["count"] >= 3
    starts = [m["start"] for m in hajari["mentions"]]
    # "The Hajari's last looms" is one of the mentions, grouped with the bare name
    assert any(body[start - 4 : start] == "The " for start in starts)


def test_offsets_index_the_submitted_text_without_cleanup(nlp: Language) -> None:
    submitted = fixture("web_paste")
    result = analyze({"text": submitted, "analyses": ["entities"]}, nlp=nlp)
    assert "cleanup" not in result
    assert result["entities"]
    for entity in result["entities"]:
        for mention in entity["mentions"]:
            assert submitted[mention["start"] : mention["end"]] == mention["text"]


def test_non_english_skips_ner_with_a_warning(nlp: Language) -> None:
    result = analyze({"text": fixture("non_english"), "analyses": ["entities"]}, nlp=nlp)
    assert result["entities"] == []
    assert result["warnings"] == [
        {
            "analysis": "entities",
            "code": "language_unsupported",
            "detail": "Entity recognition is for English; the text is 'de'.",
        }
    ]


def test_language_hint_wins_over_detection(nlp: Language) -> None:
    result = analyze(
        {"text": fixture("brief"), "analyses": ["entities"], "language": "es"}, nlp=nlp
    )
    assert result["entities"] == []
    assert result["warnings"][0]["code"] == "language_unsupported"
    result = analyze(
        {"text": fixture("brief"), "analyses": ["entities"], "language": "en"}, nlp=nlp
    )
    assert result["entities"] and result["warnings"] == []
