"""Entities: mention spans, merging, typing by evidence, places, options, salience."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from newsdesk.results import EntitySchema, ResultSchema
from workers.entities import VALUE_TYPES, display_form, entity_key, extract, select
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


def by_name(entities: list[dict]) -> dict[str, dict]:
    return {e["name"]: e for e in entities}


def assert_well_formed(text: str, entities: list[dict]) -> None:
    assert EntitySchema(many=True).validate(entities) == {}
    for entity in entities:
        assert entity["count"] == len(entity["mentions"])
        assert entity["name"] in entity["aliases"]
        starts = [m["start"] for m in entity["mentions"]]
        assert starts == sorted(starts)
        for mention in entity["mentions"]:
            assert text[mention["start"] : mention["end"]] == mention["text"]


@pytest.mark.parametrize(
    ("mention", "key"),
    [
        ("Hajari", "hajari"),
        ("the Hajari's", "hajari"),
        ("The  Hajari’s", "hajari"),
        ("HAJARI", "hajari"),
        ("the\nCoastal   Ports Authority", "coastal ports authority"),
        ("Lindqvists'", "lindqvists"),
        ("U.S.", "us"),
        ("US", "us"),
        ("Mr. Hajari", "hajari"),
        ("Dr Hajari", "hajari"),
        ("Sao Tomé", "sao tome"),
        ("The", "the"),
        ("$4.2 million", "$ 42 million"),  # the currency sign counts
        ("€4.2 million", "€ 42 million"),
    ],
)
def test_entity_key_normalises(mention: str, key: str) -> None:
    assert entity_key(mention) == key


def test_display_form_keeps_case() -> None:
    assert display_form("the Hajari's") == "Hajari"
    assert display_form("The  Velmora Fishing Cooperative") == "Velmora Fishing Cooperative"


def test_grouping_trimming_naming_type_vote_and_salience(nlp: Language) -> None:
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
    # spans lose the "the" and the possessive; the text is still exactly the span
    assert [m["text"] for m in hajari["mentions"]] == ["HAJARI", "Hajari", "Hajari", "Hajari"]
    assert hajari["mentions"][1]["start"] == text.index("Hajari's")
    assert hajari["aliases"] == ["HAJARI", "Hajari"]
    assert_well_formed(text, entities)

    length = len(text)
    first_paragraph_end = text.index("\n\n")
    marsh_start = text.index("Marsh")
    # salience = 0.5 frequency + 0.3 position + 0.2 prominence (title 0.5 + first paragraph 0.5)
    assert hajari["salience"] == pytest.approx(0.5 * 1 + 0.3 * 1 + 0.2 * 0.5, abs=1e-4)
    assert marsh_start < first_paragraph_end
    assert marsh["salience"] == pytest.approx(
        0.5 * (1 / 4) + 0.3 * (1 - marsh_start / length) + 0.2 * 1.0, abs=1e-4
    )


def test_a_capital_the_is_kept_inside_a_sentence_and_dropped_at_its_start(
    nlp: Language,
) -> None:
    text = "The Kessel Gazette hired Ana Lupo. She once ran The Kessel Gazette."
    doc = doc_with_entities(
        nlp, text, [("The Kessel Gazette", 0, "ORG"), ("The Kessel Gazette", 1, "ORG")]
    )
    doc[0].is_sent_start = True
    (gazette,) = extract(doc)
    assert [m["text"] for m in gazette["mentions"]] == ["Kessel Gazette", "The Kessel Gazette"]
    assert gazette["count"] == 2


def test_type_tie_goes_to_the_first_label_seen(nlp: Language) -> None:
    text = "Velmora grew. Velmora voted."
    doc = doc_with_entities(nlp, text, [("Velmora", 0, "GPE"), ("Velmora", 1, "ORG")])
    (entity,) = extract(doc)
    assert entity["type"] == "GPE"
    assert entity["count"] == 2


def test_no_entities_gives_an_empty_list(nlp: Language) -> None:
    assert extract(nlp.make_doc("")) == []
    assert extract(nlp.make_doc("nothing to see here")) == []


# --- merging ------------------------------------------------------------------------


def test_surname_merges_with_the_one_full_name(nlp: Language) -> None:
    text = (
        "Talia Vornholt, the harbour master, closed the quay. "
        "Vornholt said the storm would pass. Vornholt's deputy agreed."
    )
    doc = doc_with_entities(
        nlp,
        text,
        [("Talia Vornholt", 0, "PERSON"), ("Vornholt", 1, "PERSON"), ("Vornholt", 2, "ORG")],
    )
    (person,) = extract(doc)
    assert person["name"] == "Talia Vornholt"
    assert person["type"] == "PERSON"
    assert person["count"] == 3
    assert person["aliases"] == ["Talia Vornholt", "Vornholt"]
    assert_well_formed(text, [person])


@pytest.mark.parametrize(
    ("text", "model_span", "mention"),
    [
        ("The port raised $4.2 million on Monday.", "4.2 million", "$4.2 million"),
        ("It holds £30,000 in reserve.", "30,000", "£30,000"),
        ("It cost US$12 a head.", "12", "US$12"),
        ("Tickets cost 9€ each.", "9", "9€"),
        ("The ferry cost $40 in fares.", "$40", "$40"),  # the model's own span is kept
        ("They earned $ 40 a day.", "40", "40"),  # a sign apart from the amount stays out
    ],
)
def test_money_takes_the_currency_sign_written_against_it(
    nlp: Language, text: str, model_span: str, mention: str
) -> None:
    (money,) = extract(doc_with_entities(nlp, text, [(model_span, 0, "MONEY")]))
    assert [m["text"] for m in money["mentions"]] == [mention]
    assert money["name"] == mention
    assert_well_formed(text, [money])


def test_money_sign_never_reaches_into_the_entity_before(nlp: Language) -> None:
    text = "It cost US$40 there."
    doc = doc_with_entities(nlp, text, [("US$", 0, "GPE"), ("40", 0, "MONEY")])
    (money,) = [e for e in extract(doc) if e["type"] == "MONEY"]
    assert [m["text"] for m in money["mentions"]] == ["40"]  # "US$" is the model's GPE


def test_amounts_in_two_currencies_stay_apart(nlp: Language) -> None:
    text = "The club paid $5 million, and its rival €5 million, then $5 million more."
    spans = [("5 million", 0, "MONEY"), ("5 million", 1, "MONEY"), ("5 million", 2, "MONEY")]
    entities = extract(doc_with_entities(nlp, text, spans))
    # an amount is a value: each mention its own entry, whatever its sign
    assert [(e["name"], e["count"]) for e in entities] == [
        ("$5 million", 1),
        ("€5 million", 1),
        ("$5 million", 1),
    ]


def test_short_name_merges_with_the_one_organisation_it_starts(nlp: Language) -> None:
    text = (
        "Brannock Motors is recalling 800 cars. The Brannock Arrow is affected. "
        "Analysts said Brannock would recover. Crowds filled Velmar Stadium. "
        "The final is at Velmar in May."
    )
    spans = [
        ("Brannock Motors", 0, "ORG"),
        ("Brannock Arrow", 0, "PRODUCT"),  # a product, not a second organisation
        ("Brannock", 2, "PERSON"),
        ("Velmar Stadium", 0, "FAC"),
        ("Velmar", 1, "GPE"),
    ]
    entities = by_name(extract(doc_with_entities(nlp, text, spans)))
    motors = entities["Brannock Motors"]
    assert motors["aliases"] == ["Brannock Motors", "Brannock"]
    assert motors["type"] == "ORG"  # the short name takes the full name's type
    assert motors["count"] == 2
    assert entities["Velmar Stadium"]["aliases"] == ["Velmar Stadium", "Velmar"]
    assert entities["Velmar Stadium"]["type"] == "FAC"
    assert "Brannock Arrow" in entities
    assert_well_formed(text, list(entities.values()))


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        # an organisation named after its place: the word alone is the place
        (
            "The mayor of Dunmore resigned. The Dunmore Tenants Association welcomed it.",
            [("Dunmore", 0, "GPE"), ("Dunmore Tenants Association", 0, "ORG")],
        ),
        # two organisations start with the word
        (
            "Brannock Motors and Brannock Rail both grew. Brannock said so.",
            [("Brannock Motors", 0, "ORG"), ("Brannock Rail", 0, "ORG"), ("Brannock", 2, "ORG")],
        ),
        # a place the gazetteer knows
        (
            "Leeds Rhinos won again. Crowds in Leeds cheered.",
            [("Leeds Rhinos", 0, "ORG"), ("Leeds", 1, "GPE")],
        ),
        # a nationality is not the short name of an organisation it opens
        (
            "Velmaran ministers met. The Velmaran Air Force flew over. Velmaran exports rose.",
            [
                ("Velmaran", 0, "NORP"),
                ("Velmaran Air Force", 0, "ORG"),
                ("Velmaran", 2, "NORP"),
            ],
        ),
        # a surname of a person named in full is that person's
        (
            "Mara Kessling founded Kessling Freight. Kessling said it would grow.",
            [
                ("Mara Kessling", 0, "PERSON"),
                ("Kessling Freight", 0, "ORG"),
                ("Kessling", 2, "PERSON"),
            ],
        ),
    ],
)
def test_short_name_stays_apart_when_it_may_be_something_else(
    nlp: Language, text: str, spans: list[tuple[str, int, str]]
) -> None:
    entities = extract(doc_with_entities(nlp, text, spans))
    assert all(len(e["aliases"]) == 1 for e in entities if e["type"] in {"ORG", "FAC"})


def test_surname_shared_by_two_people_stays_apart(nlp: Language) -> None:
    text = "Talia Vornholt and her brother Emil Vornholt run the yard. Vornholt said no."
    doc = doc_with_entities(
        nlp,
        text,
        [
            ("Talia Vornholt", 0, "PERSON"),
            ("Emil Vornholt", 0, "PERSON"),
            ("Vornholt", 2, "PERSON"),
        ],
    )
    names = sorted(e["name"] for e in extract(doc))
    assert names == ["Emil Vornholt", "Talia Vornholt", "Vornholt"]


def test_surname_said_makes_a_mislabelled_full_name_a_person(nlp: Language) -> None:
    text = "Kessel Port hired Oren Balsky in May. Balsky said the cranes were old."
    doc = doc_with_entities(
        nlp, text, [("Kessel Port", 0, "ORG"), ("Oren Balsky", 0, "ORG"), ("Balsky", 1, "ORG")]
    )
    entities = by_name(extract(doc))
    assert entities["Oren Balsky"]["type"] == "PERSON"
    assert entities["Oren Balsky"]["count"] == 2
    assert entities["Kessel Port"]["type"] == "ORG"


def test_a_country_is_not_taken_for_a_surname(nlp: Language) -> None:
    text = "Rami Jordan met officials. Jordan signed the treaty."
    doc = doc_with_entities(nlp, text, [("Rami Jordan", 0, "PERSON"), ("Jordan", 1, "GPE")])
    entities = by_name(extract(doc))
    assert entities["Jordan"]["type"] == "GPE"
    assert entities["Rami Jordan"]["count"] == 1


def test_acronym_defined_after_its_expansion_and_missed_mentions_added(nlp: Language) -> None:
    text = (
        "The Brisk Valley Rail Authority (BVRA) raised fares. "
        "Passengers blamed the BVRA. A BVRA spokesman declined to comment. "
        "BVRAX is a ticker, not the agency."
    )
    # the model found the expansion only: both later "BVRA" are added by string search
    doc = doc_with_entities(nlp, text, [("Brisk Valley Rail Authority", 0, "ORG")])
    (authority,) = extract(doc)
    assert authority["name"] == "Brisk Valley Rail Authority"
    assert authority["type"] == "ORG"
    assert authority["aliases"] == ["Brisk Valley Rail Authority", "BVRA"]
    assert authority["count"] == 4  # the expansion, "(BVRA)" and two more; not "BVRAX"
    assert [m["text"] for m in authority["mentions"]] == [
        "Brisk Valley Rail Authority",
        "BVRA",
        "BVRA",
        "BVRA",
    ]
    assert_well_formed(text, [authority])


def test_acronym_before_its_expansion(nlp: Language) -> None:
    text = (
        "Fares rose at SVIR (Stellan Valley Institute of Rail) this year. "
        "SVIR said costs had doubled."
    )
    doc = doc_with_entities(
        nlp,
        text,
        [("SVIR", 0, "ORG"), ("Stellan Valley Institute of Rail", 0, "ORG"), ("SVIR", 1, "PERSON")],
    )
    (institute,) = extract(doc)
    assert institute["name"] == "Stellan Valley Institute of Rail"
    assert institute["type"] == "ORG"
    assert institute["count"] == 3


def test_acronym_of_an_organisation_named_elsewhere(nlp: Language) -> None:
    text = "The Kessel Harbour Board met on Monday. Later the KHB approved the plan."
    doc = doc_with_entities(nlp, text, [("Kessel Harbour Board", 0, "ORG"), ("KHB", 0, "ORG")])
    (board,) = extract(doc)
    assert board["aliases"] == ["Kessel Harbour Board", "KHB"]
    assert board["count"] == 2


def test_country_spellings_merge_into_one_linked_place(nlp: Language) -> None:
    text = "The U.S. sent envoys. The United States and the US Navy... US officials agreed."
    doc = doc_with_entities(
        nlp,
        text,
        [("U.S.", 0, "GPE"), ("United States", 0, "GPE"), ("US", 1, "ORG")],
    )
    (country,) = extract(doc)
    assert country["name"] == "United States"
    assert country["type"] == "GPE"
    assert country["count"] == 3
    assert country["place"]["country_code"] == "US"
    assert country["place"]["feature"] == "country"


# --- typing by evidence -----------------------------------------------------------


def test_country_labelled_person_is_a_gpe_with_its_place(nlp: Language) -> None:
    text = "Armenia recalled its envoy. Officials in Armenia were angry."
    doc = doc_with_entities(nlp, text, [("Armenia", 0, "PERSON"), ("Armenia", 1, "ORG")])
    (armenia,) = extract(doc)
    assert armenia["type"] == "GPE"
    assert armenia["place"] == {
        "geonames_id": 174982,
        "country_code": "AM",
        "latitude": 40.0,  # a point inside the country, for a map pin
        "longitude": 45.0,
        "feature": "country",
    }


def test_person_once_org_twice_is_decided_by_a_speech_verb(nlp: Language) -> None:
    text = "Lusine Okonkwo arrived. Okonkwo argued. Okonkwo told reporters she would stay."
    spans = [("Lusine Okonkwo", 0, "PERSON"), ("Okonkwo", 1, "ORG"), ("Okonkwo", 2, "ORG")]
    (person,) = extract(doc_with_entities(nlp, text, spans))
    assert person["type"] == "PERSON"
    assert person["count"] == 3
    # without a full name, PERSON once ORG twice and no evidence: the vote stands
    plain = "Okonkwo grew. Okonkwo argued. Okonkwo rose."
    spans = [("Okonkwo", 0, "PERSON"), ("Okonkwo", 1, "ORG"), ("Okonkwo", 2, "ORG")]
    (entity,) = extract(doc_with_entities(nlp, plain, spans))
    assert entity["type"] == "ORG"


def test_organisation_words_make_an_org(nlp: Language) -> None:
    text = "Shares of Brannock Holdings fell. The Ministry of Tides said so."
    doc = doc_with_entities(
        nlp, text, [("Brannock Holdings", 0, "PERSON"), ("Ministry of Tides", 0, "GPE")]
    )
    assert {e["type"] for e in extract(doc)} == {"ORG"}


def test_big_city_labelled_person_is_a_gpe_but_not_when_it_speaks(nlp: Language) -> None:
    text = "Talks resume in Yerevan next week."
    (city,) = extract(doc_with_entities(nlp, text, [("Yerevan", 0, "PERSON")]))
    assert city["type"] == "GPE"
    assert city["place"]["country_code"] == "AM"
    assert city["place"]["feature"] == "city"
    text = "Ms Yerevan said she would resign."
    (person,) = extract(doc_with_entities(nlp, text, [("Yerevan", 0, "PERSON")]))
    assert person["type"] == "PERSON"
    assert person["place"] is None


def test_places_link_to_the_gazetteer_or_null(nlp: Language) -> None:
    text = "From London to Zorvikstad, and on to Europe."
    doc = doc_with_entities(
        nlp, text, [("London", 0, "GPE"), ("Zorvikstad", 0, "GPE"), ("Europe", 0, "LOC")]
    )
    entities = by_name(extract(doc))
    london = entities["London"]["place"]
    assert london["country_code"] == "GB"  # the most populous London
    assert london["latitude"] == pytest.approx(51.5, abs=0.1)
    assert london["longitude"] == pytest.approx(-0.13, abs=0.1)
    assert entities["Zorvikstad"]["place"] is None
    assert entities["Europe"]["type"] == "LOC"
    assert entities["Europe"]["place"]["feature"] == "continent"


# --- options, model runs, pipeline --------------------------------------------------


def test_options_filter_the_output_not_the_computation(nlp: Language) -> None:
    text = fixture("wire_story")
    everything = analyze({"text": text, "analyses": ["entities"]}, nlp=nlp)["entities"]
    asked = {"types": ["PERSON", "GPE"], "min_salience": 0.2}
    filtered = analyze(
        {"text": text, "analyses": ["entities"], "options": {"entities": asked}}, nlp=nlp
    )["entities"]
    expected = [e for e in everything if e["type"] in {"PERSON", "GPE"} and e["salience"] >= 0.2]
    assert filtered == expected
    assert 0 < len(filtered) < len(everything)
    assert select(everything, {}) == everything
    assert select(everything, {"min_salience": 1.0}) == [
        e for e in everything if e["salience"] == 1.0
    ]


def test_wire_story_entities_from_the_model(nlp: Language) -> None:
    result = analyze({"text": fixture("wire_story")}, nlp=nlp)
    assert ResultSchema().validate(result) == {}
    body = result["cleanup"]["text"]
    entities = result["entities"]
    assert_well_formed(body, entities)
    saliences = [e["salience"] for e in entities]
    assert saliences == sorted(saliences, reverse=True)
    assert all(0 <= s <= 1 for s in saliences)

    found = by_name(entities)
    cooperative = found["Velmora Fishing Cooperative"]
    assert cooperative["count"] == 2  # "the ..." and "The ..." are one entity
    assert cooperative["type"] == "ORG"
    authority = found["Coastal Ports Authority"]
    assert authority["type"] == "ORG"
    assert "CPA" in authority["aliases"]
    assert authority["count"] == body.count("CPA") + 1  # every "CPA" and the expansion
    duarte = found["Rafael Duarte"]
    assert duarte["type"] == "PERSON"
    assert duarte["aliases"] == ["Rafael Duarte", "Duarte"]
    assert found["Helena Marsh"]["aliases"] == ["Helena Marsh", "Marsh"]


def test_sentence_indices_count_the_sentences_stats_counts(nlp: Language) -> None:
    text = (
        "Mira Castell opened the Lorn Street bakery in 2019.\n\n"
        "Castell bakes at dawn. Her rye sells out by nine.\n\n"
        "On Fridays the queue reaches Dunmore Square, Castell said."
    )
    result = analyze({"text": text, "analyses": ["entities", "stats"]}, nlp=nlp)
    assert result["stats"]["sentences"] == 4
    castell = by_name(result["entities"])["Mira Castell"]
    assert [m["sentence"] for m in castell["mentions"]] == [0, 1, 3]


def test_offsets_index_the_submitted_text_without_cleanup(nlp: Language) -> None:
    submitted = fixture("web_paste")
    result = analyze({"text": submitted, "analyses": ["entities"]}, nlp=nlp)
    assert "cleanup" not in result
    assert result["entities"]
    assert_well_formed(submitted, result["entities"])


def test_possessive_mentions_group_with_the_bare_name(nlp: Language) -> None:
    result = analyze({"text": fixture("web_paste")}, nlp=nlp)
    body = result["cleanup"]["text"]
    hajari = next(e for e in result["entities"] if "Hajari" in e["aliases"])
    assert hajari["count"] >= 3
    # "The Hajari's last looms" is one of the mentions, trimmed to the bare name
    assert any(body[m["start"] - 4 : m["start"]] == "The " for m in hajari["mentions"])


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


# --- Values: dates, numbers and amounts are not entities -----------------------------


def test_values_are_flagged_kept_apart_and_ranked_after_names(nlp: Language) -> None:
    text = (
        "Two crews of the Kessel Ferry Company struck on Tuesday. Two hours later two "
        "managers met the crews. The strike began on March 3, 2025, and cost 40 percent "
        "of the day's crossings.\n\n"
        "On Tuesday the company said the crews would be paid for March 3, 2025."
    )
    spans = [
        ("Two", 0, "CARDINAL"),
        ("Kessel Ferry Company", 0, "ORG"),
        ("Tuesday", 0, "DATE"),
        ("Two hours", 0, "TIME"),
        ("two", 0, "CARDINAL"),
        ("March 3, 2025", 0, "DATE"),
        ("40 percent", 0, "PERCENT"),
        ("Tuesday", 1, "DATE"),
        ("March 3, 2025", 1, "DATE"),
    ]
    entities = extract(doc_with_entities(nlp, text, spans), title="Two ferry crews strike")
    assert_well_formed(text, entities)
    names = [e for e in entities if not e["value"]]
    values = [e for e in entities if e["value"]]
    assert [e["name"] for e in names] == ["Kessel Ferry Company"]
    assert entities[: len(names)] == names  # every name before every value
    assert all(e["salience"] == 0 for e in values)
    assert names[0]["salience"] > 0
    # one entry per mention: the two "Two"s, the two Tuesdays (which week?) ...
    assert [(e["name"], e["count"]) for e in values if e["type"] == "CARDINAL"] == [
        ("Two", 1),
        ("two", 1),
    ]
    assert [e["count"] for e in values if e["name"] == "Tuesday"] == [1, 1]
    # ... except a calendar date written alike, which is one date
    (date,) = [e for e in values if e["name"] == "March 3, 2025"]
    assert date["count"] == 2
    # values come in text order
    assert [e["mentions"][0]["start"] for e in values] == sorted(
        e["mentions"][0]["start"] for e in values
    )
    # a salience filter leaves the values out
    assert select(entities, {"min_salience": 0.01}) == names


def test_mentions_written_alike_take_one_label_and_values_stay_apart(nlp: Language) -> None:
    text = "Sales rose in Q3. Analysts had expected Q3 to be weak, and Q3 was strong."
    spans = [("Q3", 0, "DATE"), ("Q3", 1, "PERSON"), ("Q3", 2, "DATE")]
    entities = extract(doc_with_entities(nlp, text, spans))
    assert [(e["name"], e["type"], e["count"], e["value"]) for e in entities] == [
        ("Q3", "DATE", 1, True)
    ] * 3


def test_no_value_among_the_five_most_salient_on_a_parsed_article(nlp: Language) -> None:
    text = (
        "Two ferries of the Kessel Ferry Company were held in Port Aldwin on Tuesday, "
        "two days after the strike began. Two unions, the Harbour Workers Union and the "
        "Deckhands Guild, said 300 crew members had stopped work.\n\n"
        "The company said it had lost $2 million. Union leader Mara Voss said two talks "
        "had failed and a third would start on Tuesday."
    )
    entities = extract(nlp(text), title="Two ferries held in Port Aldwin")
    assert_well_formed(text, entities)
    assert not any(e["value"] for e in entities[:5])
    assert all(e["count"] == 1 for e in entities if e["value"])
    assert all(e["value"] == (e["type"] in VALUE_TYPES) for e in entities)


# --- Generic names: merged only with evidence of one owner ---------------------------


def test_two_foreign_ministries_stay_apart_and_each_gathers_its_own(nlp: Language) -> None:
    text = (
        "The Armenian Foreign Ministry spokeswoman, Lilit Harutyunova, protested. "
        "Israel's Foreign Ministry said it regretted the decision.\n\n"
        "Later the Armenian Foreign Ministry recalled its envoy, and Israel's Foreign Ministry "
        "said it would not comment."
    )
    spans = [
        ("Armenian", 0, "NORP"),  # the model tags the owner apart...
        ("Foreign Ministry", 0, "ORG"),
        ("Lilit Harutyunova", 0, "PERSON"),
        ("Israel", 0, "GPE"),
        ("Foreign Ministry", 1, "ORG"),
        ("Armenian Foreign Ministry", 1, "ORG"),  # ...or inside the name
        ("Israel", 1, "GPE"),
        ("Foreign Ministry", 3, "ORG"),
    ]
    entities = extract(doc_with_entities(nlp, text, spans))
    assert_well_formed(text, entities)
    ministries = {e["name"]: e for e in entities if "Ministry" in e["name"]}
    assert sorted(ministries) == ["Armenian Foreign Ministry", "Israel's Foreign Ministry"]
    armenian, israeli = (
        ministries["Armenian Foreign Ministry"],
        ministries["Israel's Foreign Ministry"],
    )
    assert armenian["type"] == israeli["type"] == "ORG"
    assert [m["text"] for m in armenian["mentions"]] == [
        "Foreign Ministry",
        "Armenian Foreign Ministry",
    ]
    assert armenian["count"] == 2
    assert israeli["count"] == 2
    assert "Israel's Foreign Ministry" in israeli["aliases"]


def test_generic_name_without_an_owner_joins_no_owned_one(nlp: Language) -> None:
    text = (
        "Norvia's Foreign Ministry summoned the envoy. The Foreign Ministry of Kessel "
        "replied on Monday. The Foreign Ministry gave no reason."
    )
    spans = [
        ("Norvia", 0, "GPE"),
        ("Foreign Ministry", 0, "ORG"),
        ("Foreign Ministry", 1, "ORG"),
        ("Kessel", 0, "GPE"),
        ("Foreign Ministry", 2, "ORG"),
    ]
    entities = extract(doc_with_entities(nlp, text, spans))
    ministries = sorted((e["name"], e["count"]) for e in entities if "Ministry" in e["name"])
    # "Foreign Ministry of Kessel": the owner written after it
    assert ministries == [
        ("Foreign Ministry", 1),
        ("Foreign Ministry of Kessel", 1),
        ("Norvia's Foreign Ministry", 1),
    ]


def test_owned_generic_name_joins_the_acronym_the_text_defines(nlp: Language) -> None:
    text = (
        "Norvia's Ministry of Foreign Affairs (MFA) called in the envoy. The MFA said "
        "the talks were over. Kessel's Ministry of Foreign Affairs did not reply."
    )
    spans = [
        ("Norvia", 0, "GPE"),
        ("Ministry of Foreign Affairs", 0, "ORG"),
        ("MFA", 0, "ORG"),
        ("MFA", 1, "ORG"),
        ("Kessel", 0, "GPE"),
        ("Ministry of Foreign Affairs", 1, "ORG"),
    ]
    entities = by_name(extract(doc_with_entities(nlp, text, spans)))
    norvian = entities["Norvia's Ministry of Foreign Affairs"]
    assert [m["text"] for m in norvian["mentions"]] == [
        "Ministry of Foreign Affairs",
        "MFA",
        "MFA",
    ]
    assert entities["Kessel's Ministry of Foreign Affairs"]["count"] == 1


def test_two_ministries_on_a_parsed_article_share_no_entry(nlp: Language) -> None:
    text = (
        "The Armenian Foreign Ministry spokeswoman, Lilit Harutyunova, said on Tuesday "
        "that the decision was final. Israel's Foreign Ministry said it was studying the "
        "report.\n\n"
        '"Israel values its partnership with Armenia," Israel\'s Foreign Ministry said in '
        "a statement."
    )
    entities = extract(nlp(text))
    for entity in entities:
        owners = {
            "Armenian" if "Armenian" in text[m["start"] - 10 : m["end"]] else "Israel"
            for m in entity["mentions"]
            if "Ministry" in m["text"]
        }
        assert len(owners) <= 1, entity


def test_short_name_needs_the_full_name_first_and_no_other_name_holding_it(
    nlp: Language,
) -> None:
    moon = (
        "Astronomers have long studied Quellara, an icy moon. Quellara may hold an ocean. "
        "The Quellara Voyager probe will launch to study it."
    )
    spans = [("Quellara", 0, "LOC"), ("Quellara", 1, "LOC"), ("Quellara Voyager", 0, "FAC")]
    entities = extract(doc_with_entities(nlp, moon, spans))
    # the moon was named long before the probe named after it
    assert sorted((e["name"], e["type"], e["count"]) for e in entities) == [
        ("Quellara", "LOC", 2),
        ("Quellara Voyager", "FAC", 1),
    ]
    company = "Walt Harlow Co. owns the Harlow Channel. Harlow said profits rose."
    spans = [("Walt Harlow Co.", 0, "ORG"), ("Harlow Channel", 0, "ORG"), ("Harlow", 2, "ORG")]
    entities = extract(doc_with_entities(nlp, company, spans))
    # "Harlow" could be short for either name that holds it: no merge
    assert sorted((e["name"], e["count"]) for e in entities) == [
        ("Harlow", 1),
        ("Harlow Channel", 1),
        ("Walt Harlow Co.", 1),
    ]


def test_a_final_plus_names_another_entity(nlp: Language) -> None:
    text = "Velmar launched Velmar+ in May. Velmar+ costs less than Velmar's cable channel."
    spans = [
        ("Velmar", 0, "ORG"),
        ("Velmar+", 0, "ORG"),
        ("Velmar+", 1, "ORG"),
        ("Velmar", 3, "ORG"),
    ]
    entities = extract(doc_with_entities(nlp, text, spans))
    assert entity_key("Velmar+") != entity_key("Velmar")
    assert sorted((e["name"], e["count"]) for e in entities if not e["value"]) == [
        ("Velmar", 2),
        ("Velmar+", 2),
    ]


def test_places_the_model_typed_org_are_typed_from_the_table_and_the_text(
    nlp: Language,
) -> None:
    text = (
        "Shelling hit the Varsk enclave on Monday. Farmers in the Tolmar region fled. "
        "Clashes went on around Nagorno-Karabakh. Jets flew over the Negev. "
        "The Varsk city council met. Troops entered the city of Brevno."
    )
    spans = [
        ("Varsk", 0, "ORG"),
        ("Tolmar", 0, "ORG"),
        ("Nagorno-Karabakh", 0, "ORG"),
        ("Negev", 0, "ORG"),
        ("Brevno", 0, "ORG"),
    ]
    entities = by_name(extract(doc_with_entities(nlp, text, spans)))
    assert entities["Varsk"]["type"] == "GPE"  # "the Varsk enclave"
    assert entities["Tolmar"]["type"] == "LOC"  # "the Tolmar region"
    assert entities["Nagorno-Karabakh"]["type"] == "GPE"  # a disputed territory
    assert entities["Negev"]["type"] == "LOC"  # a desert
    assert entities["Brevno"]["type"] == "GPE"  # "the city of Brevno"


def test_a_place_noun_before_an_organisation_word_is_no_evidence(nlp: Language) -> None:
    text = "The Harnow city council voted. Harnow said it would appeal."
    spans = [("Harnow", 0, "ORG"), ("Harnow", 1, "ORG")]
    entities = by_name(extract(doc_with_entities(nlp, text, spans)))
    assert entities["Harnow"]["type"] == "ORG"


def test_named_weapons_are_products_on_evidence(nlp: Language) -> None:
    text = (
        "The army used the Sparrow 3X self-detonating drone and kamikaze 'Kestrel' drones. "
        "Velkor drones were also seen; Velkor declined to comment."
    )
    spans = [
        ("Sparrow 3X", 0, "ORG"),
        ("Kestrel", 0, "WORK_OF_ART"),
        ("Velkor", 0, "ORG"),
        ("Velkor", 1, "ORG"),
    ]
    entities = by_name(extract(doc_with_entities(nlp, text, spans)))
    assert entities["Sparrow 3X"]["type"] == "PRODUCT"  # a model number, "... drone"
    assert entities["Kestrel"]["type"] == "PRODUCT"  # quoted, "... drones"
    # a plain name before "drones" may be the maker: the model's ORG stays
    assert entities["Velkor"]["type"] == "ORG"


def test_a_date_does_not_run_into_the_next_words(nlp: Language) -> None:
    text = "The ministry published over the past week dozens of videos of its strikes."
    entities = extract(doc_with_entities(nlp, text, [("past week dozens", 0, "DATE")]))
    assert [(e["name"], e["type"]) for e in entities] == [("past week", "DATE")]
    assert_well_formed(text, entities)


def test_us_state_codes_after_a_place_are_places(nlp: Language) -> None:
    text = "The tour opens in Irving, TX and ends in Camden, NJ on June 29."
    spans = [("Irving", 0, "GPE"), ("TX", 0, "ORG"), ("Camden", 0, "GPE")]
    found = extract(doc_with_entities(nlp, text, spans))
    assert_well_formed(text, found)
    entities = by_name(found)
    assert entities["TX"]["type"] == "GPE"  # the model's ORG
    assert entities["NJ"]["type"] == "GPE"  # missed by the model
    assert entities["NJ"]["mentions"][0]["text"] == "NJ"


def test_a_title_keeps_its_the_at_a_sentence_start_an_organisation_does_not(
    nlp: Language,
) -> None:
    text = (
        "The Harbour Hour was the most downloaded show. Fans of The Harbour Hour wrote in. "
        "The Dunmore Tenants Association objected."
    )
    spans = [
        ("The Harbour Hour", 0, "WORK_OF_ART"),
        ("The Harbour Hour", 1, "WORK_OF_ART"),
        ("The Dunmore Tenants Association", 0, "WORK_OF_ART"),
    ]
    doc = doc_with_entities(nlp, text, spans)
    for start in (0, text.index("The Dunmore")):
        doc[len(nlp.make_doc(text[:start]))].is_sent_start = True
    found = extract(doc)
    assert_well_formed(text, found)
    entities = by_name(found)
    show = entities["Harbour Hour"]
    assert show["type"] == "WORK_OF_ART"
    assert [m["text"] for m in show["mentions"]] == ["The Harbour Hour", "The Harbour Hour"]
    # typed ORG by its organisation word: an organisation's name opens without "The"
    association = entities["Dunmore Tenants Association"]
    assert association["type"] == "ORG"
    assert association["mentions"][0]["text"] == "Dunmore Tenants Association"


def test_org_wins_a_tie_with_product(nlp: Language) -> None:
    text = "The trade paper Vantix reported the delay. The source is Vantix."
    spans = [("Vantix", 0, "PRODUCT"), ("Vantix", 1, "ORG")]
    (entity,) = extract(doc_with_entities(nlp, text, spans))
    assert entity["type"] == "ORG"


def test_a_size_before_a_name_makes_it_a_product(nlp: Language) -> None:
    text = (
        "Velkor will ship a 14-inch Velkor Slate next year. The 11-inch Velkor Slate "
        "stays on sale, and a 15.6-inch Kestrel laptop is planned."
    )
    spans = [
        ("Velkor", 0, "ORG"),
        ("Velkor Slate", 0, "ORG"),
        ("Velkor Slate", 1, "PERSON"),
        ("Kestrel", 0, "ORG"),
    ]
    entities = by_name(extract(doc_with_entities(nlp, text, spans)))
    assert entities["Velkor Slate"]["type"] == "PRODUCT"  # "14-inch Velkor Slate"
    assert entities["Velkor"]["type"] == "ORG"
    # a name before a product noun is the maker: "a 15.6-inch Kestrel laptop"
    assert entities["Kestrel"]["type"] == "ORG"


def test_venue_names_are_facilities(nlp: Language) -> None:
    text = (
        "The band plays the Larkfield Bank Amphitheatre, then the Coldwater Arena – Dover. "
        "Lawmakers met at the Kessel Statehouse; protesters filled the Statehouse steps. "
        "Rowan Stadium, the club's new coach, said little."
    )
    spans = [
        ("Larkfield Bank Amphitheatre", 0, "ORG"),
        ("Coldwater Arena – Dover", 0, "ORG"),
        ("Kessel Statehouse", 0, "ORG"),
        ("Statehouse", 1, "ORG"),
        ("Rowan Stadium", 0, "PERSON"),
    ]
    entities = by_name(extract(doc_with_entities(nlp, text, spans)))
    assert entities["Larkfield Bank Amphitheatre"]["type"] == "FAC"
    assert entities["Coldwater Arena – Dover"]["type"] == "FAC"  # venue, then its town
    assert entities["Kessel Statehouse"]["type"] == "FAC"
    assert entities["Statehouse"]["type"] == "FAC"  # a building by itself
    assert entities["Rowan Stadium"]["type"] == "PERSON"  # the model's PERSON, said


def test_the_place_before_a_state_code_is_a_place(nlp: Language) -> None:
    text = (
        "June 2 -- Larkfield Pavilion, Brannock, TX | June 4 -- Coldwater Falls, OH | "
        "June 6 -- Dover Savings Bank, OH"
    )
    spans = [
        ("Larkfield Pavilion", 0, "ORG"),
        ("Brannock", 0, "ORG"),
        ("Coldwater Falls", 0, "PERSON"),
        ("Dover Savings Bank", 0, "ORG"),
    ]
    found = extract(doc_with_entities(nlp, text, spans))
    assert_well_formed(text, found)
    entities = by_name(found)
    assert entities["Brannock"]["type"] == "GPE"  # the model's ORG
    assert entities["Coldwater Falls"]["type"] == "GPE"  # the model's PERSON
    assert entities["Larkfield Pavilion"]["type"] == "FAC"
    assert entities["Dover Savings Bank"]["type"] == "ORG"  # shaped like an organisation
