"""Cancelling a job a real worker process is running: it stops between analysis steps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from test_api import long_article_paragraphs

from newsdesk.settings import Config
from service.app import create_app


@pytest.mark.integration
def test_a_running_job_stops_at_its_next_step_and_the_worker_goes_on(redis_url: str) -> None:
    app = create_app(Config(redis_url=redis_url, auth="disabled"))
    client = app.test_client()
    config = app.extensions["newsdesk.config"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(REDIS_URL=redis_url, NEWSDESK_QUEUE=config.queue_name, NEWSDESK_LOG_LEVEL="WARNING")
    worker = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "worker"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        long_text = "\n\n".join(long_article_paragraphs(900))  # several seconds of work
        job = client.post("/v1/articles", json={"text": long_text}).get_json()
        deadline = time.monotonic() + 120
        while client.get(f"/v1/jobs/{job['id']}").get_json()["status"] == "queued":
            assert time.monotonic() < deadline, "no worker took the job"
            time.sleep(0.05)

        response = client.delete(f"/v1/jobs/{job['id']}")
        assert response.status_code == 202, response.get_json()
        assert response.get_json()["status"] == "started"

        ended = client.get(f"/v1/jobs/{job['id']}?wait=30").get_json()
        assert ended["status"] == "canceled", ended
        assert ended["started_at"] and ended["ended_at"]
        assert "result" not in ended
        # it stopped part-way: not every step of a full job ran
        assert {"entities", "quotes", "stats"} - set(ended["timings"])

        # the same worker process takes the next job
        short = client.post("/v1/articles", json={"text": "A short note.", "analyses": ["stats"]})
        done = client.get(f"/v1/jobs/{short.get_json()['id']}?wait=30").get_json()
        assert done["status"] == "finished"
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
