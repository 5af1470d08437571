"""The whole path with real processes: `newsdesk api` and two `newsdesk worker` on a real Redis.

Workers take a few seconds to load the model, so one set serves the whole module; each
module run gets its own queue name so nothing else on the Redis can interfere.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from conftest import base_url, new_listener, start_newsdesk
from redis import Redis

from newsdesk.redis_server import RedisServer
from newsdesk.results import ResultSchema
from newsdesk.settings import load
from service.jobstore import JobStore

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parent / "fixtures"
READY_TIMEOUT = 90.0


@dataclass
class Stack:
    base_url: str
    queue: str
    redis_url: str
    log_dir: Path
    api: subprocess.Popen
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    def log_lines(self, name: str) -> list[dict]:
        lines = []
        for raw in (self.log_dir / f"{name}.log").read_text().splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:  # not ours (a library printing plain text)
                lines.append({"event": raw})
        return lines

    def worker_of(self, job_id: str) -> str | None:
        for name in self.workers:
            for line in self.log_lines(name):
                if line.get("event") == "job started" and line.get("job_id") == job_id:
                    return name
        return None

    def tails(self) -> str:
        return "\n".join(
            f"--- {path.name}\n" + "\n".join(path.read_text().splitlines()[-15:])
            for path in sorted(self.log_dir.glob("*.log"))
        )


@pytest.fixture(scope="module")
def stack(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    log_dir = tmp_path_factory.mktemp("stack-logs")
    queue = f"itest-{uuid.uuid4().hex[:8]}"
    listener = new_listener()
    env = {
        **os.environ,
        "REDIS_URL": redis_server.url,
        "NEWSDESK_QUEUE": queue,
        "NEWSDESK_API_PROCESSES": "1",
        "NEWSDESK_LOG_LEVEL": "INFO",
        "NEWSDESK_AUTH": "disabled",
    }
    api = start_newsdesk(["api"], env, log_dir / "api.log", listener)
    stack = Stack(base_url(listener), queue, redis_server.url, log_dir, api)
    for number in (1, 2):
        name = f"{queue}-w{number}"
        log = log_dir / f"{name}.log"
        stack.workers[name] = start_newsdesk(["worker", "--name", name], env, log)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            for process in [api, *stack.workers.values()]:
                assert process.poll() is None, f"a process died at start:\n{stack.tails()}"
            try:
                ready = httpx.get(f"{stack.base_url}/readyz", timeout=2)
                if ready.status_code == 200 and ready.json()["workers"] == 2:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"not ready in time:\n{stack.tails()}"
            time.sleep(0.2)
        yield stack
    finally:
        for process in [*stack.workers.values(), api]:
            if process.poll() is None:
                process.terminate()
        for process in [*stack.workers.values(), api]:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        listener.close()


def _article(name: str) -> str:
    return (FIXTURES / name).read_text()


def _submit(stack: Stack, **body: object) -> httpx.Response:
    return httpx.post(f"{stack.base_url}/v1/articles", json=body, timeout=10)


def _wait_for_end(stack: Stack, location: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{stack.base_url}{location}", params={"wait": 5}, timeout=15).json()
        if job["status"] in ("finished", "failed"):
            return job
    raise AssertionError(f"job {location} did not end in {timeout}s:\n{stack.tails()}")


def test_post_then_poll_until_finished(stack: Stack) -> None:
    response = _submit(stack, text=_article("cli_ferry_strike.txt"))
    assert response.status_code == 202, response.text
    location = response.headers["Location"]
    assert location == f"/v1/jobs/{response.json()['id']}"
    assert response.json()["status"] == "queued"

    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = httpx.get(f"{stack.base_url}{location}", timeout=10).json()
        seen.append(job["status"])
        if job["status"] in ("finished", "failed"):
            break
        time.sleep(0.05)
    assert seen[-1] == "finished", (job, stack.tails())
    assert set(seen) <= {"queued", "started", "finished"}
    assert set(job["result"]) == {"cleanup", "entities", "quotes", "stats", "warnings"}
    assert ResultSchema().validate(job["result"]) == {}
    assert job["result"]["entities"], "an article full of names yielded no entity"


def test_long_poll_answers_as_soon_as_the_job_ends(stack: Stack) -> None:
    response = _submit(stack, text=_article("cli_library_reopens.txt"), analyses=["stats"])
    assert response.status_code == 202
    started = time.monotonic()
    job = httpx.get(
        f"{stack.base_url}{response.headers['Location']}", params={"wait": 30}, timeout=40
    ).json()
    elapsed = time.monotonic() - started
    assert job["status"] == "finished", job
    assert set(job["result"]) == {"stats", "warnings"}
    assert ResultSchema().validate(job["result"]) == {}
    # A job of milliseconds: the long-poll answered at its end, not when its wait ran out.
    assert elapsed < 20, f"long-poll took {elapsed:.1f}s for a job of milliseconds"


def test_jobs_spread_over_both_workers(stack: Stack) -> None:
    texts = [_article("cli_ferry_strike.txt"), _article("cli_library_reopens.txt")] * 4
    locations = []
    for number, text in enumerate(texts):
        # distinct texts: a repeat of a finished request would be answered from its result
        response = _submit(stack, text=f"{text}\n\nEdition {number}.", metadata={"n": number})
        assert response.status_code == 202
        locations.append(response.headers["Location"])
    jobs = [_wait_for_end(stack, location) for location in locations]
    assert [job["status"] for job in jobs] == ["finished"] * len(jobs)
    assert [job["metadata"] for job in jobs] == [{"n": n} for n in range(len(texts))]
    ran_on = {stack.worker_of(job["id"]) for job in jobs}
    assert ran_on == set(stack.workers), f"all jobs ran on {ran_on}"


def test_a_failing_job_ends_failed_with_a_short_error(stack: Stack) -> None:
    # Through the API every job is valid (its schema rejects bad input), so no request can
    # make the pipeline fail on purpose. A payload the API would refuse, a non-string title,
    # goes straight onto the queue: a deterministic failure inside the real pipeline.
    store = JobStore(Redis.from_url(stack.redis_url), replace(load(), queue_name=stack.queue))
    job = store.submit(
        {"text": _article("cli_library_reopens.txt"), "title": 12345}, ["cleanup"], None
    )

    ended = httpx.get(f"{stack.base_url}/v1/jobs/{job['id']}", params={"wait": 10}, timeout=20)
    assert ended.status_code == 200
    body = ended.json()
    assert body["status"] == "failed", body
    assert "result" not in body or body["result"] is None
    assert body["error"]["type"] == "analysis_error"
    assert len(body["error"]["message"]) < 200
    assert "Traceback" not in ended.text and 'File "' not in ended.text


def test_sigterm_lets_a_worker_finish_its_job_then_exit(stack: Stack) -> None:
    """Runs last: it stops one of the module's workers."""
    paragraphs = _article("cli_ferry_strike.txt").split("\n\n")
    long_text = "\n\n".join(paragraphs * 200)[:80_000]  # a few seconds of NER
    response = _submit(stack, text=long_text, analyses=["entities"])
    assert response.status_code == 202
    job_id = response.json()["id"]

    deadline = time.monotonic() + 30
    name = None
    while name is None and time.monotonic() < deadline:
        name = stack.worker_of(job_id)
        time.sleep(0.02)
    assert name is not None, f"no worker took the job:\n{stack.tails()}"
    signalled_at = datetime.now(UTC)
    stack.workers[name].send_signal(signal.SIGTERM)

    assert stack.workers[name].wait(60) == 0, stack.tails()
    job = httpx.get(f"{stack.base_url}/v1/jobs/{job_id}", timeout=10).json()
    assert job["status"] == "finished", job
    ended_at = datetime.fromisoformat(job["ended_at"].replace("Z", "+00:00"))
    assert ended_at > signalled_at, "the job ended before the signal: nothing was tested"
    events = [line.get("event", "") for line in stack.log_lines(name)]
    assert any("warm shut down requested" in event for event in events)
    assert "Traceback" not in (stack.log_dir / f"{name}.log").read_text()
    others = [p for n, p in stack.workers.items() if n != name]
    assert all(p.poll() is None for p in others), "the other worker stopped too"
