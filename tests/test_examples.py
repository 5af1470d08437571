"""The examples in openapi.yaml are real outputs, and stay so."""

from __future__ import annotations

from newsdesk.results import ResultSchema
from newsdesk.settings import load
from newsdesk.similarity import Fingerprint, Thresholds, compare
from service.schemas import (
    ARTICLE_EXAMPLE,
    DUPLICATE_ARTICLES_EXAMPLE,
    JOB_DUPLICATE_EXAMPLE,
    RESULT_EXAMPLE,
    SIMILAR_EXAMPLE,
    JobSchema,
    SimilarSchema,
)
from workers.pipeline import analyze

REFRESH = "the documented example is stale: run `make openapi` to record it again"


def test_documented_result_is_what_the_pipeline_produces() -> None:
    result = analyze(ARTICLE_EXAMPLE, reading_wpm=load().reading_wpm)
    assert result == RESULT_EXAMPLE, REFRESH


def test_documented_result_shows_every_analysis_at_work() -> None:
    assert ResultSchema().validate(RESULT_EXAMPLE) == {}
    assert RESULT_EXAMPLE["cleanup"]["removed"], "the example should show removals"
    assert RESULT_EXAMPLE["entities"], "the example should show entities"
    assert RESULT_EXAMPLE["stats"]["readability"]["flesch_reading_ease"] is not None


def _fingerprint_of(article: dict) -> Fingerprint:
    """The fingerprint the pipeline makes of an article, caught on its way to the index."""
    seen: list[Fingerprint] = []
    analyze(article, find_similar=lambda fp: seen.append(fp) or [])
    [fingerprint] = seen
    return fingerprint


def _as_listed(recorded: dict, fingerprint: Fingerprint, other: Fingerprint) -> dict:
    """`other` seen from `fingerprint` as the index lists it, under the recorded id and time."""
    config = load()
    thresholds = Thresholds(config.duplicate_near, config.duplicate_same_story)
    found = compare(fingerprint, other, thresholds)
    assert found is not None
    return {"job_id": recorded["job_id"], "indexed_at": recorded["indexed_at"], **found}


def test_documented_duplicate_is_what_the_pipeline_finds() -> None:
    first, edited = DUPLICATE_ARTICLES_EXAMPLE
    assert JobSchema().validate(JOB_DUPLICATE_EXAMPLE) == {}
    [recorded] = JOB_DUPLICATE_EXAMPLE["result"]["duplicates"]["matches"]
    assert recorded["job_id"] == SIMILAR_EXAMPLE["job_id"], "the copy should find the first"
    assert recorded["verdict"] == "near_duplicate"
    earlier = _fingerprint_of(first)
    result = analyze(edited, find_similar=lambda fp: [_as_listed(recorded, fp, earlier)])
    assert result == JOB_DUPLICATE_EXAMPLE["result"], REFRESH


def test_documented_similar_jobs_are_what_a_lookup_finds() -> None:
    first, edited = DUPLICATE_ARTICLES_EXAMPLE
    assert SimilarSchema().validate(SIMILAR_EXAMPLE) == {}
    assert SIMILAR_EXAMPLE["indexed"] is True
    [recorded] = SIMILAR_EXAMPLE["matches"]
    assert recorded["job_id"] == JOB_DUPLICATE_EXAMPLE["id"], "the first should find the later copy"
    expected = _as_listed(recorded, _fingerprint_of(first), _fingerprint_of(edited))
    assert SIMILAR_EXAMPLE["matches"] == [expected], REFRESH
