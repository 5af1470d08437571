"""The examples in openapi.yaml are real outputs, and stay so."""

from __future__ import annotations

from newsdesk.results import ResultSchema
from newsdesk.settings import load
from service.schemas import ARTICLE_EXAMPLE, RESULT_EXAMPLE
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
