"""Quotation spans: marks, paragraphs that reopen a quotation, nesting, broken input."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from spacy.language import Language

from newsdesk.results import ResultSchema
from workers.nlp import get_model
from workers.pipeline import analyze
from workers.quotes import attribute, find_quotes, quote_spans

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def nlp() -> Language:
    return get_model()


def quoted(text: str) -> list[str]:
    return [text[a:b] for a, b in quote_spans(text)]


def inner(text: str) -> list[str]:
    return [q.inner_text(text) for q in find_quotes(text)]


def test_straight_quotes() -> None:
    text = 'Mira Tolvanen said "We will not sign this." The talks ended.'
    assert quoted(text) == ['"We will not sign this."']
    assert inner(text) == ["We will not sign this."]


def test_curly_quotes_and_two_in_a_paragraph() -> None:
    text = "“We are ready,” Basil Orrin said. “The fleet leaves on Monday.”"
    assert quoted(text) == ["“We are ready,”", "“The fleet leaves on Monday.”"]
    assert inner(text) == ["We are ready,", "The fleet leaves on Monday."]


def test_nested_single_quotes_stay_inside() -> None:
    text = "\"He told me 'never again' and walked out,\" Dana Reyes said. It's over."
    assert inner(text) == ["He told me 'never again' and walked out,"]
    curly = "“She called it ‘a disgrace’ twice,” he said."
    assert inner(curly) == ["She called it ‘a disgrace’ twice,"]


def test_quotation_over_paragraphs_reopened_each_time() -> None:
    text = (
        'Pell said the vote was close. "We counted every ballot twice.\n\n'
        '"Then we counted them again.\n\n'
        '"Nobody can doubt the result," she said.\n\n'
        "The count ended at midnight."
    )
    spans = find_quotes(text)
    assert len(spans) == 1
    (quote,) = spans
    assert text[quote.start] == '"' and text[quote.end - 1] == '"'
    assert inner(text) == [
        "We counted every ballot twice.\n\nThen we counted them again.\n\n"
        "Nobody can doubt the result,"
    ]
    assert "midnight" not in text[quote.start : quote.end]


def test_unclosed_quotation_ends_with_its_paragraph() -> None:
    text = 'Ash said "we will be back.  \n\nThe club was sold in May. "Fine," he said.'
    assert quoted(text) == ['"we will be back.', '"Fine,"']


def test_inch_mark_outside_a_quotation_is_not_a_quotation() -> None:
    text = 'Crews replaced a 12" pipe on Elm Street. "It held," a foreman said.'
    assert inner(text) == ["It held,"]


def test_quote_mark_after_parenthesis_or_dash() -> None:
    text = 'The plan ("Horizon 9") was dropped —"too costly," said Lee.'
    assert inner(text) == ["Horizon 9", "too costly,"]


def test_lone_marks_and_empty_quotes_give_nothing() -> None:
    assert quote_spans("") == []
    assert quote_spans('"') == []
    assert quote_spans('""') == []
    assert quote_spans("” stray closing mark") == []


def test_single_line_breaks_separate_paragraphs_without_blank_lines() -> None:
    text = 'Ines said "we stay\nThe mayor disagreed. "We go," he said.'
    assert inner(text) == ["we stay", "We go,"]


@given(st.text(alphabet=st.sampled_from("ab .\"“”„'\n,"), max_size=80))
def test_any_text_gives_ordered_spans_inside_the_text(text: str) -> None:
    spans = quote_spans(text)
    last_end = 0
    for start, end in spans:
        assert last_end <= start < end <= len(text)
        assert text[start] in '"“”„'
        last_end = end


# --- Speakers: rules over given mentions, so each test pins one pattern --------


def mentions_of(text: str, names: dict[str, str]) -> list[tuple[int, int, str]]:
    """Every occurrence of each name as a mention with its label, like the model's."""
    found = []
    for name, label in names.items():
        found += [(m.start(), m.end(), label) for m in re.finditer(re.escape(name), text)]
    return sorted(found)


def sentence_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"(?<=[.!?\"”])\s+(?=[A-Z\"“])", text)]


def speakers(
    text: str, names: dict[str, str], entities: list[dict[str, Any]] | None = None
) -> list[str | None]:
    quotes = attribute(text, mentions_of(text, names), sentence_starts(text), entities)
    for quote in quotes:
        speaker = quote["speaker"]
        assert text[quote["start"]] in '"“'
        for part in quote["text"].split("\n\n"):
            assert part in text[quote["start"] : quote["end"]]
        if speaker:
            assert 0 <= speaker["start"] < speaker["end"] <= len(text)
    return [q["speaker"]["name"] if q["speaker"] else None for q in quotes]


def test_name_then_verb_then_quotation() -> None:
    text = 'Armen Naghdalyan said "We will not sign a deal that hurts farmers."'
    assert speakers(text, {"Armen Naghdalyan": "PERSON"}) == ["Armen Naghdalyan"]
    told = 'Naghdalyan told reporters in Yerevan: "The talks are over."'
    assert speakers(told, {"Naghdalyan": "PERSON", "Yerevan": "GPE"}) == ["Naghdalyan"]


def test_quotation_then_organisation_said() -> None:
    text = '"The border stays open," the Foreign Ministry said in a statement on Tuesday.'
    assert speakers(text, {"Tuesday": "DATE"}) == ["Foreign Ministry"]


def test_quotation_then_name_said() -> None:
    text = '"We lost two vessels this year," Hajayev said.'
    assert speakers(text, {"Hajayev": "PERSON"}) == ["Hajayev"]


def test_quotation_then_said_name_with_a_relative_clause() -> None:
    text = '"It is a matter of trust," said Marta Okafor, who runs the Lagos Tenants Union.'
    names = {"Marta Okafor": "PERSON", "Lagos Tenants Union": "ORG"}
    assert speakers(text, names) == ["Marta Okafor"]


def test_name_with_an_aside_before_the_verb() -> None:
    text = '"Prices will fall," Ilse Brandt, the bank\'s chief economist, said on Monday.'
    assert speakers(text, {"Ilse Brandt": "PERSON", "Monday": "DATE"}) == ["Ilse Brandt"]


def test_according_to() -> None:
    text = 'According to Priya Ramanathan, "the budget is already spent."'
    assert speakers(text, {"Priya Ramanathan": "PERSON"}) == ["Priya Ramanathan"]


def test_speaker_in_the_previous_sentence_and_continuation_paragraphs() -> None:
    text = (
        "Coach Tomas Berglund said the team was tired.\n\n"
        '"We defended well for an hour.\n\n"Then our legs went," he said.\n\n'
        '"Next week will be different."\n\n'
        "The club sits fourth in the table."
    )
    names = {"Tomas Berglund": "PERSON"}
    assert speakers(text, names) == ["Tomas Berglund", "Tomas Berglund"]
    quotes = attribute(text, mentions_of(text, names), sentence_starts(text))
    assert [q["speaker"]["attribution"] for q in quotes] == ["pronoun", "continuation"]
    assert quotes[0]["text"] == "We defended well for an hour.\n\nThen our legs went,"


def test_name_said_then_quotation_in_the_next_sentence() -> None:
    text = 'Ruth Abara spoke after the vote. Abara said. "We have a mandate."'
    assert speakers(text, {"Ruth Abara": "PERSON", "Abara": "PERSON"}) == ["Abara"]


def test_pronoun_resolves_to_the_last_person_named() -> None:
    text = 'Lena Ortiz arrived in Lisbon on Friday. "It went well," she said.'
    names = {"Lena Ortiz": "PERSON", "Lisbon": "GPE", "Friday": "DATE"}
    quotes = attribute(text, mentions_of(text, names), sentence_starts(text))
    (speaker,) = [q["speaker"] for q in quotes]
    assert speaker["name"] == "Lena Ortiz" and speaker["attribution"] == "pronoun"
    assert text[speaker["start"] : speaker["end"]] == "she"


def test_pronoun_with_two_people_in_the_sentence_is_not_guessed() -> None:
    text = 'Lena Ortiz met Paul Dremmel on Friday. "It went well," she said.'
    names = {"Lena Ortiz": "PERSON", "Paul Dremmel": "PERSON"}
    assert speakers(text, names) == [None]


def test_unattributed_quotation_has_no_speaker() -> None:
    text = 'The sign on the door read "Closed for repairs until the end of May." Nobody came.'
    assert speakers(text, {}) == [None]


def test_titles_and_scare_quotes_are_not_quotations() -> None:
    text = 'Her novel "The Last Lamp" won. Critics called it a "quiet triumph" of a book.'
    assert quote_spans(text) == [(10, 25), (text.index('"quiet'), 66)]
    assert speakers(text, {}) == []


def test_another_person_between_quotations_stops_the_continuation() -> None:
    text = (
        '"We will appeal," Hajayev said.\n\n'
        "The ruling was welcomed by Marta Okafor.\n\n"
        '"This is not over."'
    )
    assert speakers(text, {"Hajayev": "PERSON", "Marta Okafor": "PERSON"}) == ["Hajayev", None]


def test_speaker_links_to_the_entity_list_by_mention_or_surname() -> None:
    text = 'Hikmat Hajayev runs the board. "We lost two ships," Hajayev said.'
    entities = [
        {"name": "Caspian Board", "type": "ORG", "mentions": []},
        {
            "name": "Hikmat Hajayev",
            "type": "PERSON",
            "mentions": [{"start": 0, "end": 14, "text": "Hikmat Hajayev"}],
        },
    ]
    surname = text.rindex("Hajayev")
    mentions = [(0, 14, "PERSON"), (surname, surname + 7, "PERSON")]
    quotes = attribute(text, mentions, sentence_starts(text), entities)
    (speaker,) = [q["speaker"] for q in quotes]
    # "Hajayev" is not among the entity's mentions: linked by surname.
    assert speaker["entity_index"] == 1 and speaker["name"] == "Hikmat Hajayev"


def test_organisation_introducing_a_quotation_with_a_participle_clause() -> None:
    text = (
        "Norvia's Foreign Ministry said in a statement it regretted the decision, "
        'underlining that "Norvia values its ties with Kessel."'
    )
    names = {"Norvia": "GPE", "Foreign Ministry": "ORG", "Kessel": "GPE"}
    quotes = attribute(text, mentions_of(text, names), sentence_starts(text))
    (speaker,) = [q["speaker"] for q in quotes]
    assert speaker["name"] == "Foreign Ministry" and speaker["attribution"] == "explicit"


def test_the_council_said_is_never_the_last_company_named() -> None:
    text = (
        "Kestrel Motors said it would wait for the ruling.\n\n"
        '"The bridge is no longer safe," the council said in a statement.'
    )
    quotes = attribute(text, mentions_of(text, {"Kestrel Motors": "ORG"}), sentence_starts(text))
    (speaker,) = [q["speaker"] for q in quotes]
    assert speaker["name"] == "council" and speaker["entity_index"] is None
    assert speaker["attribution"] == "reference"
    assert text[speaker["start"] : speaker["end"]] == "the council"
    # with a council named before, that council
    named = "The Kessel City Council met on Monday. " + text
    names = {"Kessel City Council": "ORG", "Kestrel Motors": "ORG", "Monday": "DATE"}
    assert speakers(named, names) == ["Kessel City Council"]


def test_police_said_ends_a_run_of_quotations() -> None:
    text = (
        '"We will open the plant again," Kestrel Motors said in a statement.\n\n'
        '"No one was hurt," police said.'
    )
    assert speakers(text, {"Kestrel Motors": "ORG"}) == ["Kestrel Motors", "police"]


def test_owned_ministry_is_the_speaker_on_a_parsed_article(nlp: Language) -> None:
    text = (
        "The Armenian Foreign Ministry spokeswoman, Lilit Harutyunova, said on Tuesday "
        "that the decision was final.\n\n"
        "Israel's Foreign Ministry said in a statement it regretted the decision, "
        'underlining that "Israel values its partnership with Armenia."'
    )
    result = analyze({"text": text, "analyses": ["entities", "quotes"]}, nlp=nlp)
    (quote,) = result["quotes"]
    speaker = quote["speaker"]
    assert speaker is not None and speaker["name"] == "Israel's Foreign Ministry"
    entity = result["entities"][speaker["entity_index"]]
    assert entity["name"] == "Israel's Foreign Ministry" and entity["type"] == "ORG"


# --- Through the pipeline, with the real model -----------------------------------

WEB_PASTE = (
    "Home | News | Sport\n"
    "Share on Facebook\n"
    "Rowing club hires its first full-time coach\n"
    "The Harbour Rowing Club named Ilse Marwick as its head coach on Tuesday, ending a "
    "search that began when the club's volunteer coach retired last spring.\n\n"
    "Marwick, who rowed for the national team for eight years, will start in March and "
    "will work with the club's junior and senior crews on the river every morning.\n\n"
    '"We want a crew at the national championships within two years," Marwick said.\n\n'
    "The club has about 140 members and trains from a boathouse near the old harbour.\n"
    "Sign up for our newsletter"
)


def test_pipeline_quotes_validate_and_point_into_the_cleaned_text(nlp: Language) -> None:
    result = analyze({"text": WEB_PASTE, "analyses": ["cleanup", "entities", "quotes"]}, nlp=nlp)
    assert ResultSchema().validate(result) == {}
    body = result["cleanup"]["text"]
    (quote,) = result["quotes"]
    assert body[quote["start"] : quote["end"]] == f'"{quote["text"]}"'
    speaker = quote["speaker"]
    assert body[speaker["start"] : speaker["end"]] == "Marwick"
    linked = result["entities"][speaker["entity_index"]]
    assert speaker["name"] == linked["name"] and "Marwick" in linked["name"]


def test_pipeline_quotes_without_entities_still_name_the_speaker(nlp: Language) -> None:
    result = analyze({"text": WEB_PASTE, "analyses": ["quotes"]}, nlp=nlp)
    assert ResultSchema().validate(result) == {}
    assert [q["speaker"]["name"] for q in result["quotes"]] == ["Marwick"]
    assert result["quotes"][0]["speaker"]["entity_index"] is None


def test_pipeline_skips_quotes_of_a_non_english_text(nlp: Language) -> None:
    text = (FIXTURES / "non_english.txt").read_text(encoding="utf-8")
    result = analyze({"text": text, "analyses": ["quotes"]}, nlp=nlp)
    assert result["quotes"] == []
    assert [(w["analysis"], w["code"]) for w in result["warnings"]] == [
        ("quotes", "language_unsupported")
    ]


def test_name_in_an_aside_after_a_title() -> None:
    text = '"These doors were never ours," the museum\'s director, Claire Denholm, said on Friday.'
    assert speakers(text, {"Claire Denholm": "PERSON", "Friday": "DATE"}) == ["Claire Denholm"]


def test_the_group_said_refers_to_the_organisation_named_before() -> None:
    text = (
        "A trade group, the Alliance for Digital Commerce, opposed the bill. Senator "
        'Ada Roe backed it. "The fines are too high," the group said in a statement.'
    )
    names = {"Alliance for Digital Commerce": "ORG", "Ada Roe": "PERSON"}
    quotes = attribute(text, mentions_of(text, names), sentence_starts(text))
    (speaker,) = [q["speaker"] for q in quotes]
    assert speaker["name"] == "Alliance for Digital Commerce"
    assert speaker["attribution"] == "reference"
    assert text[speaker["start"] : speaker["end"]] == "the group"


def test_a_person_named_inside_the_quotation_is_not_its_speaker() -> None:
    text = 'Anna Berg apologised. "I never meant to hurt Pavel Novak," she said.'
    assert speakers(text, {"Anna Berg": "PERSON", "Pavel Novak": "PERSON"}) == ["Anna Berg"]


def test_pronoun_prefers_the_person_who_last_spoke() -> None:
    text = (
        "Wanjiru Kamau ran the trial. Savanna Biotech chief Peter Otieno said a new "
        'version was coming, with help from Ada Lind. "Cold chains stop early," he said.'
    )
    names = {"Wanjiru Kamau": "PERSON", "Peter Otieno": "PERSON", "Ada Lind": "PERSON"}
    assert speakers(text, names) == ["Peter Otieno"]


def test_continuation_goes_on_past_the_speakers_own_name() -> None:
    text = (
        '"We expected retreat," said Lucía Ferreyra, a glaciologist who led the work. '
        '"Warm water is eating the glacier."'
    )
    assert speakers(text, {"Lucía Ferreyra": "PERSON"}) == ["Lucía Ferreyra", "Lucía Ferreyra"]


def test_participle_takes_the_subject_of_the_sentences_speech_verb() -> None:
    text = (
        "Israel's Foreign Ministry said in a statement it regretted the decision, "
        'stressing that "relations remain strong."'
    )
    names = {"Israel": "GPE", "Foreign Ministry": "ORG"}
    assert speakers(text, names) == ["Foreign Ministry"]


def test_someone_else_speaking_between_quotations_stops_the_continuation() -> None:
    text = (
        'Armen Petrosyan said "the ambassador is coming home."\n\n'
        "The Coastal Ports Authority said it regretted the move.\n\n"
        '"We will talk again soon."'
    )
    names = {"Armen Petrosyan": "PERSON", "Coastal Ports Authority": "ORG"}
    assert speakers(text, names) == ["Armen Petrosyan", None]


@example(text=' said said"Ana', raw_mentions=[(0, 1)])  # a mention of a space alone
@given(
    st.lists(
        st.sampled_from(["Ana", " said", " he", " the group", ",", ".", " ", '"', "“", "”"]),
        max_size=30,
    ).map("".join),
    st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8)), max_size=5),
)
def test_attribution_never_raises_and_points_into_the_text(
    text: str, raw_mentions: list[tuple[int, int]]
) -> None:
    mentions = [
        (start, min(start + length, len(text)), "PERSON")
        for start, length in raw_mentions
        if start < len(text)
    ]
    for quote in attribute(text, mentions, sentence_starts(text)):
        assert 0 <= quote["start"] < quote["end"] <= len(text)
        speaker = quote["speaker"]
        if speaker:
            assert 0 <= speaker["start"] <= speaker["end"] <= len(text) and speaker["name"]
