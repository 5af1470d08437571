"""Reading a job back: only what its view needs, the result sent as it was stored."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from redis import Redis
from rq.job import Job, JobStatus
from rq.results import Result

from newsdesk.queueing import SERIALIZER, announce_end
from newsdesk.settings import Config
from service.app import create_app

RESULT = {
    "stats": {"words": 12, "readability": {"grade_level": 6.5, "reason": None}},
    "warnings": ["Entities are for English text; this one is in Welsh (\u0175)."],
}


def make_app(redis_url: str) -> Flask:
    return create_app(Config(redis_url=redis_url, auth="disabled", rate_limit="off"))


def finish(redis: Redis, job_id: str, result: Any) -> None:
    """End a job the way a worker stores a success."""
    job = Job.fetch(job_id, connection=redis, serializer=SERIALIZER)
    with redis.pipeline() as pipe:
        job.started_at = job.ended_at = datetime.now(UTC)
        job.set_status(JobStatus.FINISHED, pipeline=pipe)
        job.save(pipeline=pipe)
        Result.create(job, Result.Type.SUCCESSFUL, 600, result, pipeline=pipe)
        announce_end(pipe, job_id)
        pipe.execute()


def test_a_finished_job_reads_back_with_its_result_unchanged(redis_url: str) -> None:
    client = make_app(redis_url).test_client()
    job = client.post("/v1/articles", json={"text": "Y bont ar agor eto.", "metadata": {"n": 1}})
    job_id = job.get_json()["id"]
    finish(Redis.from_url(redis_url), job_id, RESULT)
    response = client.get(f"/v1/jobs/{job_id}?wait=5")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["result"] == RESULT
    assert list(body)[-1] == "result"  # where the schema puts it, after the job's fields
    assert body["status"] == "finished" and body["metadata"] == {"n": 1}
    assert body["started_at"].endswith("Z") and body["ended_at"] >= body["created_at"]


def test_a_job_that_ends_without_a_result_reads_back_with_null(redis_url: str) -> None:
    client = make_app(redis_url).test_client()
    job_id = client.post("/v1/articles", json={"text": "Nothing comes back."}).get_json()["id"]
    finish(Redis.from_url(redis_url), job_id, None)
    assert client.get(f"/v1/jobs/{job_id}").get_json()["result"] is None


def test_a_job_that_expires_during_a_long_poll_is_404_not_an_error(redis_url: str) -> None:
    app = make_app(redis_url)
    client = app.test_client()
    job_id = client.post("/v1/articles", json={"text": "Gone soon."}).get_json()["id"]
    answers: list[Any] = []
    poll = threading.Thread(
        target=lambda: answers.append(app.test_client().get(f"/v1/jobs/{job_id}?wait=1"))
    )
    poll.start()
    Redis.from_url(redis_url).delete(Job.key_for(job_id))
    poll.join(30)
    assert answers[0].status_code == 404
    assert answers[0].get_json()["type"] == "urn:newsdesk:problem:job-not-found"


def test_metadata_with_an_integer_beyond_64_bits_comes_back_whole(redis_url: str) -> None:
    client = make_app(redis_url).test_client()
    metadata = {"archive_id": 2**70, "tags": ["ferry"]}
    posted = client.post("/v1/articles", json={"text": "Big numbers.", "metadata": metadata})
    assert posted.status_code == 202 and posted.get_json()["metadata"] == metadata
    job_id = posted.get_json()["id"]
    finish(Redis.from_url(redis_url), job_id, RESULT)
    read = client.get(f"/v1/jobs/{job_id}")
    assert read.status_code == 200
    assert read.get_json()["metadata"] == metadata and read.get_json()["result"] == RESULT
