"""The real-text entity annotations: well-formed on their own, and how the bench reads them.

The annotated pages' text is not in the repository (it belongs to its publishers), so
nothing here needs it: the annotation file is checked by itself, and loading and error
sorting run on small invented texts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import load_script

ROOT = Path(__file__).resolve().parent.parent
ANNOTATIONS = ROOT / "bench" / "data" / "aeb_entities.jsonl"
ONTONOTES = {
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
    "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
}  # fmt: skip
VALUES = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("bench/entity_quality.py")


def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in ANNOTATIONS.read_text("utf-8").splitlines() if line]


def test_annotation_file_is_well_formed(bench: ModuleType) -> None:
    records = _records()
    assert len(records) >= 30
    assert len({r["page_id"] for r in records}) == len(records)
    for record in records:
        assert set(record) == {"page_id", "sha256_of_gold_body", "mentions"}
        assert len(record["sha256_of_gold_body"]) == 64
        assert record["mentions"], record["page_id"]
        previous_end = 0
        for mention in record["mentions"]:
            assert set(mention) == {"start", "end", "type", "entity"}
            assert mention["type"] in ONTONOTES
            assert 0 <= mention["start"] < mention["end"]
            assert mention["start"] >= previous_end, "sorted, no overlaps"
            previous_end = mention["end"]
            if mention["type"] in VALUES:
                assert mention["entity"] is None
            else:
                assert isinstance(mention["entity"], str) and mention["entity"]
    assert bench.annotation_problems(records) == []


def test_annotation_problems_name_each_defect(bench: ModuleType) -> None:
    def record(*mentions: tuple[int, int, str, str | None]) -> dict[str, Any]:
        return {
            "page_id": "p",
            "sha256_of_gold_body": "0" * 64,
            "mentions": [dict(zip(("start", "end", "type", "entity"), m, strict=True))
                         for m in mentions],
        }  # fmt: skip

    assert bench.annotation_problems([record((0, 4, "GPE", "e1"), (5, 9, "DATE", None))]) == []
    defects = {
        "start < end": record((4, 4, "GPE", "e1")),
        "closed list": record((0, 4, "CITY", "e1")),
        "value with an id": record((0, 4, "DATE", "e1")),
        "name without an id": record((0, 4, "ORG", None)),
        "unsorted": record((5, 9, "GPE", "e1"), (0, 4, "GPE", "e1")),
        "overlap": record((0, 6, "GPE", "e1"), (4, 9, "ORG", "e2")),
    }
    for defect, bad in defects.items():
        assert bench.annotation_problems([bad]), defect
    assert bench.annotation_problems([{**record(), "text": "no text here"}])


def test_load_aeb_leaves_out_changed_and_missing_pages(bench: ModuleType, tmp_path: Path) -> None:
    body = "Ada Lind visited Oslo on Monday. Lind said it rained."
    digest = hashlib.sha256(body.encode()).hexdigest()
    mentions = [
        {"start": 0, "end": 8, "type": "PERSON", "entity": "e1"},
        {"start": 17, "end": 21, "type": "GPE", "entity": "e2"},
        {"start": 25, "end": 31, "type": "DATE", "entity": None},
        {"start": 33, "end": 37, "type": "PERSON", "entity": "e1"},
    ]
    annotations = tmp_path / "annotations.jsonl"
    annotations.write_text(
        "\n".join(
            json.dumps({"page_id": page, "sha256_of_gold_body": digest, "mentions": mentions})
            for page in ("same", "edited", "absent")
        ),
        encoding="utf-8",
    )
    pages = tmp_path / "pages.jsonl"
    pages.write_text(
        json.dumps({"id": "same", "url": "u", "raw_text": "", "gold_body": body})
        + "\n"
        + json.dumps({"id": "edited", "url": "u", "raw_text": "", "gold_body": body + " More."}),
        encoding="utf-8",
    )
    articles, left_out = bench.load_aeb(pages, annotations)
    assert [a["id"] for a in articles] == ["same"]
    assert [m["cluster"] for m in articles[0]["entities"]] == ["e1", "e2", None, "e1"]
    assert len(left_out) == 2 and any("changed" in r for r in left_out)


def test_aeb_run_skips_with_a_message_without_the_pages(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--aeb", str(tmp_path / "absent.jsonl")]) == 0
    assert "skipped" in capsys.readouterr().err


def test_error_kinds_sort_newsdesk_mistakes(bench: ModuleType) -> None:
    text = "Kessa and Kessa Port met. Vass spoke. Vass Ltd grew 4 and 4 times in June Sunday."
    gold = [
        {"start": 0, "end": 5, "type": "GPE", "cluster": "a"},
        {"start": 10, "end": 20, "type": "FAC", "cluster": "b"},
        {"start": 26, "end": 30, "type": "PERSON", "cluster": "c"},
        {"start": 38, "end": 46, "type": "ORG", "cluster": "d"},
        {"start": 52, "end": 53, "type": "CARDINAL", "cluster": None},
        {"start": 58, "end": 59, "type": "CARDINAL", "cluster": None},
        {"start": 69, "end": 73, "type": "DATE", "cluster": None},
        {"start": 74, "end": 80, "type": "DATE", "cluster": None},
    ]

    def entry(label: str, *spans: tuple[int, int]) -> dict[str, Any]:
        mentions = [{"start": s, "end": e, "text": text[s:e]} for s, e in spans]
        return {"name": text[spans[0][0] : spans[0][1]], "type": label,
                "count": len(spans), "mentions": mentions}  # fmt: skip

    entities = [
        entry("ORG", (0, 5), (10, 20)),  # a place typed ORG, merged with another entity
        entry("PERSON", (26, 30)),
        entry("PERSON", (38, 42)),  # "Vass" of "Vass Ltd": too short
        entry("CARDINAL", (52, 53), (58, 59)),  # two numbers made one entry
        entry("DATE", (69, 73)),
        entry("ORG", (66, 68)),  # "in": no gold mention there
    ]
    found = {(kind, detail) for kind, detail, _ in bench.error_kinds(text, gold, entities)}
    assert ("wrong type", "GPE->ORG") in found
    assert ("wrong type", "FAC->ORG") in found
    assert ("merged different entities", "FAC+GPE") in found
    assert ("boundary", "ORG too short") in found
    assert ("values merged", "CARDINAL") in found
    assert ("spurious", "ORG") in found
    assert ("missed", "DATE") in found
    assert not any(kind == "split one entity" for kind, _ in found)
    split = [entry("GPE", (0, 5)), entry("GPE", (10, 20))]
    same_place = [{**g, "cluster": "a"} if g["cluster"] == "b" else g for g in gold]
    kinds = {kind for kind, _, _ in bench.error_kinds(text, same_place, split)}
    assert "split one entity" in kinds
