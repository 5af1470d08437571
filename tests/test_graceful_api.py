"""SIGTERM to `newsdesk api` (gunicorn): requests in flight complete, then it exits cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from newsdesk.redis_server import free_port

pytestmark = pytest.mark.integration


def test_sigterm_lets_a_long_poll_in_flight_finish(redis_url: str) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "PROMETHEUS"))}
    env.update(REDIS_URL=redis_url, NEWSDESK_PORT=str(port), NEWSDESK_LOG_LEVEL="WARNING")
    api = subprocess.Popen([sys.executable, "-m", "newsdesk", "api"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.1)
        # No worker runs: the job stays queued and the long-poll waits its full 3 s.
        location = httpx.post(f"{base}/v1/articles", json={"text": "Ferry sails."}).headers[
            "Location"
        ]
        answers: list[httpx.Response] = []
        poll = threading.Thread(
            target=lambda: answers.append(
                httpx.get(f"{base}{location}", params={"wait": 3}, timeout=30)
            )
        )
        poll.start()
        time.sleep(0.5)  # the long-poll is now in flight
        api.send_signal(signal.SIGTERM)
        poll.join(30)

        assert [a.status_code for a in answers] == [200]
        assert answers[0].json()["status"] == "queued"
        assert api.wait(30) == 0
    finally:
        if api.poll() is None:
            api.kill()
            api.wait()
