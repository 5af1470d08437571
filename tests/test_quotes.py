"""Quotation spans: marks, paragraphs that reopen a quotation, nesting, broken input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workers.quotes import find_quotes, quote_spans


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
