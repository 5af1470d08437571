"""Hostile input: every analysis step's work grows in step with its input.

Each input reported against the service is a test here, with more of the same kind. No
test reads a clock against a limit in seconds. Most count the work a step is handed:
the runs spaCy's tokenizer gets, the tokens its model gets, the text the quote rules
read, the text cleanup searches. The others compare the CPU time per character of an
input with that of one sixteen times shorter (``slowdown``): work that grows with the
length keeps it about the same, work that grows with the square of the length
multiplies it by sixteen.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language
from spacy.tokens import Doc

from newsdesk.results import ResultSchema
from newsdesk.settings import default
from workers import entities, quotes, stats
from workers.chunks import (
    DENSE,
    MAX_AFFIXES,
    PIECE,
    affixes,
    chunk_bounds,
    make_doc,
    model_reach,
    parse,
)
from workers.cleanup import bounds, clean, core
from workers.nlp import get_model, mark_paragraph_breaks
from workers.pipeline import analyze
from workers.quotes import attribute, find_quotes

FIXTURES = Path(__file__).parent / "fixtures"
GROWTH = 16
# How much dearer per character the long input may be than the short one: noise, caches
# and fixed costs stay well under it; a step whose work grows with the square of its
# input is at GROWTH.
MAX_SLOWDOWN = 4
REPEATS = 3


@pytest.fixture(scope="module")
def nlp() -> Language:
    return get_model()


def cpu_seconds(func: Callable[[Any], Any], arg: Any, repeats: int = REPEATS) -> float:
    """The least CPU time of ``repeats`` calls (other processes and pauses only add)."""
    best = float("inf")
    for _ in range(repeats):
        began = time.process_time()
        func(arg)
        best = min(best, time.process_time() - began)
    return best


def slowdown(func: Callable[[str], Any], make: Callable[[int], str], n: int) -> float:
    """CPU time per character of ``func(make(GROWTH * n))`` over that of ``func(make(n))``."""
    short, long = make(n), make(GROWTH * n)
    func(short)  # loads and caches whatever the first call does
    per_char_short = cpu_seconds(func, short) / len(short)
    per_char_long = cpu_seconds(func, long, repeats=2) / len(long)
    return per_char_long / max(per_char_short, 1e-9)


def repeat(unit: str, chars: int) -> str:
    return (unit * (chars // len(unit) + 1))[:chars]


class TokenizerSpy:
    """Every text the model's tokenizer is handed (through ``Language.make_doc``)."""

    def __init__(self, nlp: Language) -> None:
        self.make_doc = nlp.make_doc
        self.texts: list[str] = []

    def __call__(self, text: str) -> Doc:
        self.texts.append(text)
        return self.make_doc(text)

    def runs(self) -> Iterator[str]:
        for text in self.texts:
            yield from re.findall(r"\S+", text)

    def costly_runs(self) -> list[str]:
        """Runs the tokenizer would take many affixes off, one at a time, longer than a
        piece: its work on such a run grows with the square of the run's length."""
        return [run for run in self.runs() if len(run) > PIECE and affixes(run) > MAX_AFFIXES]


@pytest.fixture
def tokenizer(nlp: Language, monkeypatch: pytest.MonkeyPatch) -> TokenizerSpy:
    spy = TokenizerSpy(nlp)
    monkeypatch.setattr(nlp, "make_doc", spy)
    return spy


def assert_tokens_bounded(text: str, parsed: Any) -> None:
    """The Docs cover the text exactly, and none has more tokens than prose would."""
    assert "".join(doc.text for _, doc in parsed.chunks) == text
    for offset, doc in parsed.chunks:
        assert text[offset : offset + len(doc.text)] == doc.text
        if len(doc.text) >= 1000:
            assert len(doc) <= DENSE * len(doc.text), (len(doc), len(doc.text))


def assert_valid(result: dict[str, Any], text: str) -> None:
    assert ResultSchema().validate(result) == {}
    analysed = result["cleanup"]["text"] if "cleanup" in result else text
    for entity in result.get("entities") or []:
        for mention in entity["mentions"]:
            assert analysed[mention["start"] : mention["end"]] == mention["text"]
    for quote in result.get("quotes") or []:
        assert analysed[quote["start"]] in '"“”„‟'


# --- The tokenizer: emoji, punctuation, "&lt;" decoded by cleanup --------------------


@pytest.mark.parametrize("text", ["😀" * 9999 + "x", "😀" * 199_999 + "x"], ids=["10k", "200k"])
def test_a_run_of_emoji_reaches_the_model_in_pieces(
    nlp: Language, tokenizer: TokenizerSpy, text: str
) -> None:
    parsed = parse(nlp, text)
    assert tokenizer.costly_runs() == []
    assert_tokens_bounded(text, parsed)


def test_emoji_through_the_whole_pipeline(tokenizer: TokenizerSpy) -> None:
    text = "😀" * 9999 + "x"
    result = analyze({"text": text})
    assert tokenizer.costly_runs() == []
    assert_valid(result, text)


@pytest.mark.parametrize("content_type", [None, "text/html"])
def test_escaped_markup_decoded_by_cleanup_reaches_the_model_in_pieces(
    tokenizer: TokenizerSpy, content_type: str | None
) -> None:
    text = "&amp;lt;" * 20_000  # cleanup's ftfy decodes it to 20,000 "<" in a row
    result = analyze({"text": text, "content_type": content_type})
    assert tokenizer.costly_runs() == []
    assert_valid(result, text)


RUNS_THE_TOKENIZER_STRIPS = {
    "straight quotes": '"',
    "apostrophes": "'",
    "brackets": "(",
    "closing brackets": ")",
    "emoji": "😀",
    "flags": "🇬🇧",
    "ellipses": "…",
    "currency": "$",
    "underscores": "_",
    "emoticons": ":)",
    "possessives": "'s",
    "dollar prefixes": "US$",
    "quote and emoji": '"😀',
}


@pytest.mark.parametrize("unit", RUNS_THE_TOKENIZER_STRIPS.values(), ids=RUNS_THE_TOKENIZER_STRIPS)
def test_runs_the_tokenizer_strips_one_by_one_are_cut(
    nlp: Language, tokenizer: TokenizerSpy, unit: str
) -> None:
    for text in (repeat(unit, 5000), "Word " + repeat(unit, 3000) + "word " * 400):
        parsed = parse(nlp, text)
        assert tokenizer.costly_runs() == []
        assert_tokens_bounded(text, parsed)


DENSE_TEXTS = {
    "hyphenated letters": "a-",
    "one-letter lines": "a\n",
    "nested quotes": ' "a',
    "spaced dots": ". ",
    "spaced emoji": "😀 ",
    "initials": "A.",
    "quote per word": '"a" ',
    "digits and commas": "1,",
}


@pytest.mark.parametrize("unit", DENSE_TEXTS.values(), ids=DENSE_TEXTS)
def test_no_chunk_feeds_the_model_more_tokens_than_prose(nlp: Language, unit: str) -> None:
    text = repeat(unit, 30_000)
    assert_tokens_bounded(text, parse(nlp, text))


def test_prose_keeps_spacys_own_tokens(nlp: Language) -> None:
    text = (
        'The Brannock Arts Council (BAC) said on Monday it would pay "about $4.2 million" '
        "for the gallery's new roof, see https://example.com/news/2026/12/brannock-arts-"
        "council-roof-repairs-approved-after-a-long-vote-in-the-town-hall?ref=front-page. "
        "Rosalind Achterberg didn't agree.\n\n"
    ) * 20
    assert len(text) >= 1000
    assert [t.text for t in make_doc(nlp, text)] == [t.text for t in nlp.make_doc(text)]


def test_a_paragraph_longer_than_a_chunk_is_parsed_in_chunks(nlp: Language) -> None:
    text = '"Yes," said John Smith. ' * 2000  # 48,000 characters, one paragraph
    parsed = parse(nlp, text)
    assert len(parsed.chunks) == len(chunk_bounds(text)) >= 3
    assert_tokens_bounded(text, parsed)
    assert all(doc.text.endswith("Smith. ") for _, doc in parsed.chunks[:-1])


# Runs of one kind of character, and text made of them: what the property tests draw.
CHARACTER_KINDS = [
    "abcdefghij",
    "ABCDEFGHIJ",
    "0123456789",
    ".,;:!?-_'\"()[]{}&*/#@%",
    "😀😂🎉👍🇬🇧",
    "\u0301\u0308\u0327",
    "éàüñç",
    " \t\u00a0\u3000\u2009",
    "\n\r\u2028\x0b",
    "新闻报道今天城市议会决定",
    "ข่าววันนี้สภาเมือง",
    "“”‘’«»„…—–",
]
RUNS = st.lists(
    st.sampled_from(CHARACTER_KINDS).flatmap(
        lambda kind: st.text(st.sampled_from(kind), min_size=1, max_size=400)
    ),
    min_size=1,
    max_size=12,
).map("".join)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(RUNS)
def test_any_runs_are_tokenized_exactly_with_bounded_work(
    nlp: Language, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    with monkeypatch.context() as patched:
        spy = TokenizerSpy(nlp)
        patched.setattr(nlp, "make_doc", spy)
        doc = make_doc(nlp, text)
        assert spy.costly_runs() == []
    assert doc.text == text
    if len(text) >= 1000:
        assert len(doc) <= DENSE * len(text)


# --- The model's tokens per job: dialogue, lists, short lines -------------------------

# Texts with up to twice an article's tokens a character, none dense enough for coarse
# tokens: the model's time goes with its tokens, so the token bound is what bounds it.
TOKEN_HEAVY = {
    "short lines": "A line\n",
    "dialogue": '"We go," he said. ',
    "one paragraph of lines": "ab\n",
    "said John Smith": '"Yes," said John Smith.',
    "list": "\n\n- Item, 12.\n",
}


def parsed_tokens(nlp: Language, text: str) -> int:
    return sum(len(doc) for _, doc in parse(nlp, text, disable=["senter", "ner"]).chunks)


@pytest.mark.parametrize("unit", TOKEN_HEAVY.values(), ids=TOKEN_HEAVY)
def test_the_model_reaches_no_further_than_its_token_bound(nlp: Language, unit: str) -> None:
    text = repeat(unit, 60_000)
    whole = parsed_tokens(nlp, text)
    for bound in (1000, whole // 2, whole - 1):
        reach = model_reach(nlp, text, bound)
        assert reach < len(text)
        assert parsed_tokens(nlp, text[:reach]) <= bound
        assert parsed_tokens(nlp, text[: reach + len(unit)]) > bound
    assert model_reach(nlp, text, whole) == len(text)


def test_the_token_bound_leaves_a_long_article_whole(nlp: Language) -> None:
    """90,000 characters: 15,000 words, longer than any article of the evaluation set."""
    paragraphs = [
        f"Part {n}. {paragraph.strip()}"
        for n in range(1, 200)
        for name in ("wire_story", "cli_ferry_strike", "cli_library_reopens", "brief")
        for paragraph in (FIXTURES / f"{name}.txt").read_text(encoding="utf-8").split("\n\n")
        if paragraph.strip()
    ]
    article = "\n\n".join(paragraphs)[:90_000]
    assert len(article) == 90_000
    assert model_reach(nlp, article, default("max_tokens")) == len(article)
    for unit in TOKEN_HEAVY.values():
        heavy = repeat(unit, default("max_text_chars"))
        reach = model_reach(nlp, heavy, default("max_tokens"))
        assert parsed_tokens(nlp, heavy[:reach]) <= default("max_tokens")


# --- The model's paragraph breaks: many short lines, many <p> ---------------------------


def test_sentence_starts_at_line_breaks_are_marked_in_one_pass(nlp: Language) -> None:
    def marked(text: str) -> Doc:
        return mark_paragraph_breaks(nlp.make_doc(text))

    text = "A line\nNext line\n\nThird  \n line. More\n \n"
    doc = marked(text)
    expected = [i + 1 for i, t in enumerate(doc[:-1]) if t.is_space and "\n" in t.text]
    assert [t.i for t in doc if t.is_sent_start and t.i] == expected
    assert slowdown(marked, lambda n: "A line\n" * n, 1000) < MAX_SLOWDOWN
    assert slowdown(marked, lambda n: "Some text here\n\n" * n, 500) < MAX_SLOWDOWN


# --- Stats and entities: the word pattern on punctuation --------------------------------


@pytest.mark.parametrize("unit", [".", "_", "-", "...a", "'", "😀"])
def test_counting_words_is_linear_on_runs_without_words(unit: str) -> None:
    assert slowdown(stats.count_words, lambda n: repeat(unit, n), 1250) < MAX_SLOWDOWN
    assert slowdown(stats.word_spans, lambda n: repeat(unit, n), 1250) < MAX_SLOWDOWN


@pytest.mark.parametrize("dots", [10_000, 20_000])
def test_dots_with_entities_quotes_and_stats(dots: int) -> None:
    text = "." * dots
    result = analyze({"text": text, "analyses": ["entities", "quotes", "stats"]})
    assert_valid(result, text)
    assert result["stats"]["words"] == 0


# The word pattern as it was: the same words, but on a run of punctuation it starts again
# from each character, so its work grows with the square of the run's length.
BACKTRACKING_WORD = re.compile(r"(?:[^\w\s]|_)*([^\W_](?:\S*[^\W_])?)\S*")


@settings(max_examples=200, deadline=None)
@given(RUNS)
def test_the_words_are_those_of_the_backtracking_pattern(text: str) -> None:
    text = text[:600]
    words = [(m.start(), m.group(1).casefold()) for m in BACKTRACKING_WORD.finditer(text)]
    assert stats.word_spans(text) == words
    assert stats.count_words(text) == len(words)


# --- Entities: many acronyms, many people -----------------------------------------------

LETTER_WORDS = (
    *("Amber", "Bridge", "Castle", "Dale", "Elm", "Ferry", "Granite", "Harbour", "Iron"),
    *("Juniper", "Kestrel", "Lantern", "Meadow", "North", "Orchard", "Pine", "Quarry"),
    *("River", "Stone", "Tide", "Upland", "Valley", "Willow", "Xenon", "Yard", "Zenith"),
)


def names(chars: int, pattern: str) -> str:
    """``pattern`` with three words ``a``, ``b``, ``c`` (no two sets alike), ``i`` their
    initials and ``s`` a surname made of two of them, repeated to ``chars``."""
    pieces = []
    for k in range(chars // 20 + 1):
        a, b, c = (LETTER_WORDS[k // 26**e % 26] for e in range(3))
        pieces.append(pattern.format(a=a, b=b, c=c, i=a[0] + b[0] + c[0], s=a + b.lower()))
    return "".join(pieces)[:chars]


def entities_of(nlp: Language, names_pattern: str, label: str) -> Callable[[str], Any]:
    """The entities analysis of a text whose names (``names_pattern``) the model called
    ``label``: no model run, so that only the analysis is timed."""

    def extract(text: str) -> list[dict[str, Any]]:
        doc = nlp.make_doc(text)
        spans = (doc.char_span(*m.span(), label=label) for m in re.finditer(names_pattern, text))
        doc.ents = [span for span in spans if span is not None]
        return entities.extract(doc)

    return extract


@pytest.mark.parametrize(
    ("pattern", "names_pattern", "label"),
    [
        ("The {a} {b} {c} Council ({i}C) met. ", r"[A-Z]\w+ [A-Z]\w+ [A-Z]\w+ Council", "ORG"),
        ("The {i} and the {a} {b} {c} met. ", r"\b[A-Z]{3}\b|[A-Z]\w+ [A-Z]\w+ [A-Z]\w+", "ORG"),
        (
            "{c} {s} arrived. {s} said. ",
            r"[A-Z]\w+ [A-Z][a-z]+(?= arrived)|[A-Z][a-z]+(?= said)",
            "PERSON",
        ),
    ],
    ids=["acronyms defined", "acronyms not defined", "people by surname"],
)
def test_merging_entities_is_linear(
    nlp: Language, pattern: str, names_pattern: str, label: str
) -> None:
    extract = entities_of(nlp, names_pattern, label)
    text = names(2000, pattern)
    found = extract(text)
    assert sum(entity["count"] for entity in found) > len(found)  # acronyms and surnames joined
    assert slowdown(extract, lambda n: names(n, pattern), 4000) < MAX_SLOWDOWN


# --- Cleanup: many short lines, hyphenated line ends, HTML paragraphs -------------------


class SearchSpy:
    """A pattern that adds up the length of every string it is asked to search."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.searched = 0

    def search(self, text: str) -> re.Match[str] | None:
        self.searched += len(text)
        return self.pattern.search(text)


@pytest.mark.parametrize(
    "text", ["A line\n" * 20_000, "ab\n" * 50_000, "exam-\nple " * 10_000], ids=["20k", "50k", "-"]
)
def test_joining_a_paragraph_of_many_lines_reads_each_line_once(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    spy = SearchSpy(core._HYPHEN_END)
    monkeypatch.setattr(core, "_HYPHEN_END", spy)
    result = clean(text)
    lines = text.count("\n") + 1
    assert spy.searched <= 8 * lines
    assert result["text"]


LINE_KINDS = {
    "short lines": lambda i: "A line",
    "numbered lines": lambda i: f"Line {i}",
    "one letter": lambda i: "a",
    "hyphenated ends": lambda i: "exam-",
    "bullets": lambda i: "* Item",
    "menus": lambda i: "Home | World | Sport",
    "headlines": lambda i: "Council Votes To Repair The Old Bridge",
    "credits": lambda i: "Photo: Ana Ruiz",
    "dates": lambda i: "Updated: March 3, 2026 10:15 GMT",
    "bylines": lambda i: "By Ana Ruiz",
    "blank lines": lambda i: "Word\n",
    "wide spaces": lambda i: "Word" + " " * 50 + "word.",
}


@pytest.mark.parametrize("line", LINE_KINDS.values(), ids=LINE_KINDS)
def test_cleanup_is_linear_in_the_number_of_lines(line: Callable[[int], str]) -> None:
    def lines(n: int) -> str:
        text = "\n".join(line(i) for i in range(n // 8 + 1))
        return text[:n]

    assert slowdown(clean, lines, 4000) < MAX_SLOWDOWN


def test_html_of_many_paragraphs(nlp: Language) -> None:
    page = "<p>Some text here</p>" * 9000
    result = clean(page)
    assert result["source"] == "html"
    assert len(result["paragraphs"]) == bounds.MAX_TAGS // 2  # read up to its tag bound
    assert slowdown(clean, lambda n: "<p>Some text here</p>" * (n // 21), 4200) < MAX_SLOWDOWN


@pytest.mark.parametrize(
    "unit", ["<div>a ", "<p>word word word\n", "<br>", "&amp;", "<!-- c -->w "], ids=str
)
def test_the_html_path_is_linear(unit: str) -> None:
    def page(n: int) -> str:
        return "<html><body><p>" + repeat(unit, n) + "</p></body></html>"

    assert slowdown(lambda text: clean(text, content_type="text/html"), page, 4000) < (MAX_SLOWDOWN)


def test_a_page_is_read_up_to_its_tag_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    handed: list[str] = []
    bare_extraction = trafilatura.bare_extraction

    def spy(markup: str, **kwargs: Any) -> Any:
        handed.append(markup)
        return bare_extraction(markup, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", spy)
    monkeypatch.setattr(bounds, "MAX_TAGS", 2_000)
    page = "<html><body><p>" + "A line of the page<br>" * 20_000 + "</p></body></html>"
    result = analyze({"text": page, "content_type": "text/html", "analyses": ["cleanup"]})
    assert ResultSchema().validate(result) == {}
    assert len(handed) == 1 and handed[0].count("<") == 2_000 and page.startswith(handed[0])
    assert result["cleanup"]["text"].startswith("A line of the page")
    assert [w["analysis"] for w in result["warnings"] if w["code"] == "truncated"] == ["cleanup"]


@pytest.mark.parametrize("lines", [0, 1, 999, 1000, 1001, 250_000])
def test_cutting_lines_keeps_the_first_lines(lines: int) -> None:
    text = "x\n" * lines + "end"
    read = bounds.cut_lines(text, 1000)
    assert text.startswith(read)
    assert read == text if lines < 1000 else read.count("\n") == 999 and text[len(read)] == "\n"


def test_cleanup_reads_a_text_of_many_lines_up_to_its_line_bound() -> None:
    text = "a\n" * 100_000  # 200,000 characters: 4 s of cleanup if all were read
    handed: list[str] = []
    clean_text = core.clean_text

    def spy(submitted: str, *args: Any, **kwargs: Any) -> Any:
        handed.append(submitted)
        return clean_text(submitted, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core, "clean_text", spy)
        result = analyze({"text": text, "analyses": ["cleanup"]})
    assert ResultSchema().validate(result) == {}
    assert [s.count("\n") for s in handed] == [bounds.MAX_LINES - 1]


@pytest.mark.parametrize("tags", [0, 1, 999, 1000, 1001, 250_000])
def test_cutting_markup_keeps_the_first_tags(tags: int) -> None:
    page = "x<b>" * tags
    read = bounds.cut_markup(page, 1000)
    assert page.startswith(read)
    assert read.count("<") == min(tags, 1000)
    assert read == page if tags <= 1000 else page[len(read)] == "<"


# --- Quotes: nested quotes, one quotation per sentence, pronouns ------------------------


def spy_on_leads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of characters ``_Speakers.before`` reads before each quotation."""
    read: list[int] = []
    before = quotes._Speakers.before

    def reading(speakers: Any, quote: quotes.QuoteSpan, lead_start: int) -> Any:
        read.append(quote.start - lead_start)
        return before(speakers, quote, lead_start)

    monkeypatch.setattr(quotes._Speakers, "before", reading)
    return read


@pytest.mark.parametrize(
    "text",
    [
        ' "a' * 6666,
        "word " * 4000 + ' "a' * 6666,
        'the book "Rain" and ' * 1000,
        repeat('said "a ', 20_000),
        repeat("saying ", 20_000) + '"a"',
    ],
    ids=["nested", "after a long sentence", "titles", "open after said", "participles"],
)
def test_the_words_before_each_quotation_are_read_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    read = spy_on_leads(monkeypatch)
    attribute(text, [], [0])
    assert read
    assert sum(read) <= (quotes._LEAD_QUOTES + 2) * len(text)


def test_nested_quotes_through_the_whole_pipeline() -> None:
    text = ' "a' * 6666
    assert_valid(analyze({"text": text}), text)


def speakers_of(text: str, names: str = r"John Smith|Person\d+ Smith\d+") -> list[dict]:
    """``attribute`` with a PERSON mention at each name, a sentence at each full stop, and
    an entity for each name (as the entities analysis would list them)."""
    mentions = [(m.start(), m.end(), "PERSON") for m in re.finditer(names, text)]
    starts = [0, *(m.end() for m in re.finditer(r"\.\s*", text))]
    entities: dict[str, dict[str, Any]] = {}
    for start, end, _ in mentions:
        entity = entities.setdefault(
            text[start:end],
            {"name": text[start:end], "type": "PERSON", "aliases": [], "mentions": []},
        )
        entity["mentions"].append({"start": start, "end": end})
    return attribute(text, mentions, starts, list(entities.values()))


# Each input is repeated as often as the quadratic rules it was reported against needed to
# pass MAX_SLOWDOWN twice over: fewer, and a quadratic step hides behind the fixed costs.
@pytest.mark.parametrize(
    ("unit", "times"),
    [
        ('"Yes," said John Smith.', 1000),
        ('John Smith spoke. "We go," he said. ', 100),
        ('John Smith met the board. "No," the board said. "Yes," it said. ', 250),
        ('"Yes," said John Smith. "No." John Smith nodded. "Maybe," ', 500),
        ('According to John Smith, "we go" and "we stay", saying "now".\n', 500),
    ],
    ids=["after", "pronoun", "reference", "continuation", "before"],
)
def test_naming_speakers_is_linear(unit: str, times: int) -> None:
    assert slowdown(speakers_of, lambda n: repeat(unit, n), times * len(unit)) < MAX_SLOWDOWN


def test_naming_speakers_among_many_people_is_linear() -> None:
    def people(n: int) -> str:
        units = range(n // 40 + 1)
        return "".join(f'"Yes," said Person{k} Smith{k}. He left. "No," he said. ' for k in units)[
            :n
        ]

    assert slowdown(speakers_of, people, 10_000) < MAX_SLOWDOWN


@pytest.mark.parametrize(
    "unit",
    ['"a\nx\n', "\n\n", '"a\n\n', "“a ", '" ', "a”\n"],
    ids=["line", "blank", "para", "curly", "spaced", "close"],
)
def test_finding_quotations_is_linear(unit: str) -> None:
    assert slowdown(find_quotes, lambda n: '"a' + repeat(unit, n) + '"b"', 2000) < MAX_SLOWDOWN


def test_said_john_smith_through_the_whole_pipeline() -> None:
    text = '"Yes," said John Smith.' * 800
    result = analyze({"text": text})
    assert_valid(result, text)
    assert len(result["quotes"]) == 800
    assert {q["speaker"]["name"] for q in result["quotes"] if q["speaker"]} == {"John Smith"}
