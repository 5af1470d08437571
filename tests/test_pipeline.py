"""The pipeline: requested analyses only, valid results for every fixture, never raises."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from newsdesk.results import ANALYSES, ResultSchema
from newsdesk.settings import load
from workers import jobs
from workers.cleanup import bounds, clean
from workers.nlp import get_model
from workers.pipeline import STEPS, analyze, truncate, warm_up

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


def test_model_multiplies_with_numpy_blas_on_one_thread(nlp: Language) -> None:
    """BLIS runs generic kernels on recent AMD servers (see workers.nlp)."""
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_info

    ner = nlp.get_pipe("ner").model
    # The NER's last layer is made on spaCy's own ops and runs in its C loop regardless.
    layers = [*nlp.get_pipe("senter").model.walk(), *ner.get_ref("tok2vec").walk()]
    for layer in [*layers, ner, ner.get_ref("lower")]:
        assert isinstance(layer.ops, NumpyOps) and not layer.ops.use_blis, layer.name
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


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


def test_the_step_table_runs_every_analysis_once() -> None:
    assert sorted(step.name for step in STEPS) == sorted(ANALYSES)


PARAGRAPH = (
    "Ferry {n} of the Kessel harbour line left the quay at Nordhaven on Tuesday, "
    "Captain Ines Varga said, with {n} lorries and their drivers on board."
)
LONG_ARTICLE = "\n\n".join(PARAGRAPH.format(n=n) for n in range(1, 21))
LIMIT = 700


def test_a_body_over_the_limit_is_cut_at_a_paragraph_break(nlp: Language) -> None:
    whole = analyze({"text": LONG_ARTICLE, "analyses": ["cleanup"]}, nlp=nlp)["cleanup"]
    assert len(whole["text"]) > LIMIT  # cleanup keeps every numbered paragraph
    result = analyze({"text": LONG_ARTICLE}, max_text_chars=LIMIT, nlp=nlp)
    assert ResultSchema().validate(result) == {}
    body = result["cleanup"]["text"]
    assert len(body) <= LIMIT
    assert whole["text"].startswith(body + "\n\n")  # whole paragraphs, the first ones
    assert result["cleanup"]["paragraphs"] == whole["paragraphs"][: body.count("\n\n") + 1]
    assert result["stats"]["characters"] == len(body)
    assert result["stats"]["paragraphs"] == body.count("\n\n") + 1
    for entity in result["entities"]:
        for mention in entity["mentions"]:
            assert body[mention["start"] : mention["end"]] == mention["text"]
    for quote in result["quotes"]:
        assert body[quote["start"] : quote["end"]] == quote["text"]
    cut = [w["analysis"] for w in result["warnings"] if w["code"] == "truncated"]
    assert cut == ["cleanup", "entities", "quotes", "stats"]
    assert f"{len(whole['text']):,}" in result["warnings"][0]["detail"]


# Dialogue: about 0.44 tokens a character, twice an article's, yet far from dense.
DIALOGUE = "\n\n".join(f'"We go {n}," he said. "We stay," she said.' for n in range(1, 41))
TOKEN_LIMIT = 300


def test_a_body_of_more_tokens_than_the_model_parses_is_cut_at_a_paragraph_break(
    nlp: Language,
) -> None:
    parsed: list[int] = []
    result = analyze(
        {"text": DIALOGUE, "analyses": ["cleanup", "entities", "quotes", "stats"]},
        max_tokens=TOKEN_LIMIT,
        nlp=CountingModel(nlp, parsed),
    )
    assert ResultSchema().validate(result) == {}
    body = result["cleanup"]["text"]
    assert DIALOGUE.startswith(body + "\n\n")  # whole paragraphs, the first ones
    assert 0 < sum(parsed) <= TOKEN_LIMIT
    assert sum(parsed) > TOKEN_LIMIT - 30  # cut at the paragraph break just before
    assert result["stats"]["characters"] == len(body)
    for quote in result["quotes"]:
        assert quote["text"] in body[quote["start"] : quote["end"]]
    cut = [w for w in result["warnings"] if w["code"] == "truncated"]
    assert [w["analysis"] for w in cut] == ["cleanup", "entities", "quotes", "stats"]
    assert f"more than {TOKEN_LIMIT:,} tokens" in cut[0]["detail"]
    assert f"at most {TOKEN_LIMIT:,} tokens" in cut[1]["detail"]


def test_the_token_bound_leaves_a_body_no_model_reads_whole(nlp: Language) -> None:
    for analyses in (["cleanup"], ["cleanup", "duplicates"]):
        result = analyze({"text": DIALOGUE, "analyses": analyses}, max_tokens=TOKEN_LIMIT, nlp=nlp)
        assert result["cleanup"]["text"] == DIALOGUE
        assert not [w for w in result["warnings"] if w["code"] == "truncated"]


def test_the_token_bound_reaches_jobs_from_the_worker_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSDESK_MAX_TOKENS", str(TOKEN_LIMIT))
    monkeypatch.setattr(jobs, "_settings", None)  # put back afterwards
    jobs.use_settings(load())
    result = jobs.analyze_article({"text": DIALOGUE, "analyses": ["stats"]})
    assert result["stats"]["characters"] < len(DIALOGUE)
    assert [w["analysis"] for w in result["warnings"] if w["code"] == "truncated"] == ["stats"]


class CountingModel:
    """The model, counting the tokens of every Doc it parses."""

    def __init__(self, nlp: Language, counts: list[int]) -> None:
        self._nlp = nlp
        self._counts = counts

    def __getattr__(self, name: str) -> object:
        return getattr(self._nlp, name)

    def __call__(self, doc: object) -> object:
        parsed = self._nlp(doc)
        self._counts.append(len(parsed))
        return parsed

    def pipe(self, docs: object, **kwargs: object) -> object:
        for parsed in self._nlp.pipe(docs, **kwargs):
            self._counts.append(len(parsed))
            yield parsed


def test_a_body_within_the_limit_is_left_whole(nlp: Language) -> None:
    result = analyze({"text": LONG_ARTICLE}, max_text_chars=len(LONG_ARTICLE), nlp=nlp)
    assert result["cleanup"]["text"] == LONG_ARTICLE
    assert not [w for w in result["warnings"] if w["code"] == "truncated"]


def test_the_limit_reaches_jobs_from_the_worker_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_MAX_TEXT_CHARS", str(LIMIT))
    monkeypatch.setattr(jobs, "_settings", None)  # put back afterwards
    jobs.use_settings(load())  # as a worker does when it starts
    result = jobs.analyze_article({"text": LONG_ARTICLE, "analyses": ["cleanup", "stats"]})
    assert len(result["cleanup"]["text"]) <= LIMIT
    assert {w["analysis"] for w in result["warnings"] if w["code"] == "truncated"} == {
        "cleanup",
        "stats",
    }


def page_of(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head><title>Kessel ferries sail again</title></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/news'>News</a></nav>"
        f"<article><h1>Kessel ferries sail again</h1>\n{body}</article>"
        "<footer>All rights reserved</footer></body></html>"
    )


@pytest.mark.parametrize("content_type", ["text/html", None])
def test_html_without_cleanup_is_analysed_as_its_text(
    nlp: Language, content_type: str | None
) -> None:
    page = page_of([PARAGRAPH.format(n=n) for n in range(1, 6)])
    article = {"text": page, "analyses": ["entities", "quotes", "stats"]}
    if content_type:
        article["content_type"] = content_type
    timings: dict[str, float] = {}
    result = analyze(article, nlp=nlp, timings=timings)
    assert ResultSchema().validate(result) == {}
    extracted = clean(page, content_type="text/html")["source_text"]
    assert "Captain Ines Varga" in extracted and "<" not in extracted
    assert result["stats"]["characters"] == len(extracted)
    names = {entity["name"] for entity in result["entities"]}
    assert "Captain Ines Varga" in names and "Nordhaven" in names
    for entity in result["entities"]:
        assert "<" not in entity["name"] and "href" not in entity["name"]
        for mention in entity["mentions"]:
            assert extracted[mention["start"] : mention["end"]] == mention["text"]
    assert "extract" in timings and "cleanup" not in timings


def test_html_text_over_the_limit_is_cut_without_cleanup(nlp: Language) -> None:
    page = page_of([PARAGRAPH.format(n=n) for n in range(1, 21)])
    result = analyze(
        {"text": page, "content_type": "text/html", "analyses": ["stats", "duplicates"]},
        max_text_chars=LIMIT,
        nlp=nlp,
    )
    assert ResultSchema().validate(result) == {}
    assert 0 < result["stats"]["characters"] <= LIMIT
    cut = [w["analysis"] for w in result["warnings"] if w["code"] == "truncated"]
    assert cut == ["duplicates", "stats"]


def test_a_page_of_more_tags_than_are_read_is_cut_with_a_warning(
    nlp: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = page_of([PARAGRAPH.format(n=n) for n in range(1, 21)])
    monkeypatch.setattr(bounds, "MAX_TAGS", 30)
    result = analyze({"text": page, "content_type": "text/html"}, nlp=nlp)
    assert ResultSchema().validate(result) == {}
    source = result["cleanup"]["source_text"]
    assert "Ferry 1 of" in source and "Ferry 20 of" not in source
    body = result["cleanup"]["text"]
    for entity in result["entities"]:
        for mention in entity["mentions"]:
            assert body[mention["start"] : mention["end"]] == mention["text"]
    cut = [w for w in result["warnings"] if w["code"] == "truncated"]
    assert [w["analysis"] for w in cut] == ["cleanup", "entities", "quotes", "stats"]
    assert all("of a page at most 30 tags" in w["detail"] for w in cut)


def test_cleanup_reads_a_text_up_to_its_line_bound(
    nlp: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounds, "MAX_LINES", 25)
    text = LONG_ARTICLE.replace("\n\n", "\n")  # 20 paragraphs, one line each
    whole = analyze({"text": text, "analyses": ["cleanup"]}, nlp=nlp)
    assert not [w for w in whole["warnings"] if w["code"] == "truncated"]
    result = analyze({"text": text * 2}, nlp=nlp)
    assert ResultSchema().validate(result) == {}
    body = result["cleanup"]["text"]
    assert "Ferry 20 of" in body
    # 25 lines read: the first copy's 20 paragraphs, the second's first five as duplicates
    assert len(result["cleanup"]["paragraphs"]) + len(result["cleanup"]["removed"]) == 25
    assert max(span["end"] for span in result["cleanup"]["paragraphs"]) <= len(
        bounds.cut_lines(text * 2)
    )
    cut = [w for w in result["warnings"] if w["code"] == "truncated"]
    assert [w["analysis"] for w in cut] == ["cleanup", "entities", "quotes", "stats"]
    assert all("at most 25 lines of a text" in w["detail"] for w in cut)


def test_cleanup_reads_no_more_of_a_page_s_text_than_the_limit(nlp: Language) -> None:
    page = page_of([PARAGRAPH.format(n=n) for n in range(1, 21)])
    result = analyze(
        {"text": page, "content_type": "text/html", "analyses": ["cleanup"]},
        max_text_chars=LIMIT,
        nlp=nlp,
    )
    assert ResultSchema().validate(result) == {}
    source = result["cleanup"]["source_text"]
    assert 0 < len(source) <= LIMIT and "Ferry 1 of" in source
    assert result["cleanup"]["text"] and len(result["cleanup"]["text"]) <= len(source)
    assert [w["analysis"] for w in result["warnings"] if w["code"] == "truncated"] == ["cleanup"]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("One.\n\nTwo.\n\nThree.", 100, "One.\n\nTwo.\n\nThree."),
        ("One.\n\nTwo.\n\nThree.", 11, "One.\n\nTwo."),
        ("One.\n\nTwo.\n\nThree.", 10, "One.\n\nTwo."),
        ("One.\n\nTwo.\n\nThree.", 9, "One."),
        ("One two three four", 9, "One two"),  # no paragraph break: at white space
        ("Onetwothreefour", 6, "Onetwo"),  # no white space: at the limit
        ("\n\nOne two", 5, "\n\nOne"),  # a break with nothing before it is no place to cut
        ("Anything", 0, ""),
    ],
)
def test_truncate(text: str, limit: int, expected: str) -> None:
    assert truncate(text, limit) == expected


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab \n", max_size=60), limit=st.integers(0, 70))
def test_truncate_keeps_a_prefix_within_the_limit(text: str, limit: int) -> None:
    kept = truncate(text, limit)
    assert text.startswith(kept) and len(kept) <= limit
    assert kept == text or len(text) > limit
    if len(text) > limit and text[:limit].strip():
        assert kept.strip()  # never cut to nothing when something fits
