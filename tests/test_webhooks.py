"""Webhooks and the Python client against real processes: `newsdesk api`, an analysis worker
and a webhook worker on a real Redis, delivering to a local HTTP receiver.

One stack serves the module (workers take seconds to load the model). The receiver listens
on 127.0.0.1, which the stack allows through NEWSDESK_WEBHOOK_ALLOWED_HOSTS; retries wait
1 s, then 2 s... (NEWSDESK_WEBHOOK_RETRY_BASE=1).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from conftest import base_url, new_listener, refused_port, start_newsdesk
from redis import Redis
from test_api import long_article_paragraphs

from newsdesk.client import (
    Client,
    NewsdeskError,
    WebhookVerificationError,
    sign_webhook,
    verify_webhook,
)
from newsdesk.keys import KeyStore, parse_env_keys
from newsdesk.redis_server import RedisServer
from newsdesk.results import ResultSchema
from newsdesk.settings import load
from service.jobstore import JobStore

pytestmark = pytest.mark.integration

READY_TIMEOUT = 90.0
BRIEFS = [
    "The Kessel ferry will run every half hour from June, harbour master Ilse Varga said "
    "on Monday. Evening crossings stay hourly.",
    "Calder Street's bakery reopened after a fire, owner Sami Roth said on Tuesday.",
    "Nordhaven's council approved a new cycle lane on the river road, councillor Pia Lund "
    "said. Work starts in August.",
]


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local webhook endpoint: records every POST, answers from a script of status codes."""

    url: str
    server: ThreadingHTTPServer
    deliveries: dict[str, list[Delivery]] = field(default_factory=dict)
    scripts: dict[str, list[int]] = field(default_factory=dict)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def endpoint(self, *statuses: int) -> str:
        """A fresh path answering `statuses` in turn, then 204."""
        path = f"/hook/{uuid.uuid4().hex}"
        self.scripts[path] = list(statuses)
        self.deliveries[path] = []
        return self.url + path

    def wait_for(self, url: str, count: int, timeout: float) -> list[Delivery] | None:
        path = url.removeprefix(self.url)
        with self.arrived:
            ok = self.arrived.wait_for(lambda: len(self.deliveries[path]) >= count, timeout)
        return list(self.deliveries[path]) if ok else None


def start_receiver() -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            script = receiver.scripts.get(self.path, [])
            status = script.pop(0) if script else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with receiver.arrived:
                receiver.deliveries.setdefault(self.path, []).append(
                    Delivery({k.lower(): v for k, v in self.headers.items()}, body)
                )
                receiver.arrived.notify_all()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}", server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


@dataclass
class Stack:
    base_url: str
    queue: str
    redis: Redis
    receiver: Receiver
    log_dir: Path
    processes: list[subprocess.Popen]

    def store(self) -> JobStore:
        """The job layer itself, for jobs no API request could make."""
        return JobStore(self.redis, replace(load(), queue_name=self.queue))

    def client(self) -> Client:
        return Client(self.base_url, api_key=API_KEY)

    def secret(self) -> str:
        # A key from NEWSDESK_API_KEYS signs with a secret derived from the key.
        return KeyStore(self.redis, parse_env_keys(API_KEYS)).signing_secret(OWNER)

    def deliveries(self, url: str, count: int, timeout: float = 60) -> list[Delivery]:
        """The first `count` deliveries to `url`, once they have arrived."""
        arrived = self.receiver.wait_for(url, count, timeout)
        assert arrived is not None, f"fewer than {count} deliveries to {url}:\n{self.tails()}"
        return arrived[:count]

    def tails(self) -> str:
        return "\n".join(
            f"--- {path.name}\n" + "\n".join(path.read_text().splitlines()[-15:])
            for path in sorted(self.log_dir.glob("*.log"))
        )


OWNER = "hooks"
API_KEY = "hooks-test-key-0123456789"
API_KEYS = f"{OWNER}:{API_KEY}"


@pytest.fixture(scope="module")
def stack(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    log_dir = tmp_path_factory.mktemp("webhook-stack-logs")
    queue = f"hooks-{uuid.uuid4().hex[:8]}"
    listener = new_listener()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")},
        "REDIS_URL": redis_server.url,
        "NEWSDESK_QUEUE": queue,
        "NEWSDESK_API_PROCESSES": "1",
        "NEWSDESK_LOG_LEVEL": "INFO",
        "NEWSDESK_API_KEYS": API_KEYS,
        "NEWSDESK_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "NEWSDESK_WEBHOOK_RETRY_BASE": "1",
        "NEWSDESK_WEBHOOK_TIMEOUT": "5",
    }
    receiver = start_receiver()
    processes = [
        start_newsdesk(["api"], env, log_dir / "api.log", listener),
        start_newsdesk(["worker"], env, log_dir / "worker.log"),
        start_newsdesk(["worker", "--webhooks"], env, log_dir / "webhooks.log"),
    ]
    stack = Stack(
        base_url(listener),
        queue,
        Redis.from_url(redis_server.url),
        receiver,
        log_dir,
        processes,
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            for process in processes:
                assert process.poll() is None, f"a process died at start:\n{stack.tails()}"
            try:
                if httpx.get(f"{stack.base_url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"not ready in time:\n{stack.tails()}"
            time.sleep(0.2)
        yield stack
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        listener.close()
        receiver.server.shutdown()


def wait_for_webhook_state(client: Client, job_id: str, state: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.job(job_id)
        if job["webhook"]["state"] == state:
            return job
        time.sleep(0.1)
    raise AssertionError(f"webhook of {job_id} never became {state}: {job['webhook']}")


# --- webhooks -----------------------------------------------------------------------------


def test_a_finished_job_is_delivered_signed(stack: Stack) -> None:
    url = stack.receiver.endpoint()
    with stack.client() as client:
        queued = client.submit(BRIEFS[0], analyses=["entities", "stats"], callback_url=url)
        job = client.wait(queued["id"], timeout=60)
        assert job["status"] == "finished", stack.tails()
        [delivery] = stack.deliveries(url, 1)
        delivered = verify_webhook(stack.secret(), delivery.headers, delivery.body)
        assert delivered["id"] == job["id"] and delivered["status"] == "finished"
        assert ResultSchema().validate(delivered["result"]) == {}
        assert delivered["result"] == job["result"]
        assert delivery.headers["content-type"] == "application/json"
        assert delivery.headers["webhook-id"].startswith("msg_")
        assert abs(int(delivery.headers["webhook-timestamp"]) - time.time()) < 300

        shown = wait_for_webhook_state(client, job["id"], "delivered")
    assert shown["webhook"]["url"] == url
    [attempt] = shown["webhook"]["attempts"]
    assert attempt["status_code"] == 204 and attempt["error"] is None


def test_a_forged_or_altered_delivery_does_not_verify(stack: Stack) -> None:
    url = stack.receiver.endpoint()
    with stack.client() as client:
        client.submit(BRIEFS[1], analyses=["stats"], callback_url=url)
        [delivery] = stack.deliveries(url, 1)
    secret = stack.secret()
    verify_webhook(secret, delivery.headers, delivery.body)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(secret, delivery.headers, delivery.body.replace(b"finished", b"failed!!"))
    other = "whsec_" + base64.b64encode(bytes(range(32))).decode()
    with pytest.raises(WebhookVerificationError):
        verify_webhook(other, delivery.headers, delivery.body)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(secret, delivery.headers, delivery.body, tolerance=-1)


def test_a_failed_delivery_is_retried_with_the_same_id(stack: Stack) -> None:
    url = stack.receiver.endpoint(500, 503)
    with stack.client() as client:
        job = client.submit(BRIEFS[2], analyses=["stats"], callback_url=url)
        first, second, third = stack.deliveries(url, 3, timeout=90)
        shown = wait_for_webhook_state(client, job["id"], "delivered")
    assert (
        first.headers["webhook-id"] == second.headers["webhook-id"] == third.headers["webhook-id"]
    )
    assert first.body == second.body == third.body
    secret = stack.secret()
    for delivery in (first, second, third):
        assert verify_webhook(secret, delivery.headers, delivery.body)["id"] == job["id"]
    codes = [attempt["status_code"] for attempt in shown["webhook"]["attempts"]]
    assert codes == [500, 503, 204]


def test_a_receiver_that_never_answers_is_recorded_as_an_error(stack: Stack) -> None:
    with refused_port() as port, stack.client() as client:
        closed = f"http://127.0.0.1:{port}/hook"  # nothing listens there
        job = client.submit(BRIEFS[0], analyses=["cleanup"], callback_url=closed)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            attempts = client.job(job["id"])["webhook"]["attempts"]
            if len(attempts) >= 2:
                break
            time.sleep(0.2)
        assert len(attempts) >= 2, stack.tails()
        assert attempts[0]["status_code"] is None and "ConnectError" in attempts[0]["error"]
        assert client.job(job["id"])["webhook"]["state"] == "pending"  # retries go on


def test_a_failed_job_is_delivered_too(stack: Stack) -> None:
    # A title the API would refuse goes straight onto the queue: a real failure in the job.
    url = stack.receiver.endpoint()
    job = stack.store().submit(
        {"text": BRIEFS[0], "title": 12345}, ["cleanup"], None, owner=OWNER, callback_url=url
    )
    [delivery] = stack.deliveries(url, 1)
    delivered = verify_webhook(stack.secret(), delivery.headers, delivery.body)
    assert delivered["id"] == job["id"] and delivered["status"] == "failed"
    assert delivered["error"]["type"] == "analysis_error"


def _cancel(stack: Stack, job_id: str) -> dict:
    response = httpx.delete(
        f"{stack.base_url}/v1/jobs/{job_id}",
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=30,
    )
    assert response.status_code in (200, 202), response.text  # ended now, or asked to stop
    return response.json()


def test_cancelled_jobs_are_delivered_too_running_or_queued(stack: Stack) -> None:
    # A long job keeps the one worker busy, so the job after it waits in the queue.
    running_url, queued_url = stack.receiver.endpoint(), stack.receiver.endpoint()
    # Texts no earlier test sent: a repeat would be answered from its reused result at once.
    fresh = f"Reference {uuid.uuid4().hex}."
    long_text = "\n\n".join([*long_article_paragraphs(900), fresh])  # seconds of work
    with stack.client() as client:
        running = client.submit(long_text, callback_url=running_url)
        queued = client.submit(f"{BRIEFS[1]} {fresh}", analyses=["stats"], callback_url=queued_url)
        deadline = time.monotonic() + 120
        while client.job(running["id"])["status"] == "queued":
            assert time.monotonic() < deadline, f"no worker took the job:\n{stack.tails()}"
            time.sleep(0.05)
        assert client.job(queued["id"])["status"] == "queued"

        assert _cancel(stack, queued["id"])["status"] == "canceled"
        assert _cancel(stack, running["id"])["status"] == "started"
        for job, url in ((queued, queued_url), (running, running_url)):
            [delivery] = stack.deliveries(url, 1)
            delivered = verify_webhook(stack.secret(), delivery.headers, delivery.body)
            assert delivered["id"] == job["id"] and delivered["status"] == "canceled"
            assert "result" not in delivered
            assert client.job(job["id"])["status"] == "canceled"
            wait_for_webhook_state(client, job["id"], "delivered")


def test_an_internal_address_is_refused_again_at_delivery(stack: Stack) -> None:
    # Accepted at submit, internal at delivery: what a name re-pointed after the check
    # (DNS rebinding) looks like to the delivery worker. Not retried: the URL is at fault.
    job = stack.store().submit(
        {"text": BRIEFS[1]}, ["stats"], None, owner=OWNER, callback_url="http://10.9.8.7/hook"
    )
    with stack.client() as client:
        shown = wait_for_webhook_state(client, job["id"], "failed")
    [attempt] = shown["webhook"]["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("refused:") and "private" in attempt["error"]


def test_an_internal_callback_is_refused_at_submit(stack: Stack) -> None:
    with stack.client() as client, pytest.raises(NewsdeskError) as refused:
        client.submit(BRIEFS[0], callback_url="http://10.20.30.40/hook")
    assert refused.value.status == 422
    assert refused.value.problem["errors"][0]["field"] == "callback_url"


# --- the client ---------------------------------------------------------------------------


def test_the_client_runs_a_batch_and_iterates_its_results(stack: Stack) -> None:
    url = stack.receiver.endpoint()
    articles = [{"text": text, "analyses": ["entities"]} for text in BRIEFS]
    with stack.client() as client:
        batch = client.batch([*articles, {"text": ""}], callback_url=url)
        assert [job["index"] for job in batch["jobs"]] == [0, 1, 2]
        assert batch["errors"][0]["index"] == 3
        ended = list(client.iter_results(batch["id"], timeout=90))
        assert sorted(job["id"] for job in ended) == sorted(job["id"] for job in batch["jobs"])
        assert {job["status"] for job in ended} == {"finished"}
        assert all(job["batch_id"] == batch["id"] for job in ended)
        assert client.get_batch(batch["id"])["counts"]["finished"] == 3
        # one delivery per job
        deliveries = stack.deliveries(url, 3)
        delivered = {verify_webhook(stack.secret(), d.headers, d.body)["id"] for d in deliveries}
        assert delivered == {job["id"] for job in ended}


def test_the_client_iterates_job_ids_and_reports_problems(stack: Stack) -> None:
    with stack.client() as client:
        ids = [client.submit(text, analyses=["stats"])["id"] for text in BRIEFS[:2]]
        assert sorted(job["id"] for job in client.iter_results(ids, timeout=60)) == sorted(ids)
        with pytest.raises(NewsdeskError) as error:
            client.submit("   ")
        assert error.value.status == 422
        assert error.value.problem["errors"][0]["field"] == "text"
        with pytest.raises(NewsdeskError) as missing:
            client.job(str(uuid.uuid4()))
        assert missing.value.status == 404


def test_a_repeated_request_is_cached_and_still_delivered(stack: Stack) -> None:
    text = "Kessel's tram depot gets a solar roof, engineer Lotte Brandt said on Friday."
    url = stack.receiver.endpoint()
    with stack.client() as client:
        first = client.wait(client.submit(text, analyses=["stats"])["id"], timeout=60)
        again = client.submit(text, analyses=["stats"], callback_url=url)
    assert again["status"] == "finished" and again["cached"] is True
    assert again["result"] == first["result"]
    [delivery] = stack.deliveries(url, 1)
    assert verify_webhook(stack.secret(), delivery.headers, delivery.body)["cached"] is True


def test_an_idempotent_retry_through_the_client(stack: Stack) -> None:
    with stack.client() as client:
        key = uuid.uuid4().hex
        first = client.submit(BRIEFS[1], analyses=["cleanup"], idempotency_key=key)
        again = client.submit(BRIEFS[1], analyses=["cleanup"], idempotency_key=key)
        assert again["id"] == first["id"]
        with pytest.raises(NewsdeskError) as conflict:
            client.submit(BRIEFS[2], idempotency_key=key)
        assert conflict.value.status == 422


# --- signatures without a stack -----------------------------------------------------------


def test_signatures_match_the_standard_webhooks_example() -> None:
    # The example secret, id, timestamp and payload published with the Standard Webhooks
    # specification, and the signature it gives for them.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign_webhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected


def test_verify_takes_any_of_several_signatures_and_checks_the_clock() -> None:
    secret = "whsec_" + "c2VjcmV0LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGVzISE="
    now = int(time.time())
    body = json.dumps({"id": "x"}).encode()
    good = sign_webhook(secret, "msg_1", now, body)
    headers = {"Webhook-Id": "msg_1", "Webhook-Timestamp": str(now)}
    assert verify_webhook(secret, {**headers, "Webhook-Signature": f"v1,bm9wZQ== {good}"}, body)
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify_webhook(secret, headers, body)
    stale = {"webhook-id": "msg_1", "webhook-timestamp": str(now - 301)}
    stale["webhook-signature"] = sign_webhook(secret, "msg_1", now - 301, body)
    with pytest.raises(WebhookVerificationError, match="too far"):
        verify_webhook(secret, stale, body)
    assert verify_webhook(secret, stale, body, tolerance=600) == {"id": "x"}
