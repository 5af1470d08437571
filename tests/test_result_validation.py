"""The compiled result check (workers.validation) against ResultSchema, the contract it stands in
for: both accept every real result, and they reject the same broken ones, except the values
JSON would store under the wrong type, which only the compiled check refuses."""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language

from newsdesk.results import ANALYSES, ResultSchema
from workers.nlp import get_model
from workers.pipeline import analyze
from workers.validation import InvalidResult, check_result

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = ResultSchema()
MATCH = {
    "job_id": "7a0c1d52-9a53-4c7e-8f0e-2f4d1b7c9e11",
    "indexed_at": "2026-11-23T10:00:00.000Z",
    "verdict": "near_duplicate",
    "similarity": 0.91,
    "jaccard": 0.8,
    "estimated": 0.88,
    "passages": [
        {
            "paragraph": 0,
            "start": 0,
            "end": 40,
            "other_paragraph": 1,
            "other_start": 12,
            "other_end": 52,
            "similarity": 1.0,
        }
    ],
}
# Wrong values that JSON can carry as they are: both checks must refuse or take them alike.
WRONG = [None, "x", "", -1, 0, 2, 10**6, -100.0, True, [], [1], {}, {"zz": 1}, "PERSON"]
WRONG += [math.nan, math.inf, -math.inf]


@pytest.fixture(scope="module")
def results() -> list[dict[str, Any]]:
    nlp: Language = get_model()
    found = []
    for path in sorted(FIXTURES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        found.append(analyze({"text": text, "analyses": list(ANALYSES)}, nlp=nlp))
        found.append(
            analyze(
                {"text": text, "analyses": list(ANALYSES)},
                nlp=nlp,
                find_similar=lambda fingerprint: [copy.deepcopy(MATCH)],
            )
        )
    return found


def accepts(result: Any) -> bool:
    try:
        check_result(result)
    except InvalidResult:
        return False
    return True


def marshmallow_accepts(result: Any) -> bool:
    return not SCHEMA.validate(result)


def places(node: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every key or index in a result, the first few items of each list only."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            yield (*path, index)
            yield from places(value, (*path, index))


def broken(result: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A copy with one thing wrong: a value replaced, a field removed or an unknown one added."""
    copy_ = copy.deepcopy(result)
    path = rng.choice(list(places(copy_)))
    parent = copy_
    for step in path[:-1]:
        parent = parent[step]
    roll = rng.random()
    if roll < 0.15 and isinstance(parent, dict):
        del parent[path[-1]]
    elif roll < 0.25 and isinstance(parent, dict):
        parent["unknown_field"] = 1
    else:
        parent[path[-1]] = rng.choice(WRONG)
    return copy_


def test_every_real_result_is_accepted_by_both(results: list[dict[str, Any]]) -> None:
    assert any(r.get("duplicates", {}).get("matches") for r in results)
    for result in results:
        assert marshmallow_accepts(result)
        check_result(result)


def test_broken_results_are_refused_alike(
    results: list[dict[str, Any]], rng: random.Random
) -> None:
    verdicts = []
    for result in results:
        for _ in range(60):
            candidate = broken(result, rng)
            verdict = accepts(candidate)
            assert verdict == marshmallow_accepts(candidate), candidate
            verdicts.append(verdict)
    # Some changes are harmless (an optional field removed, a count set to 2): both take those.
    assert verdicts.count(False) > len(verdicts) / 2
    assert verdicts.count(True) > 0


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [("stats", "words", "3"), ("stats", "words", 1.5), ("stats", "reading_time_seconds", "3")],
)
def test_a_value_of_the_wrong_json_type_is_refused_even_where_marshmallow_would_convert_it(
    results: list[dict[str, Any]], section: str, field: str, value: Any
) -> None:
    result = copy.deepcopy(results[0])
    result[section][field] = value
    assert marshmallow_accepts(result)  # it would convert the value on loading
    with pytest.raises(InvalidResult, match=field):
        check_result(result)


def test_the_problem_is_named(results: list[dict[str, Any]]) -> None:
    result = copy.deepcopy(results[0])
    result["entities"][0]["type"] = "SPACESHIP"
    with pytest.raises(InvalidResult, match="type"):
        check_result(result)
    result = copy.deepcopy(results[0])
    result["stats"]["reading_time_seconds"] = math.nan
    with pytest.raises(InvalidResult, match="NaN or infinite"):
        check_result(result)
