"""No client can freeze the API: half-sent requests cost nothing and are cut off at their
deadlines, long-polls wait on a notification (not a thread or a Redis connection each),
and a request the server refuses unread is answered in problem details like any other."""

from __future__ import annotations

import asyncio
import json
import selectors
import socket
import threading
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx
import pytest
from conftest import running_api, wait_until_a_long_poll_waits
from redis import Redis
from rq import Queue

from newsdesk import rqstore
from newsdesk.queueing import SERIALIZER, announce_end
from newsdesk.settings import load
from service import jobstore
from service.jobstore import JobStore

pytestmark = pytest.mark.integration

# Short deadlines, so that the server's closing of slow connections is seen soon.
HEADER_TIMEOUT = 3
BODY_TIMEOUT = 3
HALF_HEADERS = b"GET /healthz HTTP/1.1\r\nHost: newsdesk\r\n"
STALLED_BODY = (
    b"POST /v1/articles HTTP/1.1\r\nHost: newsdesk\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n" + b'{"text":'
)
# Answers a test waits for: generous, machines are noisy; a frozen API never answers.
ANSWER_TIMEOUT = 10


def address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def open_sending(base: str, data: bytes) -> socket.socket:
    sock = socket.create_connection(address(base), timeout=ANSWER_TIMEOUT)
    sock.sendall(data)
    sock.setblocking(False)
    return sock


def read_until_closed(
    socks: list[socket.socket], timeout: float
) -> dict[socket.socket, tuple[bytes, float]]:
    """What the server sent on each socket before closing it, and when it closed it."""
    received = {sock: b"" for sock in socks}
    closed: dict[socket.socket, tuple[bytes, float]] = {}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        while len(closed) < len(socks):
            left = deadline - time.monotonic()
            assert left > 0, f"{len(socks) - len(closed)} connections were never closed"
            for key, _ in selector.select(left):
                sock = key.fileobj
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                if data:
                    received[sock] += data
                    continue
                selector.unregister(sock)
                closed[sock] = (received[sock], time.monotonic())
    return closed


def api_answers(base: str, rounds: int = 5) -> None:
    """/healthz and a POST answer, `rounds` times, each in a new connection (a server that
    is stuck on some connections may still be lucky with one)."""
    for _ in range(rounds):
        with httpx.Client(base_url=base, timeout=ANSWER_TIMEOUT) as client:
            assert client.get("/healthz").status_code == 200
        with httpx.Client(base_url=base, timeout=ANSWER_TIMEOUT) as client:
            posted = client.post("/v1/articles", json={"text": "The ferry sails at noon."})
            assert posted.status_code == 202, posted.text


def queue_articles(base: str, count: int) -> list[str]:
    ids = []
    with httpx.Client(base_url=base, timeout=ANSWER_TIMEOUT) as client:
        for i in range(count):
            article = {"text": f"Night bus {i} returns tonight.", "analyses": ["cleanup"]}
            answer = client.post("/v1/articles", json=article)
            assert answer.status_code == 202, answer.text
            ids.append(answer.json()["id"])
    return ids


def test_half_sent_requests_cost_nothing_and_are_closed_at_their_deadlines(
    redis_url: str,
) -> None:
    with running_api(
        redis_url,
        NEWSDESK_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        NEWSDESK_BODY_TIMEOUT=str(BODY_TIMEOUT),
        NEWSDESK_RATE_LIMIT="off",
    ) as (_api, base):
        opened = time.monotonic()
        half = [open_sending(base, HALF_HEADERS) for _ in range(200)]
        stalled = [open_sending(base, STALLED_BODY) for _ in range(50)]
        try:
            api_answers(base)

            closed = read_until_closed(half + stalled, timeout=60)
        finally:
            for sock in half + stalled:
                sock.close()

    for sock in half:
        data, when = closed[sock]
        assert data == b"", data  # headers never finished: closed without an answer
        assert when - opened >= HEADER_TIMEOUT * 0.9  # at the deadline, not before
    for sock in stalled:
        data, when = closed[sock]
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), data
        assert b"connection: close" in head.lower()
        assert b"content-type: application/problem+json" in head.lower()
        assert json.loads(body)["status"] == 408
        assert when - opened >= BODY_TIMEOUT * 0.9


def test_long_polls_wait_on_a_notification_and_answer_as_their_jobs_end(redis_url: str) -> None:
    from workers.pipeline import warm_up
    from workers.worker import make_worker

    polls = 200
    warm_up()  # the burst worker below then ends the jobs quickly
    redis = Redis.from_url(redis_url)
    with running_api(redis_url, NEWSDESK_RATE_LIMIT="off") as (_api, base):
        started = time.monotonic()
        ids = queue_articles(base, polls)
        answers: dict[str, tuple[str, datetime]] = {}

        async def long_poll(client: httpx.AsyncClient, job_id: str) -> None:
            response = await client.get(f"/v1/jobs/{job_id}", params={"wait": 30})
            while response.status_code == 503:
                # As a client does when the API waited its NEWSDESK_REDIS_TIMEOUT for one of
                # its Redis connections (a machine this busy can make it wait that long).
                await asyncio.sleep(float(response.headers["Retry-After"]))
                response = await client.get(f"/v1/jobs/{job_id}", params={"wait": 30})
            answers[job_id] = (response.json()["status"], datetime.now().astimezone())

        async def all_polls() -> None:
            limits = httpx.Limits(max_connections=None)
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
                await asyncio.gather(*(long_poll(client, job_id) for job_id in ids))

        poller = threading.Thread(target=asyncio.run, args=(all_polls(),))
        poller.start()
        try:
            wait_until_a_long_poll_waits(redis_url, polls=polls)
            assert answers == {}, "long-polls answered before their jobs ended"

            api_answers(base)
            # The API's connections (opened since it started; not this test's own): far
            # fewer than the polls it holds.
            age = time.monotonic() - started
            own = redis.client_id()
            api_connections = [
                client
                for client in redis.client_list()
                if int(client["age"]) <= age and int(client["id"]) != own
            ]
            assert len(api_connections) < polls // 3, api_connections

            config = replace(load(), redis_url=redis_url)
            queue = Queue(config.queue_name, connection=redis, serializer=SERIALIZER)
            make_worker(queue, config).work(burst=True)  # main thread: job timeouts use signals
        finally:
            poller.join(60)
        assert not poller.is_alive(), "long-polls went on after their jobs ended"

    assert len(answers) == polls
    for job_id in ids:
        status, answered = answers[job_id]
        assert status == "finished"
        ended = datetime.fromisoformat(redis.hget(f"rq:job:{job_id}", "ended_at").decode())
        # Woken by the end, not by the 30 s wait running out.
        assert (answered - ended).total_seconds() < ANSWER_TIMEOUT
    redis.close()


def test_a_header_the_server_refuses_is_answered_in_problem_details(redis_url: str) -> None:
    with (
        running_api(redis_url) as (_api, base),
        socket.create_connection(address(base), timeout=ANSWER_TIMEOUT) as sock,
    ):
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: newsdesk\r\nX-Note: a\x00b\r\n\r\n")
        stream = sock.makefile("rb")
        status = stream.readline()
        headers = {}
        while (line := stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = json.loads(stream.read(int(headers["content-length"])))
    assert status.split()[1] == b"400"
    assert headers["content-type"] == "application/problem+json"
    assert body["status"] == 400
    assert body["title"] == "Bad Request"


def test_a_body_too_long_to_discard_is_answered_with_the_close_announced(
    redis_url: str,
) -> None:
    limit = 1000
    with running_api(redis_url, NEWSDESK_MAX_BODY_BYTES=str(limit)) as (_api, base):
        body = b'{"text": "' + b"a" * (5 * limit) + b'"}'  # over four times the limit
        with socket.create_connection(address(base), timeout=ANSWER_TIMEOUT) as sock:
            sock.sendall(
                b"POST /v1/articles HTTP/1.1\r\nHost: newsdesk\r\nContent-Type: application/json"
                b"\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            stream = sock.makefile("rb")
            answer = stream.read()  # up to the server's close
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer
    assert b"connection: close" in head.lower()
    assert json.loads(rest)["type"] == "urn:newsdesk:problem:body-too-large"


# --- the long-polls' notifications, in-process ---------------------------------------------


def end_as_a_worker_does(redis: Redis, job_id: str) -> None:
    with redis.pipeline() as pipe:
        pipe.hset(rqstore.job_key(job_id), "status", "finished")
        announce_end(pipe, job_id)
        pipe.execute()


def test_a_job_that_ends_just_before_its_poll_subscribes_is_not_missed(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis = Redis.from_url(redis_url)
    store = JobStore(redis, replace(load(), redis_url=redis_url))
    job = store.submit({"text": "The ferry sails at noon."}, ["cleanup"], None)
    first_read = jobstore.read_view

    def read_then_end(
        connection: Redis, job_id: str, owner: str | None = None
    ) -> tuple[dict, bytes | None]:
        view, result = first_read(connection, job_id, owner)
        if view["status"] == "queued":  # read as queued; ended before the wait begins
            end_as_a_worker_does(redis, job_id)
        return view, result

    monkeypatch.setattr(jobstore, "read_view", read_then_end)
    began = time.monotonic()
    assert store.get(job["id"], wait=30)["status"] == "finished"
    assert time.monotonic() - began < ANSWER_TIMEOUT  # not the 30 s wait running out


def test_a_poll_still_wakes_when_its_redis_connection_was_lost(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    store = JobStore(redis, replace(load(), redis_url=redis_url))
    job = store.submit({"text": "The ferry sails at noon."}, ["cleanup"], None)
    answer: dict[str, Any] = {}
    poller = threading.Thread(target=lambda: answer.update(store.get(job["id"], wait=30)))
    poller.start()
    wait_until_a_long_poll_waits(redis_url)
    redis.client_kill_filter(_type="pubsub")  # the connection the poll waits on
    end_as_a_worker_does(redis, job["id"])  # its message may go nowhere: the marker stays
    poller.join(ANSWER_TIMEOUT)
    assert not poller.is_alive(), "the poll missed its job's end"
    assert answer["status"] == "finished"
