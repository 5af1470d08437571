"""The Python client's job control against a real `newsdesk api`: cancel, list, similar.

One API serves the module. Each test calls it with a key of its own, so the jobs a test
lists are its own; a second key shows that another caller's job is not found. Jobs run,
where a test needs them to, in an RQ worker in this process.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from conftest import running_api
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from test_duplicates import FERRY, body

from newsdesk.client import Client, NewsdeskError
from newsdesk.queueing import SERIALIZER
from newsdesk.redis_server import RedisServer
from workers.prompt_stop import PromptSimpleWorker

pytestmark = pytest.mark.integration

KEYS = {
    "canceller": "canceller-key-0123456789",
    "lister": "lister-key-0123456789ab",
    "desk": "desk-key-0123456789abcd",
    "stranger": "stranger-key-0123456789",
}


@dataclass
class Api:
    base_url: str
    redis: Redis
    queue: Queue

    def client(self, name: str) -> Client:
        return Client(self.base_url, api_key=KEYS[name])

    def run_queued_jobs(self) -> None:
        PromptSimpleWorker([self.queue], connection=self.redis, serializer=SERIALIZER).work(
            burst=True
        )


@pytest.fixture(scope="module")
def api(redis_server: RedisServer) -> Iterator[Api]:
    queue_name = f"client-{uuid.uuid4().hex[:8]}"
    settings = {
        "NEWSDESK_AUTH": "required",
        "NEWSDESK_API_KEYS": ",".join(f"{name}:{key}" for name, key in KEYS.items()),
        "NEWSDESK_QUEUE": queue_name,
    }
    redis = Redis.from_url(redis_server.url)
    queue = Queue(queue_name, connection=redis, serializer=SERIALIZER)
    with running_api(redis_server.url, **settings) as (_, base):
        yield Api(base, redis, queue)
    redis.close()


def test_cancel_answers_as_the_api_does(api: Api) -> None:
    with api.client("canceller") as client:
        queued = client.submit("The Kessel ferry sails at noon from Monday.", analyses=["stats"])
        canceled = client.cancel(queued["id"])
        assert (canceled["id"], canceled["status"]) == (queued["id"], "canceled")
        assert canceled["started_at"] is None and canceled["ended_at"]
        assert client.job(queued["id"])["status"] == "canceled"
        with pytest.raises(NewsdeskError) as ended:
            client.cancel(queued["id"])
        assert ended.value.status == 409
        assert ended.value.problem["type"] == "urn:newsdesk:problem:job-ended"

        # A running job is asked to stop: it comes back as it is, still started.
        running = client.submit("Calder Street's bakery reopens on Friday.", analyses=["stats"])
        stored = Job.fetch(running["id"], connection=api.redis, serializer=SERIALIZER)
        stored.set_status(JobStatus.STARTED)  # what a worker does when it takes the job
        stopping = client.cancel(running["id"])
        assert (stopping["id"], stopping["status"]) == (running["id"], "started")

        with pytest.raises(NewsdeskError) as unknown:
            client.cancel(str(uuid.uuid4()))
        assert unknown.value.status == 404
    with api.client("stranger") as stranger, pytest.raises(NewsdeskError) as not_theirs:
        stranger.cancel(running["id"])
    assert not_theirs.value.status == 404


def test_list_jobs_pages_newest_first_and_filters_by_status(api: Api) -> None:
    with api.client("lister") as client:
        ids = [
            client.submit(
                f"Bulletin {n}: the tram depot opens at {n} o'clock.", analyses=["stats"]
            )["id"]
            for n in range(3)
        ]
        first = client.list_jobs(limit=2)
        assert [job["id"] for job in first["jobs"]] == [ids[2], ids[1]]
        assert all("result" not in job for job in first["jobs"])
        assert first["next_cursor"]
        rest = client.list_jobs(limit=2, cursor=first["next_cursor"])
        assert [job["id"] for job in rest["jobs"]] == [ids[0]]
        assert rest["next_cursor"] is None
        assert [job["id"] for job in client.list_jobs()["jobs"]] == ids[::-1]

        client.cancel(ids[1])
        assert [job["id"] for job in client.list_jobs(status="canceled")["jobs"]] == [ids[1]]
        queued = client.list_jobs(status="queued")
        assert [job["id"] for job in queued["jobs"]] == [ids[2], ids[0]]

        with pytest.raises(NewsdeskError) as bad:
            client.list_jobs(limit=0)
        assert bad.value.status == 422
        assert [error["field"] for error in bad.value.problem["errors"]] == ["limit"]
        for job_id in (ids[0], ids[2]):  # nothing left for another test's worker to run
            client.cancel(job_id)
    with api.client("stranger") as stranger:
        assert not {job["id"] for job in stranger.list_jobs()["jobs"]} & set(ids)


def test_similar_lists_later_jobs_of_the_same_key(api: Api) -> None:
    with api.client("desk") as client:
        first = client.submit(body(FERRY), analyses=["duplicates"])
        pending = client.similar(first["id"])
        assert pending == {"job_id": first["id"], "indexed": False, "matches": []}
        api.run_queued_jobs()
        shortened = client.submit(body(FERRY[:4]), analyses=["duplicates"])
        api.run_queued_jobs()

        found = client.similar(first["id"])
        assert found["job_id"] == first["id"] and found["indexed"] is True
        assert [(m["job_id"], m["verdict"]) for m in found["matches"]] == [
            (shortened["id"], "near_duplicate")
        ]
        with pytest.raises(NewsdeskError) as unknown:
            client.similar(str(uuid.uuid4()))
        assert unknown.value.status == 404
    with api.client("stranger") as stranger, pytest.raises(NewsdeskError) as not_theirs:
        stranger.similar(first["id"])
    assert not_theirs.value.status == 404
