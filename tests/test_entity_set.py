"""The annotated entity and quote set is well-formed and matches its marked-up source."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import load_script

from newsdesk.results import ENTITY_TYPES
from workers.quotes import quote_spans

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "entities"
BEATS = ("politics", "business", "sport", "culture", "crime", "science")


def _builder() -> ModuleType:
    return load_script("scripts/build_entity_set.py")


ARTICLES = [json.loads(line) for line in (DATA / "articles.jsonl").read_text("utf-8").splitlines()]


def test_the_set_is_built_from_its_source() -> None:
    builder = _builder()
    source = (DATA / "articles.src").read_text(encoding="utf-8")
    assert builder.dumps(builder.build(source)) == (DATA / "articles.jsonl").read_text("utf-8")


def test_enough_articles_on_every_beat() -> None:
    assert len(ARTICLES) >= 30
    beats = Counter(a["beat"] for a in ARTICLES)
    assert set(beats) == set(BEATS)
    assert min(beats.values()) >= 4
    assert len({a["id"] for a in ARTICLES}) == len(ARTICLES)


@pytest.mark.parametrize("article", ARTICLES, ids=[a["id"] for a in ARTICLES])
def test_article_is_well_formed(article: dict[str, Any]) -> None:
    text = article["text"]
    assert 150 <= len(text.split()) <= 400
    assert article["title"] and "\n" not in article["title"]
    last = (0, 0)
    for mention in article["entities"]:
        assert text[mention["start"] : mention["end"]] == mention["text"]
        assert mention["text"] == mention["text"].strip()
        assert mention["type"] in ENTITY_TYPES
        assert (mention["start"], mention["end"]) > last and mention["start"] >= last[1]
        last = (mention["start"], mention["end"])
    # A leading "the" stays out of names (it is part of dates: "the 1950s").
    for mention in article["entities"]:
        if mention["type"] not in ("DATE", "TIME"):
            assert not mention["text"].startswith("the ")
    clusters: dict[str, set[str]] = {}
    for mention in article["entities"]:
        clusters.setdefault(mention["cluster"], set()).add(mention["type"])
    assert all(len(types) == 1 for types in clusters.values()), "one type per entity"
    for quote in article["quotes"]:
        assert text[quote["start"]] in '"“' and text[quote["end"] - 1] in '"”'
        assert quote["text"] == text[quote["start"] : quote["end"]]
        if quote["speaker_cluster"] is not None:
            assert quote["speaker_cluster"] in clusters
            assert quote["speaker"] in {
                m["text"] for m in article["entities"] if m["cluster"] == quote["speaker_cluster"]
            }


def test_every_gold_quotation_is_a_quotation_by_its_marks() -> None:
    for article in ARTICLES:
        spans = set(quote_spans(article["text"]))
        for quote in article["quotes"]:
            assert (quote["start"], quote["end"]) in spans, article["id"]
