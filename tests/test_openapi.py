"""openapi.yaml is generated from the app, committed, and served as generated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from newsdesk.results import ResultSchema
from newsdesk.settings import SETTINGS, Config
from service.app import create_app
from service.openapi import spec_dict, spec_yaml
from service.schemas import (
    ARTICLE_EXAMPLE,
    JOB_FAILED_EXAMPLE,
    JOB_FINISHED_EXAMPLE,
    JOB_QUEUED_EXAMPLE,
    RESULT_EXAMPLE,
    ArticleRequestSchema,
    JobSchema,
)

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "openapi.yaml"
REGENERATE = "regenerate it with `make openapi` (or `newsdesk openapi --output openapi.yaml`)"


@pytest.fixture
def default_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The committed document states the default limits, whatever this shell has set."""
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)


@pytest.mark.usefixtures("default_settings")
def test_committed_openapi_yaml_is_up_to_date() -> None:
    assert COMMITTED.is_file(), f"openapi.yaml is missing: {REGENERATE}"
    assert COMMITTED.read_text(encoding="utf-8") == spec_yaml(create_app()), (
        f"openapi.yaml differs from what the code generates: {REGENERATE}"
    )


def test_yaml_and_dict_agree() -> None:
    app = create_app(Config(redis_url="redis://127.0.0.1:1/0"))
    assert yaml.safe_load(spec_yaml(app)) == spec_dict(app)


def test_served_json_and_yaml_are_the_generated_document() -> None:
    app = create_app(Config(redis_url="redis://127.0.0.1:1/0"))  # no Redis needed
    client = app.test_client()
    assert client.get("/openapi.json").get_json() == spec_dict(app)
    assert yaml.safe_load(client.get("/openapi.yaml").get_data(as_text=True)) == spec_dict(app)


def test_document_states_the_configured_limits() -> None:
    config = Config(
        redis_url="redis://127.0.0.1:1/0", max_text_chars=1234, max_html_chars=56789, max_wait=7
    )
    spec = spec_dict(create_app(config))
    text = spec["components"]["schemas"]["ArticleRequest"]["properties"]["text"]
    assert text["maxLength"] == 56789  # HTML's; text's own limit is in the description
    assert "1,234 characters of text" in text["description"]
    (wait,) = spec["paths"]["/v1/jobs/{job_id}"]["get"]["parameters"]
    assert wait["schema"]["maximum"] == 7


def test_output_does_not_depend_on_hash_seed(default_settings: None) -> None:
    code = (
        "from service.app import create_app; from service.openapi import spec_yaml; "
        "print(spec_yaml(create_app()), end='')"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        outputs.add(run.stdout)
    assert len(outputs) == 1


def test_every_schema_describes_every_field() -> None:
    schemas = spec_dict(create_app(Config(redis_url="redis://127.0.0.1:1/0")))["components"][
        "schemas"
    ]
    undocumented = [
        f"{name}.{field}"
        for name, schema in schemas.items()
        for field, prop in schema.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert undocumented == []


def test_result_is_documented_with_the_shared_result_schema() -> None:
    schemas = spec_dict(create_app(Config(redis_url="redis://127.0.0.1:1/0")))["components"][
        "schemas"
    ]
    result = schemas["Job"]["properties"]["result"]
    assert result["allOf"] == [{"$ref": "#/components/schemas/Result"}]
    assert set(schemas["Result"]["properties"]) == set(ResultSchema().fields)


def test_examples_are_valid() -> None:
    assert (
        ArticleRequestSchema(max_text_chars=200_000, max_html_chars=6_000_000).validate(
            ARTICLE_EXAMPLE
        )
        == {}
    )
    assert ResultSchema().validate(RESULT_EXAMPLE) == {}
    for job in (JOB_QUEUED_EXAMPLE, JOB_FINISHED_EXAMPLE, JOB_FAILED_EXAMPLE):
        assert JobSchema().validate(job) == {}


def test_every_operation_documents_its_problem_responses() -> None:
    spec = spec_dict(create_app(Config(redis_url="redis://127.0.0.1:1/0")))
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert "500" in codes, (method, path)
            assert "default" not in codes, (method, path)
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    name = response["$ref"].rsplit("/", 1)[1]
                    content = spec["components"]["responses"][name]["content"]
                    assert list(content) == ["application/problem+json"]


def test_submissions_document_the_answers_to_a_slow_or_large_body() -> None:
    """service.bodies answers a body that stops arriving with 408, as it does 413 and 415."""
    spec = spec_dict(create_app(Config(redis_url="redis://127.0.0.1:1/0")))
    for path in ("/v1/articles", "/v1/batches"):
        responses = spec["paths"][path]["post"]["responses"]
        assert {"408", "413", "415"} <= set(responses), path
        assert responses["408"]["$ref"].endswith("/RequestTimeout"), path
