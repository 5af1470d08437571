"""SIGTERM to `newsdesk api` (gunicorn): requests in flight complete, then it exits cleanly."""

from __future__ import annotations

import signal
import threading

import httpx
import pytest
from conftest import running_api, wait_until_a_long_poll_waits

pytestmark = pytest.mark.integration


def test_sigterm_lets_a_long_poll_in_flight_finish(redis_url: str) -> None:
    with running_api(redis_url) as (api, base):
        # No worker runs: the job stays queued and the long-poll waits its full 3 s.
        posted = httpx.post(f"{base}/v1/articles", json={"text": "Ferry sails."})
        location = posted.headers["Location"]
        answers: list[httpx.Response] = []
        poll = threading.Thread(
            target=lambda: answers.append(
                httpx.get(f"{base}{location}", params={"wait": 3}, timeout=30)
            )
        )
        poll.start()
        wait_until_a_long_poll_waits(redis_url)
        api.send_signal(signal.SIGTERM)
        poll.join(30)

        assert [a.status_code for a in answers] == [200]
        assert answers[0].json()["status"] == "queued"
        assert api.wait(30) == 0
