"""Entity quality checks: nothing from removed page furniture, and the benchmark's scoring."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from conftest import load_script
from spacy.language import Language

from workers.nlp import get_model
from workers.pipeline import analyze

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
# Names that the web-paste fixture holds only in its byline, photo credits, teaser list
# and footer: cleanup removes all of them.
REMOVED_NAMES = ("Priya Hajari-Stone", "Dana Whitfield", "Station Road", "Riverside Gazette")


@pytest.fixture(scope="module")
def nlp() -> Language:
    return get_model()


def _bench() -> ModuleType:
    return load_script("bench/entity_quality.py")


def test_no_entity_or_speaker_from_text_that_cleanup_removed(nlp: Language) -> None:
    text = (FIXTURES / "web_paste.txt").read_text(encoding="utf-8")
    result = analyze({"text": text}, nlp=nlp)
    body = result["cleanup"]["text"]
    removed = " ".join(piece["text"] for piece in result["cleanup"]["removed"])
    for name in REMOVED_NAMES:
        assert name in text and name in removed and name not in body
    names = " | ".join(
        [e["name"] for e in result["entities"]]
        + [a for e in result["entities"] for a in e.get("aliases", ())]
        + [m["text"] for e in result["entities"] for m in e["mentions"]]
    )
    for name in REMOVED_NAMES:
        for word in name.replace("-", " ").split():
            if word not in body:
                assert word not in names, name
    for entity in result["entities"]:
        for mention in entity["mentions"]:
            assert body[mention["start"] : mention["end"]] == mention["text"]
    for quote in result["quotes"]:
        assert body[quote["start"] : quote["end"]].strip('"“”').startswith(quote["text"][:10])
        if quote["speaker"]:
            assert quote["speaker"]["name"] not in removed


def test_span_scores_need_exact_start_end_and_type() -> None:
    bench = _bench()
    gold = {(0, 5, "PERSON"), (10, 15, "ORG"), (20, 24, "DATE")}
    predicted = {(0, 5, "PERSON"), (10, 15, "GPE"), (20, 23, "DATE"), (30, 33, "ORG")}
    scores = bench.span_scores([(predicted, gold)])
    assert scores["ALL"]["tp"] == 1
    assert scores["ALL"]["precision"] == pytest.approx(1 / 4)
    assert scores["ALL"]["recall"] == pytest.approx(1 / 3)
    assert scores["PERSON"]["f1"] == 1.0 and scores["ORG"]["tp"] == 0


def test_merge_scores_count_mention_pairs() -> None:
    bench = _bench()
    gold = {(0, 5): "a", (10, 15): "a", (20, 25): "a", (30, 35): "b"}
    # One wrong merge (b into a) and one missed link (20-25 kept apart).
    predicted = {(0, 5): "1", (10, 15): "1", (20, 25): "2", (30, 35): "1"}
    scores = bench.merge_scores([(predicted, gold)])
    assert (scores["tp"], scores["pred"], scores["gold"]) == (1, 3, 3)


def test_speaker_is_right_by_mention_or_name_and_null_for_null() -> None:
    bench = _bench()
    article = {
        "entities": [
            {"start": 0, "end": 14, "text": "Hikmat Hajayev", "cluster": "e1"},
            {"start": 40, "end": 47, "text": "Hajayev", "cluster": "e1"},
        ]
    }
    quote = {"speaker_cluster": "e1"}
    by_span = {"name": "Hajayev", "start": 40, "end": 47, "attribution": "explicit"}
    by_name = {"name": "Hikmat Hajayev", "start": 60, "end": 62, "attribution": "pronoun"}
    wrong = {"name": "Marta Okafor", "start": 60, "end": 62, "attribution": "pronoun"}
    assert bench.speaker_is_right(by_span, quote, article)
    assert bench.speaker_is_right(by_name, quote, article)
    assert not bench.speaker_is_right(wrong, quote, article)
    assert not bench.speaker_is_right(None, quote, article)
    assert bench.speaker_is_right(None, {"speaker_cluster": None}, article)
